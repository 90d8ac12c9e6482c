import type Database from 'better-sqlite3';
import { dropGraphTables, SqliteGraphStore } from '@memfabric/graph-store-sqlite';
import { MEMORY_UNITS_PROJECTION } from '@memfabric/projections';
import type { SqliteProjectionHandler } from '@memfabric/projections-sqlite';
import { GRAPH_PROJECTION, GRAPH_PROJECTION_VERSION, graphAccepts, graphWritesFor, planGraphBatch, type GraphBatch, type GraphPlanSources } from './graph-writes.js';

/**
 * The temporal knowledge-graph read model on the embedded stack: applies `facts.extracted`
 * events to the SQLite graph store of its generation (`graph_g<N>_*` tables in the log's file),
 * in the runtime's transaction, so graph rows and the checkpoint commit together. Entities,
 * mentions and facts carry valid time and transaction time; a fact that contradicts a
 * single-valued one invalidates it (Graphiti's rule), never deletes it. Applying an event twice
 * is a no-op. Erasures come from the memory-unit decisions ({@link planGraphBatch}).
 */
export function sqliteGraphProjection(sources: GraphPlanSources): SqliteProjectionHandler<GraphBatch> {
  const stores = new Map<number, SqliteGraphStore>();
  const storeOf = (db: Database.Database, generation: number) => {
    let store = stores.get(generation);
    if (!store || store.db !== db) {
      store = SqliteGraphStore.open({ db, generation });
      stores.set(generation, store);
    }
    return store;
  };
  return {
    name: GRAPH_PROJECTION,
    version: GRAPH_PROJECTION_VERSION,
    kind: 'read-model',
    description: 'facts.extracted -> entities, mentions and bi-temporal facts (SQLite); erasure from the memory-unit decisions',
    accepts: graphAccepts,
    // reads the memory-unit decisions of every event it is handed
    upstream: [MEMORY_UNITS_PROJECTION],
    createSchema: (db, generation) => {
      storeOf(db, generation);
    },
    dropSchema: (db, generation) => {
      dropGraphTables(db, { generation });
      // left by versions before 3, which kept their own copy of the unit lifecycle
      db.exec(`DROP TABLE IF EXISTS graph_g${generation}_audit_sources; DROP TABLE IF EXISTS graph_g${generation}_rolled_back;`);
      stores.delete(generation);
    },
    prepare: (events) => planGraphBatch(events, sources),
    apply(events, context) {
      const store = storeOf(context.store, context.generation);
      for (const write of graphWritesFor(events, context.prepared)) {
        if (write.kind === 'facts') store.applyExtractionsSync(write.inputs);
        else store.purgeEventsSync(write.tenant, write.eventIds, write.purgedAt);
      }
    },
  };
}

/** The graph store of a generation, for reads (counts, queries). */
export function openGraphStore(db: Database.Database, generation: number): SqliteGraphStore {
  return SqliteGraphStore.open({ db, generation });
}
