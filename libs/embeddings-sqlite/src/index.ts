export * from './sqlite.embedding-cache.js';
