export * from './locomo.js';
export * from './eval/index.js';
