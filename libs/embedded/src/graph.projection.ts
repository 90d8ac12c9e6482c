import type Database from 'better-sqlite3';
import { extractionFromEvent } from '@memfabric/graph-store';
import { dropGraphTables, SqliteGraphStore } from '@memfabric/graph-store-sqlite';
import type { SqliteProjectionHandler } from '@memfabric/projections-sqlite';

/** Name of the temporal knowledge-graph projection (consumer groups `projection:graph:g<N>`). */
export const GRAPH_PROJECTION = 'graph';

/**
 * The temporal knowledge-graph projection: applies facts.extracted events to the SQLite graph
 * store of its generation (`graph_g<N>_*` tables in the log's file), in the runtime's
 * transaction, so graph rows and the checkpoint commit together. Entities, mentions and facts
 * carry valid time and transaction time; a fact that contradicts a single-valued one
 * invalidates it (Graphiti's rule), never deletes it. Applying an event twice is a no-op.
 */
export function graphProjection(): SqliteProjectionHandler {
  const stores = new Map<number, SqliteGraphStore>();
  const storeOf = (db: Database.Database, generation: number): SqliteGraphStore => {
    let store = stores.get(generation);
    if (!store || store.db !== db) {
      store = SqliteGraphStore.open({ db, generation });
      stores.set(generation, store);
    }
    return store;
  };
  return {
    name: GRAPH_PROJECTION,
    version: 1,
    description: 'facts.extracted -> entities, mentions and bi-temporal facts (SQLite)',
    accepts: (e) => e.type === 'facts.extracted',
    createSchema: (db, generation) => {
      storeOf(db, generation);
    },
    dropSchema: (db, generation) => {
      dropGraphTables(db, { generation });
      stores.delete(generation);
    },
    apply(events, context) {
      const inputs = events.flatMap((e) => extractionFromEvent(e) ?? []);
      if (inputs.length > 0) storeOf(context.store, context.generation).applyExtractionsSync(inputs);
    },
  };
}

/** The graph store of a generation, for reads (counts, queries). */
export function openGraphStore(db: Database.Database, generation: number): SqliteGraphStore {
  return SqliteGraphStore.open({ db, generation });
}
