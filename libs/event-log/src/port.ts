import type { NewEvent, StoredEvent } from '@memfabric/events';
import type { SealedEvent } from './sealing.js';

/** A place in the log: a partition and a 0-based offset within it. */
export interface Position {
  readonly partition: number;
  readonly offset: number;
}

/**
 * How far a reader or consumer group got: for each partition, the offset of the next event to
 * read. A partition that is absent has not been read at all (next offset 0).
 */
export type Checkpoint = Readonly<Record<number, number>>;

/** Options of one append call. */
export interface AppendOptions {
  /** Ingest batch id stamped on events that carry none (one is generated when absent). */
  readonly batchid?: string;
}

/** What happened to one event of an append batch, in input order. */
export interface AppendResult extends Position {
  readonly id: string;
  readonly tenantid: string;
  readonly streamid: string;
  /** 1-based position of the event in its stream. */
  readonly streamposition: number;
  /** True when the idempotency key (or event id) was already in the log: nothing was written. */
  readonly duplicate: boolean;
}

/** Options for reading one stream. */
export interface ReadStreamOptions {
  /** First stream position to return (1-based, inclusive); default 1. */
  readonly fromStreamPosition?: number;
  /** Most events to return; default 1000. */
  readonly limit?: number;
}

/** Options for reading the whole log in position order. */
export interface ReadAllOptions {
  /** Where to start; default the beginning of every partition. */
  readonly from?: Checkpoint;
  /** Most events to return; default 1000. */
  readonly limit?: number;
  /** Only events of this tenant. */
  readonly tenantid?: string;
}

/** One page of a read over the whole log. */
export interface ReadPage {
  readonly events: readonly StoredEvent[];
  /** Checkpoint after the last event returned: pass it as `from` to continue. */
  readonly next: Checkpoint;
}

/** A stream and how long it is. */
export interface StreamInfo {
  readonly tenantid: string;
  readonly streamid: string;
  /** Number of events in the stream (= last stream position). */
  readonly events: number;
}

/** Processes one batch of a consumer group. The batch is committed only when the promise resolves. */
export type BatchHandler = (events: readonly StoredEvent[]) => Promise<void>;

/** Options of a consumer-group subscription. */
export interface SubscribeOptions {
  /** Most events per handler call; default 500. */
  readonly maxBatch?: number;
  /** Called when the handler throws; the subscription then stops without committing that batch. */
  readonly onError?: (error: unknown) => void;
}

/** A running consumer-group subscription. */
export interface Subscription {
  /** Stops after the batch in flight (if any) is handled and committed. */
  stop(): Promise<void>;
  /** Resolves when the subscription has stopped (after `stop()` or a handler error). */
  readonly closed: Promise<void>;
}

/** The first event at which a stream's hash chain fails. */
export interface ChainBreak {
  readonly tenantid: string;
  readonly streamid: string;
  readonly id: string;
  readonly streamposition: number;
  readonly reason: string;
}

/** Outcome of hash-chain verification. */
export interface VerifyReport {
  readonly streams: number;
  readonly events: number;
  readonly valid: boolean;
  /** The first broken event found, when `valid` is false. */
  readonly firstBroken?: ChainBreak;
}

/**
 * An event exactly as the log stores it (encrypted content, chain links) and where it is.
 * Audit exports and tamper checks read this form: the hash covers it, and erased content stays
 * as stored (ciphertext whose key is gone).
 */
export interface PositionedSealedEvent extends SealedEvent, Position {}

/** Options of {@link EventLog.readSealed}. */
export interface ReadSealedOptions {
  /** Where to start (next offset per partition, inclusive); default the beginning of every partition. */
  readonly from?: Checkpoint;
  /**
   * Where to stop (per partition, exclusive; a partition absent from it is read up to offset 0,
   * i.e. not at all, as in every checkpoint). Pass `end()` or `positionAt(time)` to read the
   * log as it was then. Default: no bound.
   */
  readonly to?: Checkpoint;
  /** Only events of this tenant. */
  readonly tenantid?: string;
  /** Most events to return; default 1000. */
  readonly limit?: number;
}

/** One page of a sealed read. */
export interface SealedPage {
  /** In log order: partition by partition (ascending), by offset within one. */
  readonly events: readonly PositionedSealedEvent[];
  /** Checkpoint after the last event returned: pass it as `from` to continue. */
  readonly next: Checkpoint;
}

/** The last stored event of one stream: what an audit checkpoint signs. */
export interface SealedStreamHead extends Position {
  readonly tenantid: string;
  readonly streamid: string;
  /** 1-based stream position of the head (= events in the stream). */
  readonly streamposition: number;
  /** Id of the head event. */
  readonly id: string;
  /** Its chain hash (64 hex). */
  readonly hash: string;
}

/** Which streams to verify; all when empty. */
export interface VerifyFilter {
  readonly tenantid?: string;
  readonly streamid?: string;
}

/**
 * The event log port: the system of record. Events are appended, never updated or deleted.
 *
 * Each stream (`tenantid` + `streamid`) is totally ordered and hash-chained; all events of a
 * stream live in one partition. Adapters: embedded SQLite (`@memfabric/event-log-sqlite`) and
 * Kafka (`@memfabric/event-log-kafka`); both pass the contract suite in `@memfabric/event-log/testing`.
 */
export interface EventLog {
  /**
   * Appends a batch atomically per stream. Idempotent: an event whose `idempotencykey` (or, when
   * it has none, whose `id`) is already stored for its tenant is not written again and its
   * first position is returned with `duplicate: true`.
   * @returns one result per input event, in input order.
   * @throws IdempotencyConflictError when a known key arrives with different content.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  append(events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult[]>;

  /** One event by id, or `undefined`. */
  getEvent(id: string): Promise<StoredEvent | undefined>;

  /** Events of one stream in stream order. An unknown stream reads as empty. */
  readStream(tenantid: string, streamid: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /** Events of every stream in log order (per partition by offset). */
  readAll(options?: ReadAllOptions): Promise<ReadPage>;

  /** Streams with at least one event, optionally of one tenant, ordered by tenant then stream. */
  listStreams(tenantid?: string): Promise<StreamInfo[]>;

  /** Checkpoint just past the last stored event of each partition (the log end offsets). */
  end(): Promise<Checkpoint>;

  /**
   * Runs `handler` over the log as consumer group `group`, from its committed checkpoint, and
   * commits after each batch the handler completes. A batch whose handler throws is not
   * committed and will be delivered again to the next subscription of the group.
   */
  subscribe(group: string, handler: BatchHandler, options?: SubscribeOptions): Subscription;

  /** The committed checkpoint of a consumer group (empty when it never committed). */
  committed(group: string): Promise<Checkpoint>;

  /**
   * The log as it was at transaction time `time`: for each partition, the offset just past the
   * last event (highest offset) whose `recordedat` is at or before `time`. Partitions with no
   * such event are absent, so `{}` means nothing was recorded yet. The result is a checkpoint
   * (next offset per partition), usable as `to` of {@link readSealed}, with `hasReached` and
   * `lag`; on a one-partition log (embedded) the last such offset is `result[0] - 1`.
   *
   * `recordedat` is stamped by the writer's clock at append (ms precision): within a partition
   * it only goes backwards when that clock does, in which case an event with a later stamp may
   * lie below the returned offset.
   * @throws ValidationError when `time` is not a valid date.
   */
  positionAt(time: Date): Promise<Checkpoint>;

  /**
   * Events exactly as stored (see {@link PositionedSealedEvent}), in log order, from `from` up to
   * `to`, optionally of one tenant. Nothing is decrypted, so erased content reads as stored.
   */
  readSealed(options?: ReadSealedOptions): Promise<SealedPage>;

  /** One stream's events exactly as stored, in stream order. An unknown stream reads as empty. */
  readSealedStream(tenantid: string, streamid: string, options?: ReadStreamOptions): Promise<PositionedSealedEvent[]>;

  /**
   * The head (last stored event) of every stream, optionally of one tenant, ordered by tenant
   * then stream id, read as one consistent snapshot of the log.
   */
  streamHeads(tenantid?: string): Promise<SealedStreamHead[]>;

  /** Recomputes every selected stream's hash chain from the stored (encrypted) records. */
  verify(filter?: VerifyFilter): Promise<VerifyReport>;

  /** Releases connections and files. The log cannot be used afterwards. */
  close(): Promise<void>;
}
