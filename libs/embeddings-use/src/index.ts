export * from './use.embedder.js';
export * from './worker-pool.embedder.js';
export * from './use.worker-pool.js';
