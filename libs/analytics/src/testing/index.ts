export * from './analytics.contract.js';
export * from './fixtures.js';
