export * from './embedder.js';
export * from './murmur3.js';
export * from './hash.embedder.js';
export * from './batches.js';
export * from './batching.embedder.js';
export * from './embedding-cache.js';
export * from './caching.embedder.js';
