// Copied from libs/errors/src/index.ts by libs/client/scripts/generate-wire.ts. Do not edit.
export * from './memfabric-error.js';
export * from './backoff.js';
export * from './thread-boundary.js';
