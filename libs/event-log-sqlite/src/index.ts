export * from './sqlite.event-log.js';
export * from './sqlite.key-vault.js';
export * from './master-key.js';
export * from './private-files.js';
