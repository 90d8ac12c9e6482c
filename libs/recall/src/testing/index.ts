export * from './in-memory.backend.js';
export * from './fixtures.js';
export * from './recall-backend.contract.js';
