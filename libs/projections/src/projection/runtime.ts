import type { Checkpoint } from '@memfabric/event-log';
import type { ProjectionKind } from './handler.js';

/**
 * Life cycle of a generation in the registry (`projection_generations` embedded):
 * `building` (catching up from offset 0 while reads use the active one) → `active` (serves
 * reads; exactly one per projection) → `retired` (switched out, tables dropped). A building
 * generation made obsolete by a newer handler version becomes `abandoned` (tables dropped).
 */
export type GenerationState = 'building' | 'active' | 'retired' | 'abandoned';

/** One row of the generation registry. Times are RFC 3339 UTC strings. */
export interface GenerationInfo {
  readonly projection: string;
  /** 1, 2, 3, ...: never reused for a projection. */
  readonly generation: number;
  /** Handler version that built (or builds) the generation. */
  readonly version: number;
  readonly state: GenerationState;
  /** Consumer group whose checkpoint tracks the generation. */
  readonly group: string;
  readonly createdAt: string;
  readonly activatedAt: string | null;
  readonly retiredAt: string | null;
  /** When the generation's tables were dropped (retired or abandoned generations). */
  readonly droppedAt: string | null;
}

/** Progress of one generation's consumer group. */
export interface GenerationProgress {
  readonly generation: number;
  readonly version: number;
  readonly group: string;
  /** Committed checkpoint (next offset to read, per partition). */
  readonly checkpoint: Checkpoint;
  /** Events between the checkpoint and the log end, summed over partitions. */
  readonly lag: number;
  /** Events of this generation in the dead-letter table. */
  readonly deadLetters: number;
}

/** Status of one projection, as `memfabric projections status` and the metrics report it. */
export interface ProjectionStatus {
  readonly name: string;
  /** Read model or processor, as the handler declares it. */
  readonly kind: ProjectionKind;
  /** Version of the handler code running now. */
  readonly version: number;
  readonly description?: string;
  /** The generation reads are served from; `undefined` before the first run. */
  readonly activeGeneration: number | undefined;
  /** Checkpoint of the active generation (empty when none). */
  readonly checkpoint: Checkpoint;
  /** Lag of the active generation in events (the whole log when none). */
  readonly lag: number;
  /** Dead-lettered events of the active generation. */
  readonly deadLetters: number;
  /**
   * True when the active generation was built by another handler version: it is no longer
   * advanced (its rows would mix two versions' rules) and keeps serving reads until the
   * rebuild switches in.
   */
  readonly frozen: boolean;
  /** The generation being rebuilt, when a rebuild is under way. */
  readonly building?: GenerationProgress;
  /** Log end the lags were computed against. */
  readonly end: Checkpoint;
  /** The last failure of this projection's processing, cleared by the next committed batch. */
  readonly lastError?: { readonly message: string; readonly code?: string; readonly at: string };
}

/** One event a projection could not process. `recordedAt` is when it was dead-lettered. */
export interface DeadLetter {
  readonly projection: string;
  readonly generation: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly partition: number;
  readonly offset: number;
  readonly reason: string;
  readonly recordedAt: string;
}

/** Reported after every committed batch of `runUntilCaughtUp` and `rebuild`. */
export interface RunProgress {
  readonly projection: string;
  readonly generation: number;
  /** Events processed (applied, skipped or dead-lettered) so far in this run, all projections. */
  readonly processed: number;
  /** `processed` plus what remains to the target log end (grows if the log grows meanwhile). */
  readonly total: number;
}

/** Callback for {@link RunProgress}; it must not throw. */
export type ProgressCallback = (progress: RunProgress) => void;

/** A building generation that replaced the active one. */
export interface GenerationSwitch {
  readonly projection: string;
  /** The generation that served reads before (`undefined` if none). */
  readonly from: number | undefined;
  readonly to: number;
}

/** Outcome of one `runUntilCaughtUp` or `rebuild` call. */
export interface RunReport {
  /** Events processed (applied, skipped by `accepts` or dead-lettered). */
  readonly processed: number;
  /** Events dead-lettered during this run. */
  readonly deadLettered: number;
  readonly switched: readonly GenerationSwitch[];
  /** Wall-clock duration in ms. */
  readonly durationMs: number;
}

/** Options of {@link ProjectionRuntime.deadLetters}. */
export interface DeadLetterQuery {
  /** Generation to list; default the active one. */
  readonly generation?: number;
  /** Only entries at offsets above this one (cursor). */
  readonly afterOffset?: number;
  /** Most entries; default 100. */
  readonly limit?: number;
}

/**
 * Runs projection handlers over the event log (the `EventLog` port). Two implementations:
 * `SqliteProjectionRuntime` in `@memfabric/projections-sqlite` (embedded: writes and
 * checkpoint in one SQLite transaction) and `AsyncProjectionRuntime` here (external stores:
 * idempotent writes, consumer-group commit after the store acknowledged).
 */
export interface ProjectionRuntime {
  /** Names of the registered projections, in registration (run) order. */
  readonly names: readonly string[];

  /**
   * The declared kind of a registered projection.
   * @throws NotFoundError when no handler of that name is registered.
   */
  kindOf(projection: string): ProjectionKind;

  /** Status of every registered projection, in registration order. */
  status(): Promise<ProjectionStatus[]>;

  /**
   * Processes every registered projection (the active generation and any building one) until
   * its lag is 0 against the log end, switching in building generations that caught up.
   * @param onProgress - called after every committed batch.
   * @throws the first retriable error (e.g. `UnavailableError`); committed batches stay
   *   committed and the next call resumes from the checkpoints.
   */
  runUntilCaughtUp(onProgress?: ProgressCallback): Promise<RunReport>;

  /** Starts continuous processing (woken by new appends); idempotent. */
  start(): void;

  /** Stops continuous processing after the batch in flight commits or rolls back. */
  stop(): Promise<void>;

  /**
   * Registers a new `building` generation of `projection` (or returns the one under way), built
   * from offset 0 by the continuous loop or the next `runUntilCaughtUp`.
   * @throws NotFoundError when no handler of that name is registered.
   */
  requestRebuild(projection: string): Promise<GenerationInfo>;

  /**
   * `requestRebuild` then `runUntilCaughtUp`: returns once the new generation serves reads.
   * @throws NotFoundError when no handler of that name is registered.
   */
  rebuild(projection: string, onProgress?: ProgressCallback): Promise<RunReport>;

  /** Registry rows of a projection, oldest first. */
  generations(projection: string): Promise<GenerationInfo[]>;

  /** Dead-lettered events of a projection, by offset. */
  deadLetters(projection: string, query?: DeadLetterQuery): Promise<DeadLetter[]>;

  /**
   * True when the active generation of `projection` has processed every event before
   * `checkpoint` (a consistency token returned by an append): reads then see those writes.
   */
  reached(projection: string, checkpoint: Checkpoint): Promise<boolean>;
}
