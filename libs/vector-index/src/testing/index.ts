export * from './vector-index.contract.js';
export * from './lexical-index.contract.js';
export * from './fixtures.js';
