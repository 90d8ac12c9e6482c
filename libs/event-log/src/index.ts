export type * from './port.js';
export type * from './key-vault.js';
export * from './sealing.js';
export * from './checkpoint.js';
export * from './consistency-token.js';
