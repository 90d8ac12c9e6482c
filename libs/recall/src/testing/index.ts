export * from './in-memory.backend.js';
export * from './fixtures.js';
