export * from './memfabric-error.js';
