import type { StoredEvent } from '@memfabric/events';

/**
 * What a handler produces, declared by the handler (never inferred from its name):
 * - `read-model`: writes a store that queries read (memory units, vectors, graph, analytics);
 *   `memfabric rebuild` replays the log into a new generation of it;
 * - `processor`: appends events to the log (extraction writes `facts.extracted`); its output is
 *   already in the log, so rebuilding it would re-run the work only to append nothing.
 */
export type ProjectionKind = 'read-model' | 'processor';

/**
 * What every projection handler declares, whichever runtime drives it (the embedded
 * `SqliteProjectionRuntime` over {@link ProjectionHandler}, the external-store
 * `AsyncProjectionRuntime` over {@link AsyncProjectionHandler}).
 */
export interface ProjectionHandlerBase {
  /**
   * Stable projection name: 1-63 characters, lower-case letters, digits and `-`, starting with
   * a letter (for example `memory-units`, `vectors`). It names the consumer groups and the rows
   * of the generation registry; renaming a projection starts it from scratch.
   */
  readonly name: string;

  /** Positive integer version of the handler's code; see "Versioning" on {@link ProjectionHandler}. */
  readonly version: number;

  /** Read model (writes a store) or processor (appends events to the log); see {@link ProjectionKind}. */
  readonly kind: ProjectionKind;

  /** One line saying what the read model holds (shown by status commands). */
  readonly description?: string;

  /**
   * Cheap synchronous filter. Events it rejects are skipped (never passed to `prepare` or
   * `apply`) but still move the checkpoint. Absent: every event is passed.
   */
  accepts?(event: StoredEvent): boolean;
}

/**
 * A projection handler of the embedded runtime: the code that turns the event log into one read
 * model (or, for a processor, into appended events) inside the store's own transactions.
 *
 * The runtime runs each handler as one consumer group per generation
 * (`projection:<name>:g<generation>`, see {@link consumerGroupOf}) and calls it with batches of
 * events in log order. For every batch it:
 *
 * 1. reads up to `batchSize` events after the generation's committed checkpoint;
 * 2. keeps the events {@link ProjectionHandler.accepts} returns true for (all when absent);
 * 3. awaits {@link ProjectionHandler.prepare} (when defined) OUTSIDE any transaction: the place
 *    for slow or asynchronous work such as computing embeddings;
 * 4. opens one write transaction on the store, calls {@link ProjectionHandler.apply} inside it,
 *    records rejected events in the dead-letter table and commits the consumer-group
 *    checkpoint in the SAME transaction. A crash at any point therefore leaves either the
 *    writes and the checkpoint, or neither: an event is never lost and never applied twice.
 *
 * Failure handling (the handler only throws; the runtime decides):
 * - an error with `retriable: true` (a `MemfabricError` such as `UnavailableError`, or SQLite
 *   busy/full/I/O) rolls the whole batch back; nothing is committed and the batch is retried
 *   later (continuous mode backs off, `runUntilCaughtUp` rethrows);
 * - any other error thrown by `apply` for a batch rolls back only that attempt (a savepoint);
 *   the runtime then applies the events one by one, each in its own savepoint, and records
 *   every event that still throws in the dead-letter table (projection, generation, event
 *   id, partition, offset, reason, recorded time) instead of stalling the projection;
 * - the same isolation applies to `prepare`: a non-retriable failure for the batch is retried
 *   per event and the events that still fail are dead-lettered.
 *
 * Generations: every rebuild creates generation N+1 with fresh tables while reads keep using
 * the active generation N; the runtime switches atomically once N+1 has caught up and then
 * drops N's tables with {@link ProjectionHandler.dropSchema}. A handler must therefore put the
 * generation number in every table or index name it owns (see {@link generationTable}) and
 * never share mutable tables between generations.
 *
 * Versioning: bump {@link ProjectionHandler.version} whenever the code would produce different
 * rows from the same events (new column, new rule). On start the runtime compares it with the
 * version recorded for the active generation; a mismatch starts a rebuild into a new
 * generation, and the old generation is served, frozen at its checkpoint, until the switch.
 *
 * @typeParam Store - what the handler writes through: the better-sqlite3 `Database` in the
 *   embedded runtime (`@memfabric/projections-sqlite`).
 * @typeParam Prepared - the result of {@link ProjectionHandler.prepare}; `undefined` when the
 *   handler has no prepare stage.
 */
export interface ProjectionHandler<Store, Prepared = undefined> extends ProjectionHandlerBase {
  /**
   * Names of projections of the same runtime whose tables this handler reads while projecting
   * (the vector and graph read models read the memory-unit decisions). The embedded runtime
   * never hands it an event at or past the active checkpoint of any of them, so the handler may
   * run concurrently with them and still find every decision it needs. Each must be registered
   * before this handler in the same runtime. Absent: none.
   */
  readonly upstream?: readonly string[];

  /**
   * Creates the tables and indexes of `generation` (use `CREATE ... IF NOT EXISTS`: it may run
   * again after a crash). Called inside a write transaction when the generation is created.
   */
  createSchema(store: Store, generation: number): void;

  /**
   * Drops every table and index of `generation` (use `DROP ... IF EXISTS`). Called inside a
   * write transaction after the generation was switched out or abandoned: projection tables
   * are derived data, so this never loses history.
   */
  dropSchema(store: Store, generation: number): void;

  /**
   * Optional asynchronous stage run before the write transaction, e.g. to embed the texts of
   * the batch. It must not write to the store: anything written here would not be covered by
   * the checkpoint. The returned value is handed to `apply` as `context.prepared`; `apply` may
   * be called with any in-order subset of these events and the same prepared value (when the
   * runtime isolates a failing event), so key per-event results by event id.
   * @throws an error with `retriable: true` when a dependency is down (the batch is retried).
   */
  prepare?(events: readonly StoredEvent[], context: PrepareContext): Promise<Prepared>;

  /**
   * Writes the effect of `events` (in log order) into the generation's tables. Runs inside the
   * runtime's write transaction and must be synchronous (better-sqlite3 transactions cannot
   * span an `await`). Use `context.reject(event, reason)` for an event the rules refuse (for
   * example a correction of an unknown memory): it is dead-lettered without aborting the
   * batch. Throw for anything unexpected; see the failure handling above.
   */
  apply(events: readonly StoredEvent[], context: ApplyContext<Store, Prepared>): void;
}

/** What `prepare` learns about the batch it prepares. */
export interface PrepareContext {
  /** Projection name. */
  readonly projection: string;
  /** Generation the batch is for. */
  readonly generation: number;
}

/** What `apply` gets besides the events. */
export interface ApplyContext<Store, Prepared> extends PrepareContext {
  /** The store to write through (inside the runtime's open transaction). */
  readonly store: Store;
  /** The value `prepare` returned for the batch (`undefined` without a prepare stage). */
  readonly prepared: Prepared;
  /**
   * Sends `event` to the dead-letter table with `reason` (at most 2048 characters kept) and
   * goes on with the batch. Whatever the handler wrote for that event is kept, so reject
   * before writing.
   */
  reject(event: StoredEvent, reason: string): void;
}

/**
 * A projection handler for a store outside the log's database (Qdrant, Neo4j, ClickHouse, a
 * file): the handler of the external-store runtime (`AsyncProjectionRuntime`).
 *
 * The runtime runs each generation as the log's consumer group `projection:<name>:g<generation>`
 * and commits the group's checkpoint only after `apply` resolved, i.e. after the store
 * acknowledged the writes. A crash between the acknowledgement and the commit redelivers the
 * batch (at-least-once delivery), so **every write must be idempotent**: keyed on the event's
 * `id` or its log position (`partition`, `offset`), an upsert that writes the same value again,
 * or a per-partition high-water mark stored with the writes. Applied that way a redelivered
 * batch has no second effect (exactly-once effect).
 *
 * Failure handling follows {@link ProjectionHandler}: an error with `retriable: true` fails the
 * batch (not committed, retried later); any other error makes the runtime apply the batch's
 * events one by one and dead-letter those that still throw. A batch that failed half way may
 * have written part of its events: the idempotent writes make re-applying them harmless.
 *
 * Generations: each rebuild writes into generation N+1 (a new collection, a new label, new
 * tables); put the generation in every name the handler owns and create or drop them in
 * `createSchema` / `dropSchema`.
 *
 * @typeParam Prepared - the result of {@link AsyncProjectionHandler.prepare}.
 */
export interface AsyncProjectionHandler<Prepared = undefined> extends ProjectionHandlerBase {
  /**
   * Creates what `generation` writes into (idempotent: it may run again after a crash). Called
   * before the generation's first batch. Absent: nothing to create.
   */
  createSchema?(generation: number): Promise<void>;

  /** Drops what `generation` wrote (idempotent), after it was switched out or abandoned. */
  dropSchema?(generation: number): Promise<void>;

  /**
   * Optional stage before `apply`, as in {@link ProjectionHandler.prepare} (e.g. embedding the
   * batch's texts); `apply` may get any in-order subset of the events with the same value.
   */
  prepare?(events: readonly StoredEvent[], context: PrepareContext): Promise<Prepared>;

  /**
   * Writes the effect of `events` (in log order, at most one partition's run per call on a
   * partitioned log) to the store, idempotently (see above), and resolves once the store has
   * acknowledged them: the checkpoint is committed after this promise resolves.
   * Use `context.reject(event, reason)` for an event the rules refuse.
   * @throws an error with `retriable: true` when the store is unreachable (the batch is retried).
   */
  apply(events: readonly StoredEvent[], context: AsyncApplyContext<Prepared>): Promise<void>;
}

/** What `AsyncProjectionHandler.apply` gets besides the events. */
export interface AsyncApplyContext<Prepared> extends PrepareContext {
  /** The consumer group the batch is delivered to (`projection:<name>:g<generation>`). */
  readonly group: string;
  /** The value `prepare` returned for the batch (`undefined` without a prepare stage). */
  readonly prepared: Prepared;
  /** Dead-letters `event` with `reason` (at most 2048 characters kept) and goes on with the batch. */
  reject(event: StoredEvent, reason: string): void;
}
