import type Database from 'better-sqlite3';
import { QueryLogBuffer, type AnalyticsStore, type QueryLogRow } from '@memfabric/analytics';
import type { Embedder } from '@memfabric/embeddings';
import type { EventLog } from '@memfabric/event-log';
import type { MemoryUnitStore } from '@memfabric/projections';
import type { SqliteProjectionRuntime } from '@memfabric/projections-sqlite';
import type { GraphReader, ReadModelProgress, RecallBackend } from '@memfabric/recall';
import type { SqliteGraphStore } from '@memfabric/graph-store-sqlite';
import { GRAPH_PROJECTION, openGraphStore, type GenerationIndexes } from '@memfabric/read-models';

/** What {@link EmbeddedRecallBackend} reads. */
export interface EmbeddedRecallBackendOptions {
  /** The log's connection (projection tables: the graph generations are opened on it). */
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

/**
 * The recall engine's read models over the embedded stack, as ports: usearch HNSW + SQLite rows
 * (`VectorIndex`), FTS5 BM25 (`LexicalIndex`), the SQLite temporal graph (`GraphStore`) of the
 * active generations, the memory-unit table, the log's `positionAt` and the projection
 * runtime's committed checkpoints. Query-log rows are buffered into chDB ({@link QueryLogBuffer}).
 */
export class EmbeddedRecallBackend implements RecallBackend {
  readonly embedder: Embedder;
  readonly units: MemoryUnitStore;
  readonly progress: ReadModelProgress;
  private readonly graphStores = new Map<number, SqliteGraphStore>();
  private readonly queryLog: QueryLogBuffer;

  constructor(private readonly options: EmbeddedRecallBackendOptions) {
    this.embedder = options.embedder;
    this.units = options.memoryUnits;
    this.progress = options.runtime;
    this.queryLog = new QueryLogBuffer(options.analytics, {
      ...(options.queryLogBatch !== undefined ? { batch: options.queryLogBatch } : {}),
      ...(options.queryLogFlushMs !== undefined ? { flushMs: options.queryLogFlushMs } : {}),
      ...(options.onQueryLogError ? { onError: options.onQueryLogError } : {}),
    });
  }

  vectors(): GenerationIndexes['vectors'] | undefined {
    return this.options.vectorIndexes()?.vectors;
  }

  lexical(): GenerationIndexes['lexical'] | undefined {
    return this.options.vectorIndexes()?.lexical;
  }

  graph(): GraphReader | undefined {
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

  logQuery(row: QueryLogRow): void {
    this.queryLog.add(row);
  }

  /** Inserts every buffered query-log row; resolves when they are stored (errors go to `onQueryLogError`). */
  flush(): Promise<void> {
    return this.queryLog.flush();
  }
}
