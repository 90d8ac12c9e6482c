export * from './api-key-store.contract.js';
export * from './in-memory.api-key-store.js';
