export * from './fixtures.js';
export * from './memory-unit-store.contract.js';
