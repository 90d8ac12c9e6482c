export * from './use.embedder.js';
