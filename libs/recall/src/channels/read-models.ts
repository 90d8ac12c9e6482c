import { MEMORY_UNITS_PROJECTION } from '@memfabric/projections';

/**
 * Names of the projections the built-in channels read (their consumer groups are
 * `projection:<name>:g<N>`). A composition root that runs them under these names gets the
 * consistency wait right; one that does not run a projection simply does not wait for it.
 */
export const READ_MODELS = {
  memoryUnits: MEMORY_UNITS_PROJECTION,
  /** Dense + lexical indexes of the memory units. */
  vectors: 'vectors',
  /** The processor appending `facts.extracted` events the graph is built from. */
  extraction: 'extraction',
  /** The temporal knowledge graph. */
  graph: 'graph',
} as const;
