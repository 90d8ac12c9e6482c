export * from './signing.js';
export * from './ports.js';
export * from './reads.js';
export * from './history/memory-history.js';
export * from './history/entity-history.js';
export * from './state/state-at.js';
export * from './checkpoint/checkpoint.js';
export * from './export/bundle.js';
