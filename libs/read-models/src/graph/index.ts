/**
 * The temporal knowledge-graph read model: its projection for the embedded runtime and for the
 * asynchronous runtime (same plan), reads filtered by the memory-unit lifecycle, and the recall
 * channel it serves (graph).
 */
export * from './graph-writes.js';
export * from './sqlite.graph-projection.js';
export * from './async.graph-projection.js';
export * from './visibility.js';
export { graphChannel } from '@memfabric/recall';
