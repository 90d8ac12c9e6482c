export * from './principal.js';
export * from './api-key.js';
export * from './authenticator.js';
export * from './writers.js';
