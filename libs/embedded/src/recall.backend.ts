import type Database from 'better-sqlite3';
import type { AnalyticsStore, QueryLogRow } from '@memfabric/analytics';
import type { Embedder } from '@memfabric/embeddings';
import type { Checkpoint, EventLog } from '@memfabric/event-log';
import { MEMORY_UNITS_PROJECTION, type MemoryUnitStore } from '@memfabric/projections';
import type { SqliteProjectionRuntime } from '@memfabric/projections-sqlite';
import type { ChannelName, ConsistencyWait, RecallBackend } from '@memfabric/recall';
import type { GraphStore } from '@memfabric/graph-store';
import type { SqliteGraphStore } from '@memfabric/graph-store-sqlite';
import type { LexicalQuery, SearchHit, VectorQuery } from '@memfabric/vector-index';
import { EXTRACTION_PROCESSOR } from './extraction.processor.js';
import { GRAPH_PROJECTION, openGraphStore } from './graph.projection.js';
import { VECTOR_PROJECTION, type GenerationIndexes } from './vector.projection.js';

/** What {@link EmbeddedRecallBackend} reads. */
export interface EmbeddedRecallBackendOptions {
  /** The log's connection (events table, projection tables). */
  readonly db: Database.Database;
  /** The event log (transaction time → position). */
  readonly log: Pick<EventLog, 'positionAt'>;
  readonly runtime: SqliteProjectionRuntime;
  readonly memoryUnits: MemoryUnitStore;
  readonly analytics: AnalyticsStore;
  readonly embedder: Embedder;
  /** The active vector generation's indexes, or undefined before the first run. */
  readonly vectorIndexes: () => GenerationIndexes | undefined;
  /** Query-log rows buffered before one insert; default 200. */
  readonly queryLogBatch?: number;
  /** Longest a query-log row waits in the buffer, ms; default 500. */
  readonly queryLogFlushMs?: number;
  /** Called when a query-log insert fails (the recall itself has been answered). */
  readonly onQueryLogError?: (error: unknown) => void;
}

/** Which projections each channel reads, for the consistency wait. */
const CHANNEL_PROJECTIONS: Record<ChannelName, readonly string[]> = {
  dense: [VECTOR_PROJECTION],
  lexical: [VECTOR_PROJECTION],
  graph: [EXTRACTION_PROCESSOR, GRAPH_PROJECTION],
  temporal: [VECTOR_PROJECTION],
  recency: [MEMORY_UNITS_PROJECTION],
  context: [MEMORY_UNITS_PROJECTION],
};

/** Poll interval of the consistency wait, ms. */
const WAIT_POLL_MS = 5;

/**
 * The recall engine's reads over the embedded stack: usearch HNSW + SQLite rows (dense), FTS5
 * BM25 (lexical), the SQLite temporal graph, the memory-unit table, the log's `positionAt`
 * (transaction time → position) and the projection runtime's committed checkpoints. Query-log
 * rows are buffered and inserted into chDB in batches (one insert per row would cost more than
 * the recall).
 */
export class EmbeddedRecallBackend implements RecallBackend {
  readonly embedder: Embedder;
  readonly units: MemoryUnitStore;
  private readonly graphStores = new Map<number, SqliteGraphStore>();
  private readonly buffer: QueryLogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: EmbeddedRecallBackendOptions) {
    this.embedder = options.embedder;
    this.units = options.memoryUnits;
  }

  dense(query: VectorQuery): Promise<SearchHit[]> {
    const indexes = this.options.vectorIndexes();
    return indexes ? indexes.vectors.search(query) : Promise.resolve([]);
  }

  lexical(query: LexicalQuery): Promise<SearchHit[]> {
    const indexes = this.options.vectorIndexes();
    return indexes ? indexes.lexical.search(query) : Promise.resolve([]);
  }

  graph(): Pick<GraphStore, 'entitiesByName' | 'neighbours' | 'mentionsOf'> | undefined {
    const generation = this.options.runtime.activeGeneration(GRAPH_PROJECTION);
    if (generation === undefined) return undefined;
    let store = this.graphStores.get(generation);
    if (!store) {
      store = openGraphStore(this.options.db, generation);
      this.graphStores.clear();
      this.graphStores.set(generation, store);
    }
    return store;
  }

  async positionAt(timeMs: number): Promise<number | undefined> {
    const next = (await this.options.log.positionAt(new Date(timeMs)))[0]; // one partition embedded
    return next === undefined ? undefined : next - 1;
  }

  async waitFor(checkpoint: Checkpoint, projections: readonly string[], timeoutMs: number): Promise<ConsistencyWait> {
    const deadline = Date.now() + timeoutMs;
    const known = projections.filter((p) => this.options.runtime.names.includes(p));
    for (;;) {
      const behind: string[] = [];
      for (const projection of known) if (!(await this.options.runtime.reached(projection, checkpoint))) behind.push(projection);
      if (behind.length === 0) return { reached: true, behind };
      if (Date.now() >= deadline) return { reached: false, behind };
      await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, Math.max(0, deadline - Date.now()))));
    }
  }

  projectionsOf(channel: ChannelName): readonly string[] {
    return CHANNEL_PROJECTIONS[channel];
  }

  logQuery(row: QueryLogRow): void {
    this.buffer.push(row);
    if (this.buffer.length >= (this.options.queryLogBatch ?? 200)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.queryLogFlushMs ?? 500).unref();
  }

  /** Inserts every buffered query-log row; resolves when they are stored (errors go to `onQueryLogError`). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer.splice(0);
    if (rows.length > 0) {
      this.flushing = this.flushing.then(() =>
        this.options.analytics.insertQueries(rows).catch((error: unknown) => this.options.onQueryLogError?.(error)),
      );
    }
    return this.flushing;
  }
}
