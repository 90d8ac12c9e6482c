export * from './locomo.js';
