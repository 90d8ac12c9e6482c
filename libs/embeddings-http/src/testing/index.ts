export * from './fake-embeddings.server.js';
