export type * from './projection/handler.js';
export type * from './projection/runtime.js';
export * from './projection/naming.js';
export * from './memory-units/memory-unit.js';
export * from './memory-units/rules.js';
export * from './memory-units/store.js';
export * from './memory-units/in-memory.memory-units.js';
