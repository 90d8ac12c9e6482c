import type Database from 'better-sqlite3';
import { ConfigurationError, MemfabricError, NotFoundError, UnavailableError } from '@memfabric/errors';
import { lag, type Checkpoint, type EventLog, type ReadPage } from '@memfabric/event-log';
import type { StoredEvent } from '@memfabric/events';
import {
  RUNTIME_DEFAULTS,
  runtimeOptionProblems,
  consumerGroupOf,
  deadLetterReason,
  isBatchFailure,
  MAX_DEAD_LETTER_REASON,
  type ApplyContext,
  type DeadLetter,
  type DeadLetterQuery,
  type GenerationInfo,
  type GenerationSwitch,
  type ProgressCallback,
  type ProjectionHandler,
  type ProjectionKind,
  type ProjectionRuntime,
  type ProjectionStatus,
  type RunReport,
} from '@memfabric/projections';
import { GenerationRegistry } from './generation-registry.js';
import { RUNTIME_DDL } from './schema.js';

/**
 * A projection handler of the embedded runtime: it writes through the runtime's better-sqlite3
 * connection (same file, same transaction as the checkpoint).
 * See `ProjectionHandler` in `@memfabric/projections` for the contract.
 */
export type SqliteProjectionHandler<Prepared = undefined> = ProjectionHandler<Database.Database, Prepared>;

/** Options of {@link SqliteProjectionRuntime.open}. */
export interface SqliteProjectionRuntimeOptions {
  /**
   * The event log to read (the port: the embedded `SqliteEventLog`, or any other adapter). The
   * runtime reads events and log ends through it; it never commits through it.
   */
  readonly log: EventLog;
  /**
   * The SQLite database the projections write into, which also holds the runtime's tables
   * (generation registry, dead letters, consumer-group checkpoints). Embedded: the log's own
   * connection (`SqliteEventLog.db`), so everything lives in one file.
   */
  readonly db: Database.Database;
  /** The projections to run; names must be unique. */
  readonly handlers: readonly SqliteProjectionHandler<unknown>[];
  /** Most events per batch (one read, one transaction); default 500, 1-10 000. */
  readonly batchSize?: number;
  /** How often the continuous loop checks an idle log for new events, in ms; default 50. */
  readonly pollIntervalMs?: number;
  /** First delay before retrying a projection after a retriable failure, in ms; default 100 (doubles up to `retryMaxMs`). */
  readonly retryInitialMs?: number;
  /** Longest delay between retries of a failing projection, in ms; default 5 000. */
  readonly retryMaxMs?: number;
  /** Told about every failure of a batch (for logs and metrics); must not throw. */
  readonly onError?: (error: unknown, projection: string) => void;
  /** Told how many events of a committed batch were dead-lettered (metrics), when any were; must not throw. */
  readonly onDeadLettered?: (projection: string, events: number) => void;
  /**
   * Told right after each batch of a projection committed, with every event the batch read
   * (accepted by the handler or not), in log order; must not throw. The place for work that must
   * follow the commit, e.g. truncating the WAL once an erasure's purge is in the file.
   */
  readonly onCommitted?: (projection: string, events: readonly StoredEvent[]) => void;
  /** Clock for registry and dead-letter times; default `() => new Date()`. */
  readonly clock?: () => Date;
}

/** Options of {@link SqliteProjectionRuntime.runUntilCaughtUp}. */
export interface RunOptions {
  /** Only these projections; default all registered. */
  readonly projections?: readonly string[];
}

interface Registered {
  readonly handler: SqliteProjectionHandler<unknown>;
  lastError?: { message: string; code?: string; at: string };
  /** Continuous mode: do not retry before this time (ms since epoch). */
  retryAt: number;
  backoffMs: number;
}

interface StepResult {
  /** Events whose checkpoint was committed by this step. */
  readonly processed: number;
  readonly deadLettered: number;
  /** The read stopped at an upstream projection's checkpoint: more events wait for it. */
  readonly capped?: boolean;
}

interface Segment {
  readonly events: readonly StoredEvent[];
  readonly prepared: unknown;
}

const DEFAULTS = RUNTIME_DEFAULTS;

/**
 * The embedded projection runtime: runs {@link SqliteProjectionHandler}s over the `EventLog`
 * port, writing into one SQLite database, each generation of each projection as the consumer
 * group `projection:<name>:g<generation>`.
 *
 * Exactly once: every batch's writes, dead letters and checkpoint commit in one
 * `BEGIN IMMEDIATE` transaction on that database, after re-reading the checkpoint inside that
 * transaction. A crash (or a throw) before the commit leaves neither writes nor checkpoint, and
 * a second runtime on the same file (another process) that raced for the same batch finds the
 * checkpoint moved and discards its attempt. The port commits only asynchronously, so the
 * checkpoints of these consumer groups live in the runtime's own table `projection_checkpoints`
 * (see `schema.ts`), not in the log; {@link SqliteProjectionRuntime.open} copies them once from
 * the log (`log.committed(group)`) for a database written before that table existed.
 *
 * Poison events: one savepoint per batch, and on a non-retriable failure one savepoint per
 * event, so a bad event is dead-lettered without rolling back the others (see
 * `ProjectionHandler` for the rules).
 *
 * Generations: the registry table `projection_generations` (see `schema.ts`) names the active
 * generation of each projection. A rebuild builds generation N+1 from offset 0 into fresh
 * tables while reads use N; once N+1's lag is 0 one transaction retires N and activates N+1,
 * then N's tables are dropped. A handler whose `version` differs from the active generation's
 * starts such a rebuild on open; the active generation is then frozen (served, not advanced)
 * until the switch. A runtime whose handler version is older than one already recorded for
 * the projection refuses to process it (another process runs newer code).
 */
export class SqliteProjectionRuntime implements ProjectionRuntime {
  private readonly db: Database.Database;
  private readonly log: EventLog;
  private readonly registry: GenerationRegistry;
  private readonly projections = new Map<string, Registered>();
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly onError: ((error: unknown, projection: string) => void) | undefined;
  private readonly onDeadLettered: ((projection: string, events: number) => void) | undefined;
  private readonly onCommitted: ((projection: string, events: readonly StoredEvent[]) => void) | undefined;
  private readonly clock: () => Date;
  private readonly savepoint: (fn: () => void) => void;
  private readonly stmts;
  private queue: Promise<unknown> = Promise.resolve();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Wakes the lanes of the round in progress that wait for an upstream commit. */
  private nudge: (() => void) | undefined;
  private readyOnce: Promise<void> | undefined;

  private constructor(options: SqliteProjectionRuntimeOptions) {
    const problems = validate(options);
    if (problems.length > 0) throw new ConfigurationError(`invalid projection runtime options: ${problems.join('; ')}`);
    this.log = options.log;
    this.db = options.db;
    this.batchSize = options.batchSize ?? DEFAULTS.batchSize;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    this.retryInitialMs = options.retryInitialMs ?? DEFAULTS.retryInitialMs;
    this.retryMaxMs = options.retryMaxMs ?? DEFAULTS.retryMaxMs;
    this.onError = options.onError;
    this.onDeadLettered = options.onDeadLettered;
    this.onCommitted = options.onCommitted;
    this.clock = options.clock ?? (() => new Date());
    for (const handler of options.handlers) this.projections.set(handler.name, { handler, retryAt: 0, backoffMs: this.retryInitialMs });
    this.db.exec(RUNTIME_DDL);
    this.registry = new GenerationRegistry(this.db);
    this.savepoint = this.db.transaction((fn: () => void) => fn());
    this.stmts = {
      // Checkpoints of the runtime's consumer groups, read and written inside its transactions.
      committed: this.db.prepare<[string], { partition: number; next_offset: number }>(
        'SELECT partition, next_offset FROM projection_checkpoints WHERE grp = ?',
      ),
      commit: this.db.prepare<[string, number, number, string]>(
        `INSERT INTO projection_checkpoints (grp, partition, next_offset, committedat) VALUES (?, ?, ?, ?)
         ON CONFLICT (grp, partition) DO UPDATE SET next_offset = excluded.next_offset, committedat = excluded.committedat`,
      ),
      anyCheckpoint: this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM (SELECT 1 FROM projection_checkpoints LIMIT 1)'),
      registeredGroups: this.db.prepare<[], { grp: string }>('SELECT DISTINCT grp FROM projection_generations ORDER BY grp'),
      deadLetter: this.db.prepare<[string, number, string, string, number, number, string, string]>(
        `INSERT INTO projection_dead_letters (projection, generation, eventid, eventtype, partition, "offset", reason, recordedat)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deadLetterCount: this.db.prepare<[string, number], { n: number }>(
        'SELECT COUNT(*) AS n FROM projection_dead_letters WHERE projection = ? AND generation = ?',
      ),
      deadLetters: this.db.prepare<
        [string, number, number, number],
        { projection: string; generation: number; eventid: string; eventtype: string; partition: number; offset: number; reason: string; recordedat: string }
      >(
        `SELECT * FROM projection_dead_letters WHERE projection = ? AND generation = ? AND "offset" > ?
         ORDER BY "offset", partition LIMIT ?`,
      ),
    };
    for (const name of this.projections.keys()) this.reconcile(name);
  }

  /**
   * Opens the runtime on `db`: creates the runtime tables when missing and brings each
   * projection's generations in line with its handler (first generation, version-bump rebuild,
   * drop of switched-out tables left by a crash). Processing starts with
   * {@link runUntilCaughtUp} or {@link start}.
   *
   * Migration: while `projection_checkpoints` is empty, the first asynchronous call copies the
   * log's committed checkpoint (`log.committed(group)`) of every consumer group of the
   * generation registry into it, once, in one transaction. A data directory whose projections
   * committed into the embedded log's `consumer_offsets` (before this table existed) therefore
   * resumes where it stopped instead of applying its events again.
   * @throws ConfigurationError listing every invalid option (missing log or database, duplicate
   *   or invalid names, versions, kinds, batch size, intervals).
   */
  static open(options: SqliteProjectionRuntimeOptions): SqliteProjectionRuntime {
    return new SqliteProjectionRuntime(options);
  }

  /** Names of the registered projections, in registration order. */
  get names(): readonly string[] {
    return [...this.projections.keys()];
  }

  /**
   * The declared kind of a registered projection (`read-model` or `processor`).
   * @throws NotFoundError for an unregistered projection.
   */
  kindOf(projection: string): ProjectionKind {
    return this.registered(projection).handler.kind;
  }

  // ---------------------------------------------------------------- checkpoints

  /**
   * Resolves once the one-time copy of the log's checkpoints is done (see {@link open}); a
   * failed attempt (the log was unreachable) is retried by the next call.
   */
  private ready(): Promise<void> {
    this.readyOnce ??= this.adoptLogCheckpoints();
    return this.readyOnce.catch((error: unknown) => {
      this.readyOnce = undefined;
      throw translate(error);
    });
  }

  private async adoptLogCheckpoints(): Promise<void> {
    if (this.stmts.anyCheckpoint.get()!.n > 0) return;
    const groups = this.stmts.registeredGroups.all().map((r) => r.grp);
    const found: { group: string; checkpoint: Checkpoint }[] = [];
    for (const group of groups) {
      const checkpoint = await this.log.committed(group);
      if (Object.keys(checkpoint).length > 0) found.push({ group, checkpoint });
    }
    if (found.length === 0) return;
    this.db
      .transaction(() => {
        if (this.stmts.anyCheckpoint.get()!.n > 0) return; // another process adopted (or committed) first
        for (const { group, checkpoint } of found) this.commitCheckpoint(group, checkpoint);
      })
      .immediate();
  }

  /** Writes a consumer group's checkpoint; call inside the batch's transaction. */
  private commitCheckpoint(group: string, checkpoint: Checkpoint): void {
    const at = this.now();
    for (const [partition, next] of Object.entries(checkpoint)) this.stmts.commit.run(group, Number(partition), next, at);
  }

  // ---------------------------------------------------------------- generations

  /**
   * Aligns the registry with the handler, in one write transaction: creates generation 1
   * (active) for a new projection, abandons a building generation of another version, starts a
   * rebuild when the active generation was built by another version, and drops the tables of
   * retired or abandoned generations. Returns false when the handler is older than a version
   * already recorded (this process must not touch the projection).
   */
  private reconcile(name: string): boolean {
    const { handler } = this.registered(name);
    const outcome = this.db
      .transaction(() => {
        const rows = this.registry.list(name);
        const newest = rows.reduce((v, r) => Math.max(v, r.version), 0);
        if (handler.version < newest) return false;
        const active = rows.find((r) => r.state === 'active');
        let building = rows.find((r) => r.state === 'building');
        const now = this.now();
        if (building && building.version !== handler.version) {
          this.registry.retire(name, building.generation, 'abandoned', now);
          building = undefined;
        }
        const next = rows.reduce((g, r) => Math.max(g, r.generation), 0) + 1;
        if (!active && !building) this.createGeneration(name, next, 'active');
        else if (active && active.version !== handler.version && !building) this.createGeneration(name, next, 'building');
        return true;
      })
      .immediate();
    if (outcome) this.dropObsolete(name);
    else this.markOutdated(name);
    return outcome;
  }

  private createGeneration(name: string, generation: number, state: 'active' | 'building'): GenerationInfo {
    const { handler } = this.registered(name);
    const now = this.now();
    handler.createSchema(this.db, generation);
    this.registry.insert({
      projection: name, generation, version: handler.version, state, group: consumerGroupOf(name, generation),
      createdAt: now, activatedAt: state === 'active' ? now : null,
    });
    return this.registry.get(name, generation)!;
  }

  /** Drops the tables of retired and abandoned generations that still have them. */
  private dropObsolete(name: string): void {
    const { handler } = this.registered(name);
    for (const row of this.registry.list(name)) {
      if ((row.state !== 'retired' && row.state !== 'abandoned') || row.droppedAt !== null) continue;
      this.db
        .transaction(() => {
          const current = this.registry.get(name, row.generation);
          if (!current || current.droppedAt !== null) return;
          handler.dropSchema(this.db, row.generation);
          this.registry.markDropped(name, row.generation, this.now());
        })
        .immediate();
    }
  }

  private markOutdated(name: string): void {
    const entry = this.registered(name);
    const newest = this.registry.list(name).reduce((v, r) => Math.max(v, r.version), 0);
    entry.lastError = {
      message: `handler version ${entry.handler.version} of "${name}" is older than version ${newest} recorded in this database: another process runs newer code, this one leaves the projection alone`,
      code: 'configuration_invalid',
      at: this.now(),
    };
  }

  /** Generations this runtime advances: the active one (unless frozen) and the building one. */
  private runnable(name: string): GenerationInfo[] {
    const { handler } = this.registered(name);
    const rows = this.registry.list(name);
    if (rows.some((r) => r.version > handler.version)) return [];
    return rows.filter((r) => (r.state === 'active' && r.version === handler.version) || (r.state === 'building' && r.version === handler.version));
  }

  /**
   * Activates the building generation of `name` if its lag is 0 (one transaction: the old
   * active generation is retired in the same commit), then drops the old tables.
   */
  private async trySwitch(name: string): Promise<GenerationSwitch | undefined> {
    const building = this.registry.list(name).find((r) => r.state === 'building');
    if (!building || building.version !== this.registered(name).handler.version) return undefined;
    const end = await this.log.end();
    if (lag(this.committedSync(building.group), end) > 0) return undefined;
    const switched = this.db
      .transaction((): GenerationSwitch | undefined => {
        const current = this.registry.get(name, building.generation);
        if (current?.state !== 'building') return undefined;
        if (lag(this.committedSync(building.group), end) > 0) return undefined;
        const active = this.registry.list(name).find((r) => r.state === 'active');
        const now = this.now();
        if (active) this.registry.retire(name, active.generation, 'retired', now);
        this.registry.activate(name, building.generation, now);
        return { projection: name, from: active?.generation, to: building.generation };
      })
      .immediate();
    if (switched) this.dropObsolete(name);
    return switched;
  }

  // ---------------------------------------------------------------- one batch

  /**
   * Processes one batch of one generation: read, filter, prepare (outside the transaction),
   * then apply + dead letters + checkpoint in one transaction.
   * @throws retriable errors (`UnavailableError`, SQLite busy/I/O) and configuration errors;
   *   nothing of the batch is committed then.
   */
  private async step(name: string, generation: GenerationInfo): Promise<StepResult> {
    const { handler } = this.registered(name);
    const from = this.committedSync(generation.group);
    const page = this.capped(handler, from, await this.log.readAll({ from, limit: this.batchSize }));
    if (page.events.length === 0) return { processed: 0, deadLettered: 0, capped: page.capped };
    const accepts = handler.accepts?.bind(handler);
    const accepted = accepts ? page.events.filter((e) => accepts(e)) : page.events;
    const context = { projection: name, generation: generation.generation };
    const failed: { event: StoredEvent; reason: string }[] = [];
    const segments = await this.prepare(handler, accepted, context, failed);

    const commit = this.db.transaction((): StepResult => {
      const state = this.registry.get(name, generation.generation)?.state;
      if ((state !== 'active' && state !== 'building') || !sameCheckpoint(this.committedSync(generation.group), from)) {
        return { processed: 0, deadLettered: 0 }; // another runtime committed this batch (or switched) meanwhile
      }
      let deadLettered = 0;
      for (const { event, reason } of failed) {
        this.deadLetter(name, generation.generation, event, reason);
        deadLettered += 1;
      }
      for (const segment of segments) deadLettered += this.applySegment(handler, generation.generation, segment);
      this.commitCheckpoint(generation.group, page.next);
      return { processed: page.events.length, deadLettered, capped: page.capped };
    });
    let result: StepResult;
    try {
      result = commit.immediate();
    } catch (error) {
      throw translate(error);
    }
    if (result.deadLettered > 0) this.onDeadLettered?.(name, result.deadLettered);
    if (result.processed > 0) this.onCommitted?.(name, page.events);
    return result;
  }

  /**
   * `page` without the events at or past the active checkpoint of any of the handler's
   * `upstream` projections, and its `next` moved back to match (per partition: the page holds
   * every offset from `from` to `next`, so the kept events are exactly those below the cap).
   */
  private capped(handler: SqliteProjectionHandler<unknown>, from: Checkpoint, page: ReadPage): ReadPage & { readonly capped: boolean } {
    const upstream = handler.upstream ?? [];
    if (upstream.length === 0 || page.events.length === 0) return { ...page, capped: false };
    const caps = upstream.map((name) => {
      const active = this.registry.list(name).find((r) => r.state === 'active');
      return active ? this.committedSync(active.group) : {};
    });
    const cap = (partition: number) => Math.min(...caps.map((c) => c[partition] ?? 0));
    const events = page.events.filter((e) => e.offset < cap(e.partition));
    if (events.length === page.events.length) return { ...page, capped: false };
    const next: Record<number, number> = { ...page.next };
    for (const key of Object.keys(next)) {
      const partition = Number(key);
      next[partition] = Math.max(from[partition] ?? 0, Math.min(next[partition]!, cap(partition)));
    }
    return { events, next, capped: true };
  }

  /** Runs `prepare` for the batch; on a non-retriable failure, per event (failures collected). */
  private async prepare(
    handler: SqliteProjectionHandler<unknown>,
    events: readonly StoredEvent[],
    context: { projection: string; generation: number },
    failed: { event: StoredEvent; reason: string }[],
  ): Promise<Segment[]> {
    if (events.length === 0) return [];
    if (!handler.prepare) return [{ events, prepared: undefined }];
    try {
      return [{ events, prepared: await handler.prepare(events, context) }];
    } catch (error) {
      if (isFatal(error)) throw translate(error);
      if (events.length === 1) {
        failed.push({ event: events[0]!, reason: deadLetterReason(error) });
        return [];
      }
    }
    const segments: Segment[] = [];
    for (const event of events) {
      try {
        segments.push({ events: [event], prepared: await handler.prepare([event], context) });
      } catch (error) {
        if (isFatal(error)) throw translate(error);
        failed.push({ event, reason: deadLetterReason(error) });
      }
    }
    return segments;
  }

  /**
   * Applies one segment inside a savepoint; when it throws a non-retriable error, applies its
   * events one by one, each in its own savepoint, dead-lettering those that still throw.
   * Runs inside the batch transaction. Returns the number of dead-lettered events.
   */
  private applySegment(handler: SqliteProjectionHandler<unknown>, generation: number, segment: Segment): number {
    const attempt = (events: readonly StoredEvent[]): { event: StoredEvent; reason: string }[] => {
      const rejected: { event: StoredEvent; reason: string }[] = [];
      const context: ApplyContext<Database.Database, unknown> = {
        store: this.db,
        projection: handler.name,
        generation,
        prepared: segment.prepared,
        reject: (event, reason) => rejected.push({ event, reason: String(reason).slice(0, MAX_DEAD_LETTER_REASON) }),
      };
      this.savepoint(() => {
        const result: unknown = handler.apply(events, context);
        if (isThenable(result)) {
          throw new ConfigurationError(`projection "${handler.name}": apply() returned a promise; it must be synchronous (do async work in prepare())`);
        }
      });
      return rejected;
    };
    const record = (rejected: { event: StoredEvent; reason: string }[]) => {
      for (const r of rejected) this.deadLetter(handler.name, generation, r.event, r.reason);
      return rejected.length;
    };
    try {
      return record(attempt(segment.events));
    } catch (error) {
      if (isFatal(error)) throw error;
      if (segment.events.length === 1) return record([{ event: segment.events[0]!, reason: deadLetterReason(error) }]);
    }
    let deadLettered = 0;
    for (const event of segment.events) {
      try {
        deadLettered += record(attempt([event]));
      } catch (error) {
        if (isFatal(error)) throw error;
        deadLettered += record([{ event, reason: deadLetterReason(error) }]);
      }
    }
    return deadLettered;
  }

  private deadLetter(projection: string, generation: number, event: StoredEvent, reason: string): void {
    this.stmts.deadLetter.run(projection, generation, event.id, event.type, event.partition, event.offset, reason.slice(0, MAX_DEAD_LETTER_REASON), this.now());
  }

  // ---------------------------------------------------------------- running

  /**
   * Processes the selected projections until every runnable generation has lag 0 and every
   * building generation that caught up has been switched in. Serialised with the continuous
   * loop (one batch at a time per runtime).
   * @param onProgress - called after each committed batch with processed / total events.
   * @throws UnavailableError (retriable) or the handler's retriable error: committed batches
   *   stay committed, the next call resumes from the checkpoints.
   * @throws ConfigurationError when this runtime's handler is older than the version recorded
   *   for a selected projection, or an `apply` returned a promise.
   * @throws NotFoundError for an unknown projection in `options.projections`.
   */
  runUntilCaughtUp(onProgress?: ProgressCallback, options: RunOptions = {}): Promise<RunReport> {
    const names = options.projections ?? this.names;
    for (const name of names) this.registered(name);
    return this.exclusive(async () => {
      await this.ready();
      const started = performance.now();
      const switched: GenerationSwitch[] = [];
      let processed = 0;
      let deadLettered = 0;
      for (const name of names) {
        if (!this.reconcile(name)) throw new ConfigurationError(this.registered(name).lastError!.message);
      }
      for (;;) {
        const end = await this.log.end();
        const work = names.flatMap((name) => this.runnable(name).map((generation) => ({ name, generation })));
        const remaining = () => work.reduce((n, w) => n + lag(this.committedSync(w.generation.group), end), 0);
        let total = processed + remaining();
        let didWork = false;
        let pendingSwitch = false;
        for (const name of names) {
          for (const { generation } of work.filter((w) => w.name === name)) {
            while (lag(this.committedSync(generation.group), end) > 0) {
              const before = this.committedSync(generation.group);
              const result = await this.stepRecorded(name, generation);
              if (result.processed === 0) {
                // Lost a race with another runtime on this file: go on from its checkpoint,
                // unless it switched the generation out or nothing is left to read.
                const state = this.registry.get(name, generation.generation)?.state;
                if ((state !== 'active' && state !== 'building') || sameCheckpoint(before, this.committedSync(generation.group))) break;
                continue;
              }
              didWork = true;
              processed += result.processed;
              deadLettered += result.deadLettered;
              total = Math.max(total, processed + remaining());
              onProgress?.({ projection: name, generation: generation.generation, processed, total });
            }
          }
          if (this.registry.list(name).some((r) => r.state === 'building')) {
            const done = await this.trySwitch(name);
            if (done) switched.push(done);
            else pendingSwitch = true;
          }
        }
        if (!didWork && !pendingSwitch) break;
      }
      return { processed, deadLettered, switched, durationMs: Math.round(performance.now() - started) };
    });
  }

  /** {@link step} that records the last error of the projection (and clears it on success). */
  private async stepRecorded(name: string, generation: GenerationInfo): Promise<StepResult> {
    const entry = this.registered(name);
    try {
      const result = await this.step(name, generation);
      if (result.processed > 0) {
        entry.lastError = undefined;
        entry.backoffMs = this.retryInitialMs;
      }
      return result;
    } catch (error) {
      entry.lastError = {
        message: error instanceof Error ? error.message : String(error),
        ...(MemfabricError.is(error) ? { code: error.code } : {}),
        at: this.now(),
      };
      this.onError?.(error, name);
      throw error;
    }
  }

  /**
   * Starts the continuous loop: each round runs every projection as a concurrent lane that
   * processes one batch of each runnable generation (see `round`), switches in building generations that caught up, and sleeps
   * `pollIntervalMs` when there was nothing to do (or until {@link notify}). A handler's
   * `upstream` caps what it is handed at the upstream's checkpoint. A failing projection is retried with
   * exponential backoff (`retryInitialMs` doubling to `retryMaxMs`) without holding up the
   * others; its `lastError` shows in {@link status}. Idempotent.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops the continuous loop after the batch in flight; resolves when it has stopped. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
  }

  /** Wakes the continuous loop now (call after an append in the same process to skip the poll delay). */
  notify(): void {
    this.wake?.();
    this.nudge?.();
  }

  private async loop(): Promise<void> {
    const rebuildChecked = new Set<string>();
    while (this.running) {
      let didWork = false;
      await this.exclusive(async () => {
        try {
          await this.ready();
        } catch (error) {
          for (const name of this.projections.keys()) this.onError?.(error, name);
          return;
        }
        didWork = await this.round(rebuildChecked);
      });
      if (!didWork && this.running) await this.idle();
      else await new Promise((resolve) => setImmediate(resolve)); // timers and I/O between rounds
    }
  }

  /**
   * One round of the continuous loop: every projection is a lane of its own, and the lanes run
   * concurrently, one batch each (of each runnable generation). A lane whose `prepare` waits (a
   * batch being embedded in worker threads) therefore overlaps the other lanes' batches instead
   * of delaying them, and the round takes as long as its slowest lane, not their sum. A lane
   * whose read stopped at an upstream projection's checkpoint waits for that lane's commit in
   * the same round (or for `pollIntervalMs`) and reads again. Commits stay one at a time (each
   * is one synchronous transaction); each lane yields to timers and I/O between its steps.
   *
   * One batch per lane per round is deliberate: the CPU-bound lanes (extraction, graph) run on
   * the thread that serves requests, and letting them step again while a slow lane embeds was
   * measured to cost recall latency under ingest ten times what it gained in freshness
   * (docs/benchmarks.md, "Serving while ingesting").
   * @returns whether any batch was committed or any generation switched.
   */
  private async round(rebuildChecked: Set<string>): Promise<boolean> {
    const lanes = [...this.projections].filter(([, entry]) => Date.now() >= entry.retryAt);
    const active = new Set(lanes.map(([name]) => name));
    let didWork = false;
    // lanes waiting for progress (a commit or a lane's end), or for the poll interval
    let waiting: (() => void)[] = [];
    const progressed = () => {
      const wake = waiting;
      waiting = [];
      for (const resolve of wake) resolve();
    };
    const nextProgress = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollIntervalMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        waiting.push(done);
      });
    const lane = async (name: string, entry: Registered): Promise<void> => {
      try {
        if (!rebuildChecked.has(name)) {
          if (!this.reconcile(name)) return;
          rebuildChecked.add(name);
        } else {
          this.dropObsolete(name); // left behind by a failed drop after a switch
        }
        const upstream = entry.handler.upstream ?? [];
        while (this.running) {
          let processed = 0;
          let capped = false;
          for (const generation of this.runnable(name)) {
            const result = await this.stepRecorded(name, generation);
            processed += result.processed;
            capped ||= result.capped === true;
          }
          if (this.registry.list(name).some((r) => r.state === 'building') && (await this.trySwitch(name))) processed += 1;
          if (processed > 0) {
            didWork = true;
            progressed();
          }
          // capped while its upstream still steps in this round: wait for that commit, read again
          if (processed > 0 || !capped || !upstream.some((u) => active.has(u))) break;
          await nextProgress();
        }
      } catch {
        entry.retryAt = Date.now() + entry.backoffMs;
        entry.backoffMs = Math.min(entry.backoffMs * 2, this.retryMaxMs);
      } finally {
        active.delete(name);
        progressed();
      }
    };
    this.nudge = progressed;
    try {
      await Promise.all(lanes.map(([name, entry]) => lane(name, entry)));
    } finally {
      this.nudge = undefined;
    }
    return didWork;
  }

  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, this.pollIntervalMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Runs `fn` after every earlier exclusive call settled (one batch writer per runtime). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- rebuild and queries

  /**
   * Registers a new building generation of `projection` (generation = highest so far + 1, its
   * tables created empty), or returns the building generation already under way. The
   * continuous loop or the next {@link runUntilCaughtUp} builds it from offset 0 and switches.
   * @throws NotFoundError for an unregistered projection.
   * @throws ConfigurationError when this runtime's handler is older than the recorded version.
   */
  async requestRebuild(projection: string): Promise<GenerationInfo> {
    this.registered(projection);
    await this.ready();
    try {
      if (!this.reconcile(projection)) throw new ConfigurationError(this.registered(projection).lastError!.message);
      const info = this.db
        .transaction(() => {
          const rows = this.registry.list(projection);
          const building = rows.find((r) => r.state === 'building');
          if (building) return building;
          return this.createGeneration(projection, rows.reduce((g, r) => Math.max(g, r.generation), 0) + 1, 'building');
        })
        .immediate();
      this.notify();
      return info;
    } catch (error) {
      throw translate(error);
    }
  }

  /**
   * Rebuilds `projection` into a new generation and returns once it serves reads (the report
   * lists the switch). Other projections are not processed.
   * @throws as {@link requestRebuild} and {@link runUntilCaughtUp}.
   */
  async rebuild(projection: string, onProgress?: ProgressCallback): Promise<RunReport> {
    await this.requestRebuild(projection);
    return this.runUntilCaughtUp(onProgress, { projections: [projection] });
  }

  /**
   * Status of every registered projection: active generation, its checkpoint, lag and dead
   * letters, the building generation's progress during a rebuild, and the last error.
   */
  async status(): Promise<ProjectionStatus[]> {
    await this.ready();
    const end = await this.log.end();
    return this.names.map((name) => this.statusOf(name, end));
  }

  private statusOf(name: string, end: Checkpoint): ProjectionStatus {
    const { handler, lastError } = this.registered(name);
    const rows = this.registry.list(name);
    const active = rows.find((r) => r.state === 'active');
    const building = rows.find((r) => r.state === 'building');
    const checkpoint = active ? this.committedSync(active.group) : {};
    const progress = (g: GenerationInfo) => {
      const cp = this.committedSync(g.group);
      return { generation: g.generation, version: g.version, group: g.group, checkpoint: cp, lag: lag(cp, end), deadLetters: this.deadLetterCount(name, g.generation) };
    };
    return {
      name,
      kind: handler.kind,
      version: handler.version,
      ...(handler.description !== undefined ? { description: handler.description } : {}),
      activeGeneration: active?.generation,
      checkpoint,
      lag: lag(checkpoint, end),
      deadLetters: active ? this.deadLetterCount(name, active.generation) : 0,
      frozen: active !== undefined && active.version !== handler.version,
      ...(building ? { building: progress(building) } : {}),
      end,
      ...(lastError ? { lastError } : {}),
    };
  }

  /** Registry rows of `projection`, oldest first (also those of unregistered projections). */
  generations(projection: string): Promise<GenerationInfo[]> {
    return Promise.resolve(this.registry.list(projection));
  }

  /**
   * The generation of `projection` reads are served from, or `undefined` before its first run.
   */
  activeGeneration(projection: string): number | undefined {
    return this.registry.list(projection).find((r) => r.state === 'active')?.generation;
  }

  /**
   * Dead-lettered events of `projection` (default: its active generation), by offset.
   * @throws NotFoundError for an unregistered projection.
   */
  deadLetters(projection: string, query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    try {
      this.registered(projection);
      const generation = query.generation ?? this.activeGeneration(projection);
      if (generation === undefined) return Promise.resolve([]);
      const rows = this.stmts.deadLetters.all(projection, generation, query.afterOffset ?? -1, query.limit ?? 100);
      return Promise.resolve(
        rows.map((r) => ({
          projection: r.projection, generation: r.generation, eventId: r.eventid, eventType: r.eventtype,
          partition: r.partition, offset: r.offset, reason: r.reason, recordedAt: r.recordedat,
        })),
      );
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  /**
   * True when the active generation of `projection` has processed every event before
   * `checkpoint` (for each partition, committed next offset >= the token's).
   * @throws NotFoundError for an unregistered projection.
   */
  async reached(projection: string, checkpoint: Checkpoint): Promise<boolean> {
    this.registered(projection);
    await this.ready();
    try {
      const active = this.registry.list(projection).find((r) => r.state === 'active');
      if (!active) return false;
      const committed = this.committedSync(active.group);
      return Object.entries(checkpoint).every(([p, next]) => (committed[Number(p)] ?? 0) >= next);
    } catch (error) {
      throw translate(error);
    }
  }

  // ---------------------------------------------------------------- helpers

  private registered(name: string): Registered {
    const entry = this.projections.get(name);
    if (!entry) throw new NotFoundError(`no projection "${name}" is registered (registered: ${this.names.join(', ') || 'none'})`);
    return entry;
  }

  private committedSync(group: string): Checkpoint {
    const checkpoint: Record<number, number> = {};
    for (const row of this.stmts.committed.all(group)) checkpoint[row.partition] = row.next_offset;
    return checkpoint;
  }

  private deadLetterCount(projection: string, generation: number): number {
    return this.stmts.deadLetterCount.get(projection, generation)!.n;
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

function validate(options: SqliteProjectionRuntimeOptions): string[] {
  const problems: string[] = [];
  if (typeof options.log?.readAll !== 'function' || typeof options.log.end !== 'function' || typeof options.log.committed !== 'function') {
    problems.push('log must be an EventLog (for example SqliteEventLog.open(...))');
  }
  if (typeof options.db?.transaction !== 'function' || options.db.open !== true) problems.push('db must be an open better-sqlite3 Database (embedded: the log\'s SqliteEventLog.db)');
  const earlier = new Set<string>();
  const handlers: readonly (Partial<SqliteProjectionHandler<unknown>> | undefined)[] = Array.isArray(options.handlers) ? options.handlers : [];
  for (const handler of handlers) {
    for (const up of handler?.upstream ?? []) {
      if (!earlier.has(up)) problems.push(`projection "${String(handler?.name)}": upstream "${up}" must be registered before it in the same runtime`);
    }
    if (typeof handler?.name === 'string') earlier.add(handler.name);
  }
  return [...problems, ...runtimeOptionProblems(options, ['createSchema', 'dropSchema', 'apply'])];
}

function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  const partitions = new Set([...Object.keys(a), ...Object.keys(b)].map(Number));
  for (const p of partitions) if ((a[p] ?? 0) !== (b[p] ?? 0)) return false;
  return true;
}

const TRANSIENT_SQLITE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|NOMEM|READONLY|CANTOPEN|PROTOCOL|INTERRUPT|CORRUPT)/;

/**
 * Errors that must not dead-letter an event because they are not about the event: retriable
 * ones (a dependency is down, the disk is full, the database is locked) and configuration
 * errors (the handler itself is wrong).
 */
function isFatal(error: unknown): boolean {
  if (MemfabricError.is(error) || isBatchFailure(error)) return isBatchFailure(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_SQLITE.test(code);
}

/** SQLite failures become retriable `UnavailableError`s; memfabric errors pass through. */
function translate(error: unknown): Error {
  if (MemfabricError.is(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_SQLITE.test(code)) {
    return new UnavailableError(`projection write failed: ${(error as Error).message}`, { cause: error, context: { sqlite: code } });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
