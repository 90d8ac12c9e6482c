export * from './embedder.contract.js';
export * from './embedding-cache.contract.js';
export * from './sentences.js';
