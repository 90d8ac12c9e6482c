export * from './memfabric-error.js';
export * from './backoff.js';
export * from './thread-boundary.js';
