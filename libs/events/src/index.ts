export * from './catalog.js';
export * from './hashing.js';
export * from './ids.js';
export * from './upcasting.js';
export * from './validation.js';
export type * from './generated/types.js';
export type * from './generated/api-types.js';
export * as schemas from './generated/schemas.js';
