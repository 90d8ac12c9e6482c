/**
 * The read models of the fabric, one module each: memory units (the lifecycle decision),
 * vectors + lexical, temporal graph, analytics, and the extraction processor. Each module
 * exports its projection handler for the embedded runtime (`SqliteProjectionRuntime`) and for
 * the asynchronous runtime over the store ports (`AsyncProjectionRuntime`), and the recall
 * channels it serves.
 */
export * from './memory-units/index.js';
export * from './vectors/index.js';
export * from './graph/index.js';
export * from './analytics/index.js';
export * from './extraction/index.js';
