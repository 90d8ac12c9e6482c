/**
 * The vector + lexical read model: its projection for the embedded runtime and for the
 * asynchronous runtime (same plan, from the memory-unit decisions), and the recall channels it
 * serves (dense, lexical, temporal).
 */
export * from './vector-writes.js';
export * from './sqlite.vector-projection.js';
export * from './async.vector-projection.js';
export { denseChannel, lexicalChannel, temporalChannel } from '@memfabric/recall';
