export * from './evidence.js';
export * from './dataset.js';
export * from './metrics.js';
export * from './report.js';
export * from './compare.js';
export * from './loco.js';
