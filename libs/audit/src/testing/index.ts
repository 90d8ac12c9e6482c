export * from './checkpoint-store.contract.js';
