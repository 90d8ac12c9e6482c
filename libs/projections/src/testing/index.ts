export * from './fixtures.js';
export * from './memory-unit-store.contract.js';
export * from './runtime-stores.contract.js';
export * from './jsonl-store.js';
export * from './crash-worker.js';
