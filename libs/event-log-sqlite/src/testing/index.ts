export * from './tamper.js';
