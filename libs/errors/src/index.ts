export * from './memfabric-error.js';
export * from './backoff.js';
