export * from './use.embedder.js';
export * from './use-worker.embedder.js';
