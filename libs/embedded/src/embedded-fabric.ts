import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AnalyticsStore, EventCounts } from '@memfabric/analytics';
import { ChdbAnalyticsStore } from '@memfabric/analytics-chdb';
import { lag, type Checkpoint } from '@memfabric/event-log';
import { countDeadLetters, instrumentProjection } from '@memfabric/telemetry-node';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { emptyCounts, MEMORY_UNITS_PROJECTION, type MemoryUnitCounts, type ProgressCallback, type ProjectionStatus, type RunReport } from '@memfabric/projections';
import {
  memoryUnitsProjection,
  SqliteMemoryUnitStore,
  SqliteProjectionRuntime,
  SqliteUnitDecisions,
  type SqliteProjectionHandler,
} from '@memfabric/projections-sqlite';
import { LazyNlpExtractor, type Extractor } from '@memfabric/extraction';
import {
  analyticsProjection,
  extractionProcessor,
  GRAPH_PROJECTION,
  openGraphStore,
  sqliteGraphProjection,
  sqliteVectorProjection,
  VECTOR_PROJECTION,
  type GenerationIndexes,
  type SqliteVectorProjection,
} from '@memfabric/read-models';
import type { GraphCounts } from '@memfabric/graph-store';
import { nodeSha256Hex } from '@memfabric/crypto';
import { CachingEmbedder, closeEmbedder, type CacheStats, type Embedder } from '@memfabric/embeddings';
import { SqliteEmbeddingCache } from '@memfabric/embeddings-sqlite';
import type { EmbeddingCacheSetting } from './embedder.config.js';
import { RecallEngine, type RecallPreset } from '@memfabric/recall';
import { EmbeddedRecallBackend } from './recall.backend.js';

/** Where the embedded fabric keeps its files. */
export interface EmbeddedFabricOptions {
  /** Data directory: `memfabric.db` (log + projections) and `analytics/` (chDB). */
  readonly dataDir: string;
  /** 32-byte master key that wraps the content keys. */
  readonly masterKey: Uint8Array;
  /** Events per projection batch; default 500. */
  readonly batchSize?: number;
  /**
   * Embedder of the vector projection and of queries (see `embedderFromEnv`). The fabric owns
   * it: {@link EmbeddedFabric.close} closes it (`Embedder.close`, which terminates the worker
   * threads of a `WorkerPoolEmbedder`).
   */
  readonly embedder: Embedder;
  /**
   * Persistent cache of the vector projection's embeddings (a SQLite file keyed by model id and
   * SHA-256 of the text, see `SqliteEmbeddingCache`), so a rebuild or a reopened fabric does
   * not embed a text twice: default `{ path: <dataDir>/embeddings-cache.sqlite }` (500,000
   * entries); `false` for none (`embeddingCacheFromEnv` reads `MEMFABRIC_EMBEDDING_CACHE`).
   * Only memory-unit texts go in it, never queries: an erasure deletes the entries of the
   * erased units' texts, which it could not do for a query.
   */
  readonly embeddingCache?: EmbeddingCacheSetting;
  /**
   * Extractor of the extraction stage (see `extractorFromEnv`); default the offline NLP
   * extractor in the calling thread (`LazyNlpExtractor`). The fabric owns it:
   * {@link EmbeddedFabric.close} closes it (`Extractor.close`: a `WorkerPoolExtractor`'s threads
   * exit).
   */
  readonly extractor?: Extractor;
  /** Transaction-time clock of the log (`recordedat`); default the wall clock (tests pin it). */
  readonly clock?: () => Date;
}

/** File name of the default persistent embedding cache in the data directory. */
export const EMBEDDING_CACHE_FILE = 'embeddings-cache.sqlite';


/** Per-tenant totals across projections. */
export interface TenantStats {
  readonly tenant: string;
  readonly streams: number;
  readonly events: number;
  readonly units: MemoryUnitCounts;
  /** Entities, facts (invalidated included) and mentions of the tenant's knowledge graph. */
  readonly graph: GraphCounts;
  /** Points in the dense index (every status). */
  readonly vectors: number;
  /** Events the analytics projection holds for the tenant. */
  readonly analyticsEvents: number;
}

/** What `memfabric stats` prints. */
export interface FabricStats {
  /** Log end: next offset per partition. */
  readonly log: { readonly end: Checkpoint; readonly events: number; readonly streams: number; readonly tenants: number };
  readonly projections: readonly (ProjectionStatus & { readonly position: Checkpoint })[];
  readonly tenants: readonly TenantStats[];
  readonly totals: { readonly units: number; readonly entities: number; readonly facts: number; readonly analyticsEvents: number };
}

/**
 * The embedded stack opened on one data directory: the SQLite event log, the projection
 * runtime with every projection handler, and the read stores over them. Used by the CLI
 * (`project`, `rebuild`, `stats`) and by the all-in-one runner.
 */
export class EmbeddedFabric {
  private constructor(
    readonly log: SqliteEventLog,
    readonly runtime: SqliteProjectionRuntime,
    readonly memoryUnits: SqliteMemoryUnitStore,
    readonly analytics: AnalyticsStore,
    private readonly vectorsProjection: SqliteVectorProjection,
    /** The embedder of queries, and under the persistent cache that of the vector projection. */
    readonly embedder: Embedder,
    /** The persistent embedding cache of the vector projection, when enabled. */
    readonly embeddingCache: SqliteEmbeddingCache | undefined,
    private readonly cachingEmbedder: CachingEmbedder | undefined,
    private readonly extractor: Extractor,
  ) {}

  /** Texts the vector projection found in the persistent embedding cache and texts it embedded, since open; undefined without the cache. */
  embeddingCacheStats(): CacheStats | undefined {
    return this.cachingEmbedder?.stats();
  }

  private backend: EmbeddedRecallBackend | undefined;
  private engine: RecallEngine | undefined;

  /**
   * Opens the log, the analytics store, the persistent embedding cache and the projection
   * runtime. Files are created owner-only: the data directory (when created) and `analytics/`
   * 0700, `memfabric.db` and `embeddings-cache.sqlite` with their `-wal` and `-shm` files and the
   * HNSW files 0600. The vector projection embeds through the persistent cache (in front of
   * `options.embedder`); queries through `options.embedder` only.
   * @throws ConfigurationError when a file cannot be opened or the key is malformed.
   */
  static async open(options: EmbeddedFabricOptions): Promise<EmbeddedFabric> {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const extractor = options.extractor ?? new LazyNlpExtractor();
    const log = SqliteEventLog.open({
      path: path.join(options.dataDir, 'memfabric.db'),
      masterKey: options.masterKey,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    let embeddingCache: SqliteEmbeddingCache | undefined;
    let analytics: ChdbAnalyticsStore | undefined;
    try {
      const setting = options.embeddingCache ?? {};
      embeddingCache =
        setting === false
          ? undefined
          : SqliteEmbeddingCache.open({ path: setting.path ?? path.join(options.dataDir, EMBEDDING_CACHE_FILE), ...(setting.maxEntries ? { maxEntries: setting.maxEntries } : {}) });
      const cachingEmbedder = embeddingCache ? new CachingEmbedder(options.embedder, { cache: embeddingCache, keyOf: nodeSha256Hex }) : undefined;
      const projectionEmbedder = cachingEmbedder ?? options.embedder;
      analytics = ChdbAnalyticsStore.open({ path: path.join(options.dataDir, 'analytics') });
      await analytics.migrate();
      // Order matters within one catch-up pass: the memory units decide the lifecycle the vector
      // and graph read models consume, and extraction appends the facts.extracted events the
      // graph reads.
      const units = new SqliteMemoryUnitStore(log.db);
      const decisions = new SqliteUnitDecisions(log.db);
      const vectors = sqliteVectorProjection(projectionEmbedder, { indexDir: (g) => path.join(options.dataDir, `vectors-g${g}`), decisions, units, database: log.db });
      const handlers: SqliteProjectionHandler<unknown>[] = [
        memoryUnitsProjection(),
        vectors.handler,
        extractionProcessor(log, extractor),
        sqliteGraphProjection({ decisions, units }),
        analyticsProjection(analytics),
      ];
      const runtime = SqliteProjectionRuntime.open({
        log,
        db: log.db,
        // each apply a `process <projection>` span and a latency observation
        handlers: handlers.map((h) => instrumentProjection(h, { runtime: 'sqlite' })),
        onDeadLettered: countDeadLetters,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      });
      return new EmbeddedFabric(log, runtime, units, analytics, vectors, options.embedder, embeddingCache, cachingEmbedder, extractor);
    } catch (error) {
      await analytics?.close();
      embeddingCache?.close();
      await log.close();
      throw error;
    }
  }

  /** Names of every handler (projections and processors), in run order. */
  get projections(): readonly string[] {
    return this.runtime.names;
  }

  /**
   * Handlers that declare `kind: 'read-model'`, rebuilt by `memfabric rebuild`. Processors (the
   * extraction stage) write events back to the log instead; rebuilding them would re-run the
   * extractor only to append nothing.
   */
  get readModels(): readonly string[] {
    return this.runtime.names.filter((name) => this.runtime.kindOf(name) === 'read-model');
  }

  /**
   * Runs projections until their lag is 0.
   * @param only - projection names to run (default all).
   */
  catchUp(onProgress?: ProgressCallback, only?: readonly string[]): Promise<RunReport> {
    return this.runtime.runUntilCaughtUp(onProgress, only ? { projections: [...only] } : {});
  }

  /** Rebuilds one projection into a new generation and switches to it when caught up. */
  rebuild(projection: string, onProgress?: ProgressCallback): Promise<RunReport> {
    return this.runtime.rebuild(projection, onProgress);
  }

  /**
   * Positions, lag and counts of every projection, and per-tenant totals.
   * @param tenant - only this tenant in `tenants`.
   */
  async stats(tenant?: string): Promise<FabricStats> {
    const end = await this.log.end();
    const streams = await this.log.listStreams(tenant);
    const allStreams = tenant === undefined ? streams : await this.log.listStreams();
    const statuses = await this.runtime.status();
    const counts: EventCounts = await this.analytics.eventCounts(tenant);
    const byTenant = new Map<string, { streams: number; events: number }>();
    for (const s of streams) {
      const t = byTenant.get(s.tenantid) ?? { streams: 0, events: 0 };
      byTenant.set(s.tenantid, { streams: t.streams + 1, events: t.events + s.events });
    }
    const unitsReady = this.runtime.activeGeneration(MEMORY_UNITS_PROJECTION) !== undefined;
    const graphGeneration = this.runtime.activeGeneration(GRAPH_PROJECTION);
    const graph = graphGeneration === undefined ? undefined : openGraphStore(this.log.db, graphGeneration);
    const vectorIndexes = this.vectorIndexes();
    const noGraph: GraphCounts = { entities: 0, facts: 0, invalidatedFacts: 0, mentions: 0, events: 0 };
    const tenants: TenantStats[] = [];
    for (const [name, t] of [...byTenant].sort(([a], [b]) => a.localeCompare(b))) {
      const units = unitsReady ? await this.memoryUnits.countUnits(name) : emptyCounts();
      const graphCounts = graph ? await graph.counts(name) : noGraph;
      const vectorCount = vectorIndexes ? vectorIndexes.vectors.countSync(name) : 0;
      tenants.push({ tenant: name, ...t, units, graph: graphCounts, vectors: vectorCount, analyticsEvents: counts.byTenant[name] ?? 0 });
    }
    return {
      log: {
        end,
        events: lag({}, end),
        streams: allStreams.length,
        tenants: new Set(allStreams.map((s) => s.tenantid)).size,
      },
      projections: statuses.map((s) => ({ ...s, position: s.checkpoint })),
      tenants,
      totals: {
        units: tenants.reduce((n, t) => n + t.units.total, 0),
        entities: tenants.reduce((n, t) => n + t.graph.entities, 0),
        facts: tenants.reduce((n, t) => n + t.graph.facts, 0),
        analyticsEvents: tenants.reduce((n, t) => n + t.analyticsEvents, 0),
      },
    };
  }

  /** The dense and lexical indexes of the active vector generation, or undefined before the first run. */
  vectorIndexes(): GenerationIndexes | undefined {
    const generation = this.runtime.activeGeneration(VECTOR_PROJECTION);
    return generation === undefined ? undefined : this.vectorsProjection.indexes(this.log.db, generation);
  }

  /**
   * The read models recall reads on this fabric, as ports (one backend per fabric): the active
   * generations' dense, lexical and graph stores, the memory units, the log's transaction-time
   * index and the runtime's checkpoints; recalls are logged to the analytics query log.
   */
  recallBackend(): EmbeddedRecallBackend {
    this.backend ??= new EmbeddedRecallBackend({
      db: this.log.db,
      log: this.log,
      runtime: this.runtime,
      memoryUnits: this.memoryUnits,
      analytics: this.analytics,
      embedder: this.embedder,
      vectorIndexes: () => this.vectorIndexes(),
    });
    return this.backend;
  }

  /**
   * The recall use case over this fabric's read models with the built-in channels. One engine per
   * fabric.
   * @param options.presets - presets to know instead of the built-in ones (first call only).
   */
  recaller(options: { readonly presets?: readonly RecallPreset[] } = {}): RecallEngine {
    this.engine ??= new RecallEngine(this.recallBackend(), options.presets ? { presets: options.presets } : {});
    return this.engine;
  }

  /** Writes buffered query-log rows to the analytics store. */
  flushQueryLog(): Promise<void> {
    return this.backend?.flush() ?? Promise.resolve();
  }

  /**
   * Checkpoints the WAL of the log and of the embedding cache into their files and truncates
   * both to 0 bytes, so no earlier page version (content of an erased subject) stays in them.
   * @returns `busy` when another connection kept either checkpoint from completing.
   */
  purgeFiles(): { readonly busy: boolean } {
    const log = this.log.truncateWal();
    const cache = this.embeddingCache?.truncateWal();
    return { busy: log.busy || cache?.busy === true };
  }

  /**
   * Loads what the extraction stage's first batch would otherwise wait for (`Extractor.warm`:
   * the NLP libraries, in the extraction worker threads when there are some), so a memory
   * written right after is findable within a recall's consistency timeout. A server calls it
   * before it listens; the CLI does not (most commands never extract).
   * @throws ConfigurationError when the extractor cannot load (a bad option).
   */
  async warm(): Promise<void> {
    await this.extractor.warm?.();
  }

  /**
   * Stops the runtime, saves the HNSW cache files, closes every store and then the embedder and
   * the extractor (`Embedder.close`, `Extractor.close`: a worker pool's threads exit), even when
   * a store fails to close.
   */
  async close(): Promise<void> {
    try {
      await this.flushQueryLog();
      await this.runtime.stop();
      this.vectorsProjection.saveIndexFiles();
      await this.analytics.close();
      this.embeddingCache?.close();
      await this.log.close();
    } finally {
      await Promise.all([closeEmbedder(this.embedder), this.extractor.close?.()]);
    }
  }
}
