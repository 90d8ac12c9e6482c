import type { GraphStore } from '@memfabric/graph-store';
import type { AsyncProjectionHandler } from '@memfabric/projections';
import { GRAPH_PROJECTION, GRAPH_PROJECTION_VERSION, graphAccepts, graphWritesFor, planGraphBatch, type GraphBatch, type GraphPlanSources } from './graph-writes.js';

/** Options of {@link asyncGraphProjection}. */
export interface AsyncGraphProjectionOptions extends GraphPlanSources {
  /** The graph store of a generation (e.g. a Neo4j database or label set per generation). */
  readonly store: (generation: number) => GraphStore | Promise<GraphStore>;
  /** Drops what a generation wrote; absent: nothing is dropped. */
  readonly drop?: (generation: number) => Promise<void>;
}

/**
 * The temporal knowledge-graph read model for the asynchronous runtime over any `GraphStore`
 * (Neo4j, or the in-memory double): the plan of the embedded projection ({@link planGraphBatch})
 * written through the port. Applying an extraction again is a no-op (facts and mentions are keyed
 * by their source event) and purging again removes nothing more, so a batch delivered twice
 * leaves the same graph.
 */
export function asyncGraphProjection(options: AsyncGraphProjectionOptions): AsyncProjectionHandler<GraphBatch> {
  return {
    name: GRAPH_PROJECTION,
    version: GRAPH_PROJECTION_VERSION,
    kind: 'read-model',
    description: 'facts.extracted -> entities, mentions and bi-temporal facts through the GraphStore port; erasure from the memory-unit decisions',
    accepts: graphAccepts,
    createSchema: async (generation) => {
      await options.store(generation);
    },
    dropSchema: async (generation) => {
      await options.drop?.(generation);
    },
    prepare: (events) => planGraphBatch(events, options),
    async apply(events, context) {
      const store = await options.store(context.generation);
      for (const write of graphWritesFor(events, context.prepared)) {
        if (write.kind === 'facts') await store.applyExtractions(write.inputs);
        else await store.purgeEvents(write.tenant, write.eventIds, write.purgedAt);
      }
    },
  };
}
