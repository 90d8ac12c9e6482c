import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { truncateWal } from "@memfabric/event-log-sqlite";
import type { StoredEvent } from "@memfabric/events";
import {
  QueryLogBuffer,
  type AnalyticsStore,
  type QueryLogRow,
} from "@memfabric/analytics";
import type { Embedder } from "@memfabric/embeddings";
import { lag, type EventLog } from "@memfabric/event-log";
import type { Extractor } from "@memfabric/extraction";
import type { GraphStore } from "@memfabric/graph-store";
import {
  AsyncProjectionRuntime,
  consumerGroupOf,
  InMemoryGenerationStore,
  type AsyncProjectionHandler,
  type DeadLetterStore,
  type GenerationStore,
  type ProjectionStatus,
} from "@memfabric/projections";
import {
  memoryUnitsProjection,
  SqliteDeadLetterStore,
  SqliteMemoryUnitStore,
  SqliteProjectionRuntime,
  SqliteUnitDecisions,
} from "@memfabric/projections-sqlite";
import { ChdbAnalyticsStore } from "@memfabric/analytics-chdb";
import type { SqliteProjectionHandler } from "@memfabric/projections-sqlite";
import {
  analyticsProjection,
  asyncAnalyticsProjection,
  asyncExtractionProcessor,
  asyncGraphProjection,
  asyncVectorProjection,
  extractionProcessor,
  GRAPH_PROJECTION,
  openGraphStore,
  sqliteGraphProjection,
  sqliteVectorProjection,
  VECTOR_PROJECTION,
  type SqliteVectorProjection,
  type VectorGenerationStores,
} from "@memfabric/read-models";
import type {
  GraphReader,
  ReadModelProgress,
  RecallBackend,
} from "@memfabric/recall";
import type { Checkpoint } from "@memfabric/event-log";
import {
  ConfigurationError,
  UnavailableError,
  ValidationError,
} from "@memfabric/errors";
import type { LexicalIndex } from "@memfabric/vector-index";
import {
  countDeadLetters,
  instrumentProjection,
  lagSamplesOf,
  registerLagSource,
  type LagSample,
} from "@memfabric/telemetry-node";

/**
 * The stores of the read side, per read model and generation: server adapters (Qdrant, Neo4j,
 * ClickHouse) in a cluster, the in-memory doubles in tests, or a mix.
 */
export interface ReadSideStores {
  /** The dense (and lexical) index of a vector generation; called again for the same generation, returns the same stores. */
  vectors(generation: number): Promise<VectorGenerationStores>;
  /** Drops what a vector generation wrote (after a rebuild switched away from it). */
  dropVectors?(generation: number): Promise<void>;
  /** The graph store of a graph generation; the same store for the same generation. */
  graph(generation: number): Promise<GraphStore>;
  /** Drops what a graph generation wrote. */
  dropGraph?(generation: number): Promise<void>;
  /** The analytics store (every event flattened; the recall query log); absent: the read side keeps an embedded one. */
  readonly analytics?: AnalyticsStore;
  /** Closes every store opened. */
  close(): Promise<void>;
}

/**
 * Where one read model (or the extraction processor) runs in a process:
 * - `embedded`: on the embedded runtime in this process, into `<dataDir>` (SQLite, HNSW files,
 *   chDB), with its checkpoint in the same file as its data, so a restart resumes exactly where
 *   the data is. Every process that runs it reads the whole log (nothing is shared), and only
 *   this process can read the result: use it for the read models this process serves.
 * - `shared`: on the asynchronous runtime as the consumer group `projection:<name>:g<N>`, which
 *   every replica running it shares (Kafka assigns each a set of partitions), writing through
 *   {@link ReadSideOptions.stores} (the server stores); the group commits after the store acknowledged.
 * - `off`: not run here.
 */
export type Placement = "embedded" | "shared" | "off";

/** The placement of each read model and of the extraction processor (the memory units always run embedded). */
export interface ReadSidePlacements {
  readonly vectors: Placement;
  readonly graph: Placement;
  readonly analytics: Placement;
  readonly extraction: Placement;
}

/** How often a busy WAL truncation (a reader held the WAL) is retried, and how long apart (ms). */
const WAL_PURGE_ATTEMPTS = 20;
const WAL_PURGE_RETRY_MS = 250;

/**
 * The embedded runtime's `onCommitted` for the memory-unit file: after any projection's
 * committed batch that held a `subject.erased` event, checkpoints the WAL into
 * `memory-units.db` and truncates it (`truncateWal`), so the purge's pages (overwritten in place,
 * `secure_delete` is on) replace the erased text in the file and no copy stays in the WAL.
 *
 * Every projection's commit of the erasure triggers it because their checkpoints are
 * independent (after a crash one can be a batch ahead of another): whichever passes the erasure
 * last leaves the files clean. A busy checkpoint (a reader held the WAL) is retried every
 * {@link WAL_PURGE_RETRY_MS} ms, at most {@link WAL_PURGE_ATTEMPTS} times, then left to the
 * next erasure.
 */
function purgeWalAfterErasure(db: Database.Database): (projection: string, events: readonly StoredEvent[]) => void {
  const truncate = (attempt: number): void => {
    if (db.open && truncateWal(db).busy && attempt < WAL_PURGE_ATTEMPTS)
      setTimeout(() => truncate(attempt + 1), WAL_PURGE_RETRY_MS).unref();
  };
  return (_projection, events) => {
    if (events.some((e) => e.type === "subject.erased")) truncate(1);
  };
}

/** Every read model and the extraction on the shared stores (the default of {@link ReadSide.open}). */
export const ALL_SHARED: ReadSidePlacements = {
  vectors: "shared",
  graph: "shared",
  analytics: "shared",
  extraction: "shared",
};

/** Options of {@link ReadSide.open}. */
export interface ReadSideOptions {
  /** The event log (Kafka in a cluster, the SQLite log on one machine). */
  readonly log: EventLog;
  /**
   * Directory of the memory-unit read model: `memory-units.db` holds the units, their decisions,
   * and the checkpoints, generations and dead letters of the projection runtimes. Keep it on a
   * volume: the memory units are the lifecycle every other read model consumes.
   */
  readonly dataDir: string;
  readonly embedder: Embedder;
  /** The server stores (or their in-memory doubles) of the `shared` read models; required when any is shared. */
  readonly stores?: ReadSideStores;
  /** Where each read model runs; default {@link ALL_SHARED}. */
  readonly placements?: ReadSidePlacements;
  /** Extractor of the extraction processor; `null` runs no extraction (the graph then only gets facts other processes append). */
  readonly extractor: Extractor | null;
  /** Events per batch of each runtime; default 500. */
  readonly batchSize?: number;
  /** Told about every failed batch (logs, metrics); must not throw. */
  readonly onError?: (error: unknown, projection: string) => void;
  /**
   * Where the asynchronous runtime registers generations; default in memory (a restarted
   * process starts again at generation 1, whose stores and consumer group it finds as left).
   */
  readonly generations?: GenerationStore;
}

/**
 * The read side assembled over ports: the composition root of a projector or query process in a
 * cluster. The memory units (the lifecycle decision) are projected by the embedded runtime into
 * a local SQLite file, on any `EventLog`; the vector + lexical, graph and analytics read models
 * and the extraction processor run on the asynchronous runtime and write through the store
 * ports (`VectorIndex`, `LexicalIndex`, `GraphStore`, `AnalyticsStore`), with the same
 * read-model modules as the embedded fabric. {@link recallBackend} serves the recall engine
 * from the same stores.
 */
export class ReadSide {
  /** @internal the recall backend, once asked for (refreshed after applied batches). */
  backend: PortRecallBackend | undefined;

  private readonly graphStores = new Map<number, GraphStore>();
  private unregisterLag: (() => void) | undefined;

  private constructor(
    readonly log: EventLog,
    private readonly db: Database.Database,
    /** The memory units and every `embedded` read model (embedded runtime over the log port). */
    readonly unitsRuntime: SqliteProjectionRuntime,
    /** The `shared` read models (asynchronous runtime over the store ports); undefined when none is shared here. */
    readonly runtime: AsyncProjectionRuntime | undefined,
    readonly memoryUnits: SqliteMemoryUnitStore,
    private readonly options: ReadSideOptions,
    /** Where each read model runs. */
    readonly placements: ReadSidePlacements,
    /** The analytics store: the embedded chDB or the shared one; also where recalls are logged. */
    readonly analytics: AnalyticsStore,
    private readonly embeddedVectors: SqliteVectorProjection | undefined,
    private readonly ownedAnalytics: AnalyticsStore | undefined,
  ) {}

  /**
   * Opens the memory-unit file and wires both runtimes.
   * @throws ConfigurationError for invalid runtime options.
   */
  static async open(options: ReadSideOptions): Promise<ReadSide> {
    const placements = options.placements ?? ALL_SHARED;
    const shared = (
      Object.keys(placements) as (keyof ReadSidePlacements)[]
    ).filter(
      (k) =>
        placements[k] === "shared" && (k !== "extraction" || options.extractor),
    );
    const stores = options.stores;
    if (!stores && shared.some((k) => k !== "extraction")) {
      throw new ConfigurationError(
        `read side: ${shared.filter((k) => k !== "extraction").join(", ")} run on the shared stores, but no stores were given (configure the server stores or place them embedded)`,
      );
    }
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const db = new Database(path.join(options.dataDir, "memory-units.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    // erased content must not linger in free pages (see eraseSubject)
    db.pragma("secure_delete = ON");
    let ownedAnalytics: AnalyticsStore | undefined;
    try {
      const batch =
        options.batchSize === undefined ? {} : { batchSize: options.batchSize };
      const onError = options.onError ? { onError: options.onError } : {};
      if (placements.analytics === "embedded" || !stores?.analytics) {
        const chdb = ChdbAnalyticsStore.open({
          path: path.join(options.dataDir, "analytics"),
        });
        ownedAnalytics = chdb;
        await chdb.migrate();
      }
      const analytics =
        placements.analytics === "embedded" || !stores?.analytics
          ? ownedAnalytics!
          : stores.analytics;
      const units = new SqliteMemoryUnitStore(db);
      const decisions = new SqliteUnitDecisions(db);
      // embedded runtime, in run order within one pass: the memory units decide the lifecycle the
      // vector and graph read models consume, extraction appends the facts the graph reads
      const embeddedVectors =
        placements.vectors === "embedded"
          ? sqliteVectorProjection(options.embedder, {
              indexDir: (g) => path.join(options.dataDir, `vectors-g${g}`),
              decisions,
              units,
              database: db,
            })
          : undefined;
      const embedded: SqliteProjectionHandler<unknown>[] = [
        memoryUnitsProjection(),
        ...(embeddedVectors ? [embeddedVectors.handler] : []),
        ...(placements.extraction === "embedded" && options.extractor
          ? [extractionProcessor(options.log, options.extractor)]
          : []),
        ...(placements.graph === "embedded"
          ? [sqliteGraphProjection({ decisions, units })]
          : []),
        ...(placements.analytics === "embedded"
          ? [analyticsProjection(analytics)]
          : []),
      ];
      const unitsRuntime = SqliteProjectionRuntime.open({
        log: options.log,
        db,
        // each apply a `process <projection>` span and a latency observation
        handlers: embedded.map((h) =>
          instrumentProjection(h, { runtime: "sqlite" }),
        ),
        onDeadLettered: countDeadLetters,
        onCommitted: purgeWalAfterErasure(db),
        ...batch,
        ...onError,
      });
      const handlers: AsyncProjectionHandler<unknown>[] = [];
      if (placements.vectors === "shared") {
        handlers.push(
          asyncVectorProjection({
            embedder: options.embedder,
            decisions,
            units,
            stores: (g) => stores!.vectors(g),
            ...(stores!.dropVectors
              ? { drop: (g: number) => stores!.dropVectors!(g) }
              : {}),
          }),
        );
      }
      if (placements.extraction === "shared" && options.extractor)
        handlers.push(asyncExtractionProcessor(options.log, options.extractor));
      if (placements.graph === "shared") {
        handlers.push(
          asyncGraphProjection({
            decisions,
            units,
            store: (g) => stores!.graph(g),
            ...(stores!.dropGraph
              ? { drop: (g: number) => stores!.dropGraph!(g) }
              : {}),
          }),
        );
      }
      if (placements.analytics === "shared") {
        if (!stores?.analytics)
          throw new ConfigurationError(
            "read side: analytics runs on the shared stores, but no analytics server (ClickHouse) is configured",
          );
        handlers.push(asyncAnalyticsProjection(stores.analytics));
      }
      const deadLetters: DeadLetterStore = new SqliteDeadLetterStore(db);
      // generation switches become visible to recall after each applied batch
      const applied: { side?: ReadSide } = {};
      const runtime =
        handlers.length === 0
          ? undefined
          : await AsyncProjectionRuntime.open({
              log: options.log,
              handlers: handlers.map((h) =>
                instrumentProjection(h, { runtime: "async" }),
              ),
              deadLetters,
              generations: options.generations ?? new InMemoryGenerationStore(),
              onApplied: (batch) => {
                countDeadLetters(batch.projection, batch.deadLettered);
                return applied.side?.backend?.refresh();
              },
              ...batch,
              ...onError,
            });
      applied.side = new ReadSide(
        options.log,
        db,
        unitsRuntime,
        runtime,
        units,
        options,
        placements,
        analytics,
        embeddedVectors,
        ownedAnalytics,
      );
      return applied.side;
    } catch (error) {
      await ownedAnalytics?.close();
      db.close();
      throw error;
    }
  }

  /** Every projection of both runtimes, memory units first. */
  get projections(): readonly string[] {
    return [...this.unitsRuntime.names, ...(this.runtime?.names ?? [])];
  }

  /**
   * Runs both runtimes until every projection has caught up with the log end (passes repeat
   * while a processor appended events, e.g. facts.extracted).
   * @returns events processed, in total.
   */
  async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      const units = await this.unitsRuntime.runUntilCaughtUp();
      const rest = (await this.runtime?.runUntilCaughtUp()) ?? { processed: 0 };
      const processed = units.processed + rest.processed;
      total += processed;
      if (processed === 0 && (await this.lagged()) === 0) {
        await this.backend?.refresh();
        return total;
      }
    }
  }

  /** Events behind the log end, summed over every projection of both runtimes. */
  async lagged(): Promise<number> {
    const end = await this.log.end();
    const statuses: ProjectionStatus[] = [
      ...(await this.unitsRuntime.status()),
      ...((await this.runtime?.status()) ?? []),
    ];
    return statuses.reduce((n, s) => n + lag(s.checkpoint, end), 0);
  }

  /**
   * Consumer lag of every projection of both runtimes, per partition of the log end: events
   * between the committed checkpoint and the end (`memfabric_consumer_lag`).
   */
  async lagSamples(): Promise<LagSample[]> {
    const end = await this.log.end();
    const statuses: ProjectionStatus[] = [
      ...(await this.unitsRuntime.status()),
      ...((await this.runtime?.status()) ?? []),
    ];
    return lagSamplesOf(end, statuses);
  }

  /** Starts both runtimes' continuous loops, and reports their lag to `/metrics`. */
  start(): void {
    this.unitsRuntime.start();
    this.runtime?.start();
    this.unregisterLag ??= registerLagSource(() => this.lagSamples());
  }

  /**
   * With the loops started ({@link start}): resolves once every projection has caught up with
   * the log end, seen twice in a row `pollMs` apart (a processor may append after its batch).
   * @throws UnavailableError when that does not happen within `timeoutMs` (default 60 000 ms).
   */
  async settled(
    options: { readonly timeoutMs?: number; readonly pollMs?: number } = {},
  ): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const pollMs = options.pollMs ?? 20;
    let caughtUp = 0;
    while (caughtUp < 2) {
      if (Date.now() > deadline)
        throw new UnavailableError(
          `the read side did not catch up within ${options.timeoutMs ?? 60_000} ms (${await this.lagged()} events behind)`,
        );
      caughtUp = (await this.lagged()) === 0 ? caughtUp + 1 : 0;
      if (caughtUp < 2)
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    await this.backend?.refresh();
  }

  /** The recall engine's ports over this read side (one per read side). */
  async recallBackend(): Promise<PortRecallBackend> {
    if (!this.backend) {
      const backend = new PortRecallBackend(this, this.options);
      await backend.refresh();
      this.backend = backend;
    }
    return this.backend;
  }

  /** The stores of the active vector generation (embedded or shared), or undefined before its first batch or when vectors are off. */
  async activeVectors(): Promise<VectorGenerationStores | undefined> {
    if (this.placements.vectors === "embedded") {
      const generation = this.unitsRuntime.activeGeneration(VECTOR_PROJECTION);
      return generation === undefined
        ? undefined
        : this.embeddedVectors!.indexes(this.db, generation);
    }
    const generation = await this.sharedGeneration(VECTOR_PROJECTION);
    return generation === undefined
      ? undefined
      : this.options.stores!.vectors(generation);
  }

  /** The store of the active graph generation (embedded or shared), or undefined before its first batch or when the graph is off. */
  async activeGraph(): Promise<GraphStore | undefined> {
    if (this.placements.graph === "embedded") {
      const generation = this.unitsRuntime.activeGeneration(GRAPH_PROJECTION);
      if (generation === undefined) return undefined;
      let store = this.graphStores.get(generation);
      if (!store) {
        store = openGraphStore(this.db, generation);
        this.graphStores.clear();
        this.graphStores.set(generation, store);
      }
      return store;
    }
    const generation = await this.sharedGeneration(GRAPH_PROJECTION);
    return generation === undefined
      ? undefined
      : this.options.stores!.graph(generation);
  }

  private async sharedGeneration(
    projection: string,
  ): Promise<number | undefined> {
    if (!this.runtime?.names.includes(projection)) {
      // read here, projected by other processes into the shared stores
      return this.options.stores && this.readsShared(projection)
        ? 1
        : undefined;
    }
    return (await this.runtime.generations(projection)).find(
      (g) => g.state === "active",
    )?.generation;
  }

  /** Whether `projection` is read from the shared stores but projected by other processes (placement `off` with stores given). */
  private readsShared(projection: string): boolean {
    const key =
      projection === VECTOR_PROJECTION
        ? "vectors"
        : projection === GRAPH_PROJECTION
          ? "graph"
          : undefined;
    return (
      key !== undefined &&
      this.placements[key] === "off" &&
      this.options.stores !== undefined
    );
  }

  /**
   * The read models recall waits for: those run here, and those projected elsewhere into the
   * shared stores (their consumer group's committed checkpoint, generation 1).
   */
  get progressNames(): readonly string[] {
    return [
      ...this.projections,
      ...[VECTOR_PROJECTION, GRAPH_PROJECTION].filter((p) =>
        this.readsShared(p),
      ),
    ];
  }

  /** Whether `projection` has applied every event before `checkpoint` (next offset per partition). */
  async reached(projection: string, checkpoint: Checkpoint): Promise<boolean> {
    if (this.unitsRuntime.names.includes(projection))
      return this.unitsRuntime.reached(projection, checkpoint);
    if (this.runtime?.names.includes(projection))
      return this.runtime.reached(projection, checkpoint);
    const committed = await this.log.committed(consumerGroupOf(projection, 1));
    return Object.entries(checkpoint).every(
      ([p, next]) => (committed[Number(p)] ?? 0) >= next,
    );
  }

  /**
   * Checkpoints the memory-unit file's WAL into the database and truncates it, so erased content
   * (overwritten in place, `secure_delete` is on) leaves no copy in the WAL.
   * @returns whether a reader kept the WAL busy (then it is truncated at a later call).
   */
  truncateWal(): { readonly busy: boolean } {
    return { busy: truncateWal(this.db).busy };
  }

  /** Stops both runtimes, flushes the query log, saves the HNSW files and closes the stores and the memory-unit file (not the log). */
  async close(): Promise<void> {
    this.unregisterLag?.();
    await this.backend?.flush();
    await this.runtime?.stop();
    await this.unitsRuntime.stop();
    this.embeddedVectors?.saveIndexFiles();
    await this.options.stores?.close();
    await this.ownedAnalytics?.close();
    this.db.close();
  }
}

/**
 * The recall engine's ports over a {@link ReadSide}: the active generations' vector, lexical and
 * graph stores (resolved by {@link refresh}, called by each recall's consistency wait and after
 * catch-ups), the memory units, the log's `positionAt`, and the checkpoints of both runtimes.
 * Query-log rows are buffered into the analytics store.
 */
export class PortRecallBackend implements RecallBackend {
  readonly embedder: Embedder;
  readonly units: SqliteMemoryUnitStore;
  readonly progress: ReadModelProgress;
  private readonly queryLog: QueryLogBuffer;
  private current: { vectors?: VectorGenerationStores; graph?: GraphStore } =
    {};

  constructor(
    private readonly side: ReadSide,
    options: ReadSideOptions,
  ) {
    this.embedder = options.embedder;
    this.units = side.memoryUnits;
    this.queryLog = new QueryLogBuffer(side.analytics, {});
    this.progress = {
      names: side.progressNames,
      reached: async (projection: string, checkpoint: Checkpoint) => {
        const reached = await side.reached(projection, checkpoint);
        if (reached) await this.refresh();
        return reached;
      },
    };
  }

  /** Resolves the active generations' stores again (after a generation switch). */
  async refresh(): Promise<void> {
    const [vectors, graph] = await Promise.all([
      this.side.activeVectors(),
      this.side.activeGraph(),
    ]);
    this.current = {
      ...(vectors ? { vectors } : {}),
      ...(graph ? { graph } : {}),
    };
  }

  vectors(): VectorGenerationStores["vectors"] | undefined {
    return this.current.vectors?.vectors;
  }

  lexical(): LexicalIndex | undefined {
    return this.current.vectors?.lexical;
  }

  graph(): GraphReader | undefined {
    return this.current.graph;
  }

  async positionAt(timeMs: number): Promise<number | undefined> {
    const next = await this.side.log.positionAt(new Date(timeMs));
    const partitions = Object.keys(next);
    if (partitions.length > 1) {
      // offsets are per partition; recall's asOf is one offset, which is only meaningful on one partition
      throw new ValidationError(
        "asOf by time needs a one-partition log: pass asOf.position of the tenant's partition instead",
        [
          {
            pointer: "/asOf/time",
            detail: `the log has ${partitions.length} partitions`,
          },
        ],
      );
    }
    const offset = next[0];
    return offset === undefined ? undefined : offset - 1;
  }

  logQuery(row: QueryLogRow): void {
    this.queryLog.add(row);
  }

  /** Inserts every buffered query-log row. */
  flush(): Promise<void> {
    return this.queryLog.flush();
  }
}
