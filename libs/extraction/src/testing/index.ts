export * from './extractor.contract.js';
export * from './fixtures.js';
