export * from './config.js';
export { backoffDelayMs, parseRetryAfter } from '@memfabric/errors';
export * from './openai-response.js';
export * from './http.embedder.js';
