export * from './graph-store.contract.js';
export * from './fixtures.js';
