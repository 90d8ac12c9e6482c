import { RUNTIME_DEFAULTS, runtimeOptionProblems } from './runtime-options.js';
import { ConfigurationError, MemfabricError, NotFoundError } from '@memfabric/errors';
import { lag, type Checkpoint, type EventLog, type Subscription } from '@memfabric/event-log';
import type { StoredEvent } from '@memfabric/events';
import { InMemoryDeadLetterStore, type DeadLetterStore } from './dead-letter-store.js';
import { deadLetterReason, isBatchFailure, MAX_DEAD_LETTER_REASON } from './failures.js';
import { InMemoryGenerationStore, type GenerationStore } from './generation-store.js';
import type { AsyncApplyContext, AsyncProjectionHandler, ProjectionKind } from './handler.js';
import { consumerGroupOf } from './naming.js';
import type {
  DeadLetter,
  DeadLetterQuery,
  GenerationInfo,
  GenerationSwitch,
  ProgressCallback,
  ProjectionRuntime,
  ProjectionStatus,
  RunReport,
} from './runtime.js';

/** One batch whose writes the store acknowledged, reported before its checkpoint is committed. */
export interface AppliedBatch {
  readonly projection: string;
  readonly generation: number;
  /** The consumer group that will commit the batch once the hook returns. */
  readonly group: string;
  /** Every event delivered in the batch (also those `accepts` skipped), in log order. */
  readonly events: readonly StoredEvent[];
  /** Events of the batch dead-lettered. */
  readonly deadLettered: number;
}

/** Options of {@link AsyncProjectionRuntime.open}. */
export interface AsyncProjectionRuntimeOptions {
  /** The event log; each generation runs as one of its consumer groups (`subscribe` / `committed`). */
  readonly log: EventLog;
  /** The projections to run, in run order; names must be unique. */
  readonly handlers: readonly AsyncProjectionHandler<unknown>[];
  /** Where dead letters go; default an {@link InMemoryDeadLetterStore}. */
  readonly deadLetters?: DeadLetterStore;
  /** The generation registry; default an {@link InMemoryGenerationStore}. */
  readonly generations?: GenerationStore;
  /** Most events per batch (the subscription's `maxBatch`); default 500, 1-10 000. */
  readonly batchSize?: number;
  /** How often a caught-up check reads the consumer groups' committed checkpoints, and the continuous loop its registry, in ms; default 50. */
  readonly pollIntervalMs?: number;
  /** First delay before restarting a failed consumer group, in ms; default 100 (doubles up to `retryMaxMs`). */
  readonly retryInitialMs?: number;
  /** Longest delay between restarts of a failing consumer group, in ms; default 5 000. */
  readonly retryMaxMs?: number;
  /** Told about every failure of a batch (for logs and metrics); must not throw. */
  readonly onError?: (error: unknown, projection: string) => void;
  /**
   * Called after the store acknowledged a batch's writes and its dead letters were recorded,
   * before the consumer group commits it (metrics; fault injection in crash tests). An error it
   * throws fails the batch like a retriable one: nothing is committed and the batch is
   * delivered again.
   */
  readonly onApplied?: (batch: AppliedBatch) => void | Promise<void>;
  /** Clock of registry and dead-letter times; default `() => new Date()`. */
  readonly clock?: () => Date;
}

/** Options of {@link AsyncProjectionRuntime.runUntilCaughtUp}. */
export interface AsyncRunOptions {
  /** Only these projections; default all registered. */
  readonly projections?: readonly string[];
}

interface Registered {
  readonly handler: AsyncProjectionHandler<unknown>;
  lastError?: { message: string; code?: string; at: string };
  /** Registry aligned with the handler since open (or the last failed attempt). */
  reconciled: boolean;
  /** Do not restart a failed consumer group before this time (ms since epoch). */
  retryAt: number;
  backoffMs: number;
}

/** One generation's consumer-group subscription. */
interface Runner {
  readonly projection: string;
  readonly generation: number;
  readonly group: string;
  subscription: Subscription | undefined;
  /** True once the subscription closed (stopped, or failed: see `failure`). */
  closed: boolean;
  failure: Error | undefined;
  /** Batches and dead letters this runner handled (counters for reports). */
  batches: number;
  deadLettered: number;
}

interface Segment {
  readonly events: readonly StoredEvent[];
  readonly prepared: unknown;
}

/** What one `runUntilCaughtUp` call tracks per consumer group. */
interface RunState {
  /** Committed checkpoint when the call first saw the group. */
  readonly from: Map<string, Checkpoint>;
  /** Events the group committed since then. */
  readonly progressed: Map<string, number>;
  /** The runner's dead-letter counter when the call first started waiting on it. */
  readonly deadLettersBefore: Map<string, number>;
}

function sum(values: Map<string, number>): number {
  let total = 0;
  for (const v of values.values()) total += v;
  return total;
}

const DEFAULTS = RUNTIME_DEFAULTS;

/**
 * The projection runtime for stores outside the log's database (Qdrant, Neo4j, ClickHouse, a
 * file): runs {@link AsyncProjectionHandler}s over the `EventLog` port, each generation of each
 * projection as the log's consumer group `projection:<name>:g<generation>`.
 *
 * At-least-once delivery, exactly-once effect: a batch is delivered by `log.subscribe`, filtered,
 * prepared and applied (the handler resolves once the store acknowledged its writes), its dead
 * letters are recorded, and only then does the handler passed to `subscribe` resolve, so the
 * log commits the group's checkpoint after the store has the writes. A crash between the
 * acknowledgement and the commit delivers the batch again; the handler's writes are idempotent
 * (keyed on event id and log position), so the second delivery has no second effect. The
 * runtime itself keeps no checkpoint: `status`, `reached` and the lags read
 * `log.committed(group)` against `log.end()`.
 *
 * Failures (same rules as the embedded runtime): a retriable or configuration error fails the
 * batch: it is not committed, the subscription closes, `runUntilCaughtUp` rethrows and the
 * continuous loop restarts the group after a backoff. Any other error isolates the events: the
 * batch is applied again one event at a time and the events that still fail are dead-lettered
 * through the {@link DeadLetterStore} port, so a poison event never stalls the projection.
 *
 * Generations: as simple as the port needs. The {@link GenerationStore} port (in memory by
 * default) names the active generation; a rebuild creates a building generation (its own
 * consumer group, from offset 0, `createSchema` first) and the runtime switches once its lag is
 * 0, then stops the old group and calls `dropSchema` for it. A handler version that differs
 * from the active generation's starts such a rebuild on open and the active generation is
 * frozen (served, not advanced) until the switch.
 */
export class AsyncProjectionRuntime implements ProjectionRuntime {
  private readonly log: EventLog;
  private readonly store: DeadLetterStore;
  private readonly registry: GenerationStore;
  private readonly projections = new Map<string, Registered>();
  private readonly runners = new Map<string, Runner>();
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly onError: ((error: unknown, projection: string) => void) | undefined;
  private readonly onApplied: ((batch: AppliedBatch) => void | Promise<void>) | undefined;
  private readonly clock: () => Date;
  private queue: Promise<unknown> = Promise.resolve();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeLoop: (() => void) | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(options: AsyncProjectionRuntimeOptions) {
    this.log = options.log;
    this.store = options.deadLetters ?? new InMemoryDeadLetterStore();
    this.registry = options.generations ?? new InMemoryGenerationStore();
    this.batchSize = options.batchSize ?? DEFAULTS.batchSize;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    this.retryInitialMs = options.retryInitialMs ?? DEFAULTS.retryInitialMs;
    this.retryMaxMs = options.retryMaxMs ?? DEFAULTS.retryMaxMs;
    this.onError = options.onError;
    this.onApplied = options.onApplied;
    this.clock = options.clock ?? (() => new Date());
    for (const handler of options.handlers) {
      this.projections.set(handler.name, { handler, reconciled: false, retryAt: 0, backoffMs: this.retryInitialMs });
    }
  }

  /**
   * Validates the options and brings each projection's generations in line with its handler
   * (first generation with `createSchema`, version-bump rebuild, drop of switched-out
   * generations). Processing starts with {@link runUntilCaughtUp} or {@link start}.
   * @throws ConfigurationError listing every invalid option (missing log, duplicate or invalid
   *   names, versions, kinds, batch size, intervals).
   * @throws what the generation store or a `createSchema` throws (e.g. a retriable
   *   `UnavailableError` when the store is down).
   */
  static async open(options: AsyncProjectionRuntimeOptions): Promise<AsyncProjectionRuntime> {
    const problems = validate(options);
    if (problems.length > 0) throw new ConfigurationError(`invalid projection runtime options: ${problems.join('; ')}`);
    const runtime = new AsyncProjectionRuntime(options);
    for (const name of runtime.names) await runtime.reconcile(name);
    return runtime;
  }

  /** Names of the registered projections, in registration order. */
  get names(): readonly string[] {
    return [...this.projections.keys()];
  }

  /**
   * The declared kind of a registered projection.
   * @throws NotFoundError for an unregistered projection.
   */
  kindOf(projection: string): ProjectionKind {
    return this.registered(projection).handler.kind;
  }

  // ---------------------------------------------------------------- generations

  /**
   * Aligns the registry with the handler (see the class comment). Returns false when the
   * handler is older than a version already recorded: this runtime must not touch the
   * projection.
   */
  private async reconcile(name: string): Promise<boolean> {
    const entry = this.registered(name);
    const { handler } = entry;
    const rows = await this.registry.list(name);
    const newest = rows.reduce((v, r) => Math.max(v, r.version), 0);
    if (handler.version < newest) {
      entry.lastError = {
        message: `handler version ${handler.version} of "${name}" is older than version ${newest} recorded in the generation registry: another process runs newer code, this one leaves the projection alone`,
        code: 'configuration_invalid',
        at: this.now(),
      };
      return false;
    }
    const active = rows.find((r) => r.state === 'active');
    let building = rows.find((r) => r.state === 'building');
    if (building && building.version !== handler.version) {
      await this.stopRunner(building.group);
      await this.registry.abandon(name, building.generation, this.now());
      building = undefined;
    }
    const next = rows.reduce((g, r) => Math.max(g, r.generation), 0) + 1;
    if (!active && !building) await this.createGeneration(name, next, 'active');
    else if (active && active.version !== handler.version && !building) await this.createGeneration(name, next, 'building');
    await this.dropObsolete(name);
    entry.reconciled = true;
    return true;
  }

  private async createGeneration(name: string, generation: number, state: 'active' | 'building'): Promise<GenerationInfo> {
    const { handler } = this.registered(name);
    await handler.createSchema?.(generation);
    return this.registry.create({ projection: name, generation, version: handler.version, state, group: consumerGroupOf(name, generation), createdAt: this.now() });
  }

  /** Stops the groups of retired and abandoned generations and drops their data once. */
  private async dropObsolete(name: string): Promise<void> {
    const { handler } = this.registered(name);
    for (const row of await this.registry.list(name)) {
      if ((row.state !== 'retired' && row.state !== 'abandoned') || row.droppedAt !== null) continue;
      await this.stopRunner(row.group);
      await handler.dropSchema?.(row.generation);
      await this.registry.markDropped(name, row.generation, this.now());
    }
  }

  /** Generations this runtime advances: the active one (unless frozen) and the building one, of its handler's version. */
  private async runnable(name: string): Promise<GenerationInfo[]> {
    const { handler } = this.registered(name);
    const rows = await this.registry.list(name);
    if (rows.some((r) => r.version > handler.version)) return [];
    return rows.filter((r) => (r.state === 'active' || r.state === 'building') && r.version === handler.version);
  }

  /** Activates the building generation of `name` once its committed lag is 0, then retires and drops the old one. */
  private async trySwitch(name: string): Promise<GenerationSwitch | undefined> {
    const rows = await this.registry.list(name);
    const building = rows.find((r) => r.state === 'building');
    if (!building || building.version !== this.registered(name).handler.version) return undefined;
    if (lag(await this.log.committed(building.group), await this.log.end()) > 0) return undefined;
    const active = rows.find((r) => r.state === 'active');
    if (!(await this.registry.activate(name, building.generation, this.now()))) return undefined;
    await this.dropObsolete(name);
    return { projection: name, from: active?.generation, to: building.generation };
  }

  // ---------------------------------------------------------------- consumer groups

  /** The running subscription of a generation, (re)started when it is not running. */
  private ensureRunning(name: string, generation: GenerationInfo): Runner {
    let runner = this.runners.get(generation.group);
    if (runner && !runner.closed) return runner;
    if (!runner) {
      runner = { projection: name, generation: generation.generation, group: generation.group, subscription: undefined, closed: true, failure: undefined, batches: 0, deadLettered: 0 };
      this.runners.set(generation.group, runner);
    }
    const r = runner;
    r.closed = false;
    r.failure = undefined;
    try {
      const subscription = this.log.subscribe(generation.group, (events) => this.deliver(name, r, events), {
        maxBatch: this.batchSize,
        onError: (error) => this.fail(name, r, error),
      });
      r.subscription = subscription;
      void subscription.closed.then(() => {
        if (r.subscription !== subscription) return;
        r.closed = true;
        this.notifyWaiters();
      });
    } catch (error) {
      this.fail(name, r, error);
      r.closed = true;
    }
    return r;
  }

  private fail(name: string, runner: Runner, error: unknown): void {
    runner.failure = error instanceof Error ? error : new Error(String(error));
    const entry = this.registered(name);
    entry.lastError = {
      message: error instanceof Error ? error.message : String(error),
      ...(MemfabricError.is(error) ? { code: error.code } : {}),
      at: this.now(),
    };
    entry.retryAt = Date.now() + entry.backoffMs;
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.retryMaxMs);
    this.onError?.(error, name);
    this.notifyWaiters();
  }

  private async stopRunner(group: string): Promise<void> {
    const runner = this.runners.get(group);
    if (!runner) return;
    this.runners.delete(group);
    await runner.subscription?.stop();
    runner.closed = true;
  }

  /**
   * The batch handler given to `log.subscribe`: filter, prepare, apply (isolating failing
   * events), record dead letters, tell `onApplied`; resolving lets the log commit.
   * @throws retriable and configuration errors (the batch is not committed).
   */
  private async deliver(name: string, runner: Runner, events: readonly StoredEvent[]): Promise<void> {
    const entry = this.registered(name);
    const { handler } = entry;
    const accepts = handler.accepts?.bind(handler);
    const accepted = accepts ? events.filter((e) => accepts(e)) : events;
    const context = { projection: name, generation: runner.generation };
    const letters: DeadLetter[] = [];
    const segments = await this.prepare(handler, accepted, context, letters);
    for (const segment of segments) letters.push(...(await this.applySegment(handler, runner, segment)));
    if (letters.length > 0) await this.store.record(letters);
    await this.onApplied?.({ projection: name, generation: runner.generation, group: runner.group, events, deadLettered: letters.length });
    runner.batches += 1;
    runner.deadLettered += letters.length;
    entry.lastError = undefined;
    entry.backoffMs = this.retryInitialMs;
    this.notifyWaiters();
  }

  /** Runs `prepare` for the batch; on a non-retriable failure, per event (failures dead-lettered). */
  private async prepare(
    handler: AsyncProjectionHandler<unknown>,
    events: readonly StoredEvent[],
    context: { projection: string; generation: number },
    letters: DeadLetter[],
  ): Promise<Segment[]> {
    if (events.length === 0) return [];
    if (!handler.prepare) return [{ events, prepared: undefined }];
    try {
      return [{ events, prepared: await handler.prepare(events, context) }];
    } catch (error) {
      if (isBatchFailure(error)) throw error;
      if (events.length === 1) {
        letters.push(this.letter(context.projection, context.generation, events[0]!, deadLetterReason(error)));
        return [];
      }
    }
    const segments: Segment[] = [];
    for (const event of events) {
      try {
        segments.push({ events: [event], prepared: await handler.prepare([event], context) });
      } catch (error) {
        if (isBatchFailure(error)) throw error;
        letters.push(this.letter(context.projection, context.generation, event, deadLetterReason(error)));
      }
    }
    return segments;
  }

  /**
   * Applies one segment; when it throws a non-retriable error, applies its events one by one
   * (the writes are idempotent, so what the failed attempt wrote is written again harmlessly)
   * and dead-letters those that still throw.
   */
  private async applySegment(handler: AsyncProjectionHandler<unknown>, runner: Runner, segment: Segment): Promise<DeadLetter[]> {
    const attempt = async (events: readonly StoredEvent[]): Promise<DeadLetter[]> => {
      const rejected: DeadLetter[] = [];
      const context: AsyncApplyContext<unknown> = {
        projection: handler.name,
        generation: runner.generation,
        group: runner.group,
        prepared: segment.prepared,
        reject: (event, reason) => rejected.push(this.letter(handler.name, runner.generation, event, String(reason))),
      };
      await handler.apply(events, context);
      return rejected;
    };
    try {
      return await attempt(segment.events);
    } catch (error) {
      if (isBatchFailure(error)) throw error;
      if (segment.events.length === 1) return [this.letter(handler.name, runner.generation, segment.events[0]!, deadLetterReason(error))];
    }
    const letters: DeadLetter[] = [];
    for (const event of segment.events) {
      try {
        letters.push(...(await attempt([event])));
      } catch (error) {
        if (isBatchFailure(error)) throw error;
        letters.push(this.letter(handler.name, runner.generation, event, deadLetterReason(error)));
      }
    }
    return letters;
  }

  private letter(projection: string, generation: number, event: StoredEvent, reason: string): DeadLetter {
    return {
      projection, generation, eventId: event.id, eventType: event.type, partition: event.partition, offset: event.offset,
      reason: reason.slice(0, MAX_DEAD_LETTER_REASON), recordedAt: this.now(),
    };
  }

  // ---------------------------------------------------------------- running

  /**
   * Runs the selected projections until every runnable generation's committed checkpoint has
   * lag 0 against the log end and every building generation that caught up has been switched
   * in. Consumer groups this call started are stopped at its end unless the continuous loop
   * runs. Serialised with other calls.
   * @param onProgress - called whenever a group's committed checkpoint moved (read every
   *   `pollIntervalMs`), with events processed so far and the total to the log end.
   * @throws the first batch failure (a retriable error such as `UnavailableError`, or a
   *   configuration error); committed batches stay committed, the next call resumes.
   * @throws ConfigurationError when this runtime's handler is older than the recorded version.
   * @throws NotFoundError for an unknown projection in `options.projections`.
   */
  async runUntilCaughtUp(onProgress?: ProgressCallback, options: AsyncRunOptions = {}): Promise<RunReport> {
    const names = options.projections ?? this.names;
    for (const name of names) this.registered(name);
    return this.exclusive(async () => {
      const started = performance.now();
      const switched: GenerationSwitch[] = [];
      const startedHere = new Set<string>();
      const run: RunState = { from: new Map(), progressed: new Map(), deadLettersBefore: new Map() };
      try {
        for (const name of names) {
          if (!(await this.reconcile(name))) throw new ConfigurationError(this.registered(name).lastError!.message);
        }
        for (;;) {
          const end = await this.log.end();
          let didWork = false;
          let pendingSwitch = false;
          for (const name of names) {
            for (const generation of await this.runnable(name)) {
              const before = await this.log.committed(generation.group);
              if (!run.from.has(generation.group)) run.from.set(generation.group, before);
              if (lag(before, end) === 0) continue;
              didWork = true;
              const existing = this.runners.get(generation.group);
              if (!existing || existing.closed) startedHere.add(generation.group);
              const runner = this.ensureRunning(name, generation);
              if (!run.deadLettersBefore.has(generation.group)) run.deadLettersBefore.set(generation.group, runner.deadLettered);
              await this.waitCaughtUp(name, runner, end, run, onProgress);
            }
            if ((await this.registry.list(name)).some((r) => r.state === 'building')) {
              const done = await this.trySwitch(name);
              if (done) switched.push(done);
              else pendingSwitch = true;
            }
          }
          if (!didWork && !pendingSwitch) break;
        }
        let deadLettered = 0;
        for (const [group, before] of run.deadLettersBefore) deadLettered += (this.runners.get(group)?.deadLettered ?? before) - before;
        return { processed: sum(run.progressed), deadLettered, switched, durationMs: Math.round(performance.now() - started) };
      } finally {
        if (!this.running) for (const group of startedHere) await this.stopRunner(group);
      }
    });
  }

  /**
   * Waits until `runner`'s committed checkpoint reaches `end`, reporting progress whenever it
   * moved. A subscription that closed without a failure (stopped by another caller) is
   * restarted while its generation is still runnable.
   * @throws the runner's failure when its subscription closed on one.
   */
  private async waitCaughtUp(name: string, runner: Runner, end: Checkpoint, run: RunState, onProgress: ProgressCallback | undefined): Promise<void> {
    const start = run.from.get(runner.group) ?? {};
    let current = runner;
    for (;;) {
      const committed = await this.log.committed(current.group);
      const mine = lag(start, committed);
      if (mine !== (run.progressed.get(current.group) ?? 0)) {
        run.progressed.set(current.group, mine);
        const processed = sum(run.progressed);
        onProgress?.({ projection: name, generation: current.generation, processed, total: processed + lag(committed, end) });
      }
      if (lag(committed, end) === 0) return;
      if (current.closed) {
        if (current.failure !== undefined) throw current.failure;
        const generation = (await this.runnable(name)).find((g) => g.group === current.group);
        if (!generation) return; // switched out meanwhile
        current = this.ensureRunning(name, generation);
      }
      await this.idle();
    }
  }

  /**
   * Starts continuous processing: every runnable generation's consumer group is kept
   * subscribed (a failed one is restarted after an exponential backoff from `retryInitialMs`
   * to `retryMaxMs`, its `lastError` shown in {@link status}), and building generations that
   * caught up are switched in. Idempotent.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops continuous processing and every consumer group after its batch in flight; resolves when stopped. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeLoop?.();
    await this.loopDone;
    this.loopDone = undefined;
    await this.exclusive(async () => {
      for (const group of [...this.runners.keys()]) await this.stopRunner(group);
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      for (const [name, entry] of this.projections) {
        if (!this.running) break;
        try {
          if (!entry.reconciled && !(await this.reconcile(name))) continue;
          for (const generation of await this.runnable(name)) {
            const runner = this.runners.get(generation.group);
            if (runner && !runner.closed) continue;
            if (runner?.failure !== undefined && Date.now() < entry.retryAt) continue;
            if (this.running) this.ensureRunning(name, generation);
          }
          if ((await this.registry.list(name)).some((r) => r.state === 'building')) await this.trySwitch(name);
        } catch (error) {
          entry.reconciled = false;
          entry.lastError = { message: error instanceof Error ? error.message : String(error), ...(MemfabricError.is(error) ? { code: error.code } : {}), at: this.now() };
          this.onError?.(error, name);
        }
      }
      if (this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, this.pollIntervalMs);
          function done(): void {
            clearTimeout(timer);
            resolve();
          }
          this.wakeLoop = done;
        });
        this.wakeLoop = undefined;
      }
    }
  }

  /** Waits `pollIntervalMs`, or less when a batch completed or a subscription closed. */
  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.waiters.add(done);
    });
  }

  private notifyWaiters(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Runs `fn` after every earlier exclusive call settled. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- rebuild and queries

  /**
   * Registers a new building generation of `projection` (`createSchema` first), or returns the
   * building generation already under way; the continuous loop or the next
   * {@link runUntilCaughtUp} builds it from offset 0 and switches.
   * @throws NotFoundError for an unregistered projection.
   * @throws ConfigurationError when this runtime's handler is older than the recorded version.
   */
  async requestRebuild(projection: string): Promise<GenerationInfo> {
    this.registered(projection);
    if (!(await this.reconcile(projection))) throw new ConfigurationError(this.registered(projection).lastError!.message);
    const rows = await this.registry.list(projection);
    const building = rows.find((r) => r.state === 'building');
    if (building) return building;
    const created = await this.createGeneration(projection, rows.reduce((g, r) => Math.max(g, r.generation), 0) + 1, 'building');
    this.wakeLoop?.();
    return created;
  }

  /**
   * Rebuilds `projection` into a new generation and returns once it serves reads.
   * @throws as {@link requestRebuild} and {@link runUntilCaughtUp}.
   */
  async rebuild(projection: string, onProgress?: ProgressCallback): Promise<RunReport> {
    await this.requestRebuild(projection);
    return this.runUntilCaughtUp(onProgress, { projections: [projection] });
  }

  /**
   * Status of every registered projection: active generation, its consumer group's committed
   * checkpoint and lag against the log end, dead letters, the building generation's progress
   * and the last failure.
   */
  async status(): Promise<ProjectionStatus[]> {
    const end = await this.log.end();
    const out: ProjectionStatus[] = [];
    for (const name of this.names) {
      const { handler, lastError } = this.registered(name);
      const rows = await this.registry.list(name);
      const active = rows.find((r) => r.state === 'active');
      const building = rows.find((r) => r.state === 'building');
      const checkpoint = active ? await this.log.committed(active.group) : {};
      const progress = building ? await this.log.committed(building.group) : undefined;
      out.push({
        name,
        kind: handler.kind,
        version: handler.version,
        ...(handler.description !== undefined ? { description: handler.description } : {}),
        activeGeneration: active?.generation,
        checkpoint,
        lag: lag(checkpoint, end),
        deadLetters: active ? await this.store.count(name, active.generation) : 0,
        frozen: active !== undefined && active.version !== handler.version,
        ...(building && progress
          ? {
              building: {
                generation: building.generation, version: building.version, group: building.group, checkpoint: progress,
                lag: lag(progress, end), deadLetters: await this.store.count(name, building.generation),
              },
            }
          : {}),
        end,
        ...(lastError ? { lastError } : {}),
      });
    }
    return out;
  }

  /** Registry rows of `projection`, oldest first. */
  generations(projection: string): Promise<GenerationInfo[]> {
    return this.registry.list(projection);
  }

  /**
   * Dead-lettered events of `projection` (default: its active generation), by offset.
   * @throws NotFoundError for an unregistered projection.
   */
  async deadLetters(projection: string, query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    this.registered(projection);
    const generation = query.generation ?? (await this.registry.list(projection)).find((r) => r.state === 'active')?.generation;
    if (generation === undefined) return [];
    return this.store.list(projection, generation, {
      ...(query.afterOffset !== undefined ? { afterOffset: query.afterOffset } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
    });
  }

  /**
   * True when the active generation's consumer group of `projection` has committed every event
   * before `checkpoint` (per partition, committed next offset >= the token's): the store then
   * holds their writes.
   * @throws NotFoundError for an unregistered projection.
   */
  async reached(projection: string, checkpoint: Checkpoint): Promise<boolean> {
    this.registered(projection);
    const active = (await this.registry.list(projection)).find((r) => r.state === 'active');
    if (!active) return false;
    const committed = await this.log.committed(active.group);
    return Object.entries(checkpoint).every(([p, next]) => (committed[Number(p)] ?? 0) >= next);
  }

  // ---------------------------------------------------------------- helpers

  private registered(name: string): Registered {
    const entry = this.projections.get(name);
    if (!entry) throw new NotFoundError(`no projection "${name}" is registered (registered: ${this.names.join(', ') || 'none'})`);
    return entry;
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

function validate(options: AsyncProjectionRuntimeOptions): string[] {
  const problems: string[] = [];
  const log = options.log as Partial<EventLog> | undefined;
  if (typeof log?.subscribe !== 'function' || typeof log.committed !== 'function' || typeof log.end !== 'function') {
    problems.push('log must be an EventLog (subscribe, committed and end are used)');
  }
  return [...problems, ...runtimeOptionProblems(options, ['apply'])];
}
