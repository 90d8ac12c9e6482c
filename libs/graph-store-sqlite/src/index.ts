export * from './sqlite.graph-store.js';
export * from './schema.js';
