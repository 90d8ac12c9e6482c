export * from './config.js';
export * from './backoff.js';
export * from './openai-response.js';
export * from './http.embedder.js';
