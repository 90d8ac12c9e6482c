import type { PositionedSealedEvent } from '@memfabric/event-log';
import type { ChainLink, SignedCheckpoint, StreamHead } from './checkpoint/checkpoint.js';

/** A stored (sealed) event and its log position (the event log port's shape). */
export type { PositionedSealedEvent } from '@memfabric/event-log';

/** One tenant's chain heads at one log position. */
export interface TenantHeads {
  readonly tenantid: string;
  /** The partition that holds the tenant's events (every stream of the tenant is in it). */
  readonly partition: number;
  /** Offset of the tenant's last event in {@link partition} (`-1` when none). */
  readonly position: number;
  readonly heads: readonly StreamHead[];
}

/**
 * Read access to events exactly as the log stores them (encrypted content, chain links), for
 * export bundles and tamper checks. Decrypting readers (`EventLog.readAll`) cannot serve here:
 * an export must carry erased content as stored and the hash covers the stored form.
 *
 * Implementation: {@link LogSealedEventSource}, over the event log port's sealed reads.
 */
export interface SealedEventSource {
  /**
   * The tenant's sealed events in log order, from `fromOffset` (inclusive) up to `toOffset`
   * (inclusive, default the end), at most `limit` (default 1000). Offsets are those of the
   * partition that holds the tenant's events.
   */
  readSealed(tenantid: string, options?: { readonly fromOffset?: number; readonly toOffset?: number; readonly limit?: number }): Promise<PositionedSealedEvent[]>;

  /** Chain heads of one tenant, or of every tenant with events, by tenant id. */
  heads(tenantid?: string): Promise<TenantHeads[]>;

  /** The stored id and hash at a stream position, or `undefined` when there is no such event. */
  link(tenantid: string, streamid: string, streamposition: number): Promise<ChainLink | undefined>;
}

/** A signed checkpoint as stored, with its sequence number in the store (1, 2, ...). */
export interface StoredCheckpoint extends SignedCheckpoint {
  readonly sequence: number;
}

/**
 * Append-only storage of signed checkpoints. Adapters: in memory (`InMemoryCheckpointStore`),
 * SQLite in the log's file (`@memfabric/audit-node`); both pass the contract suite in
 * `@memfabric/audit/testing`.
 */
export interface CheckpointStore {
  /**
   * Stores a checkpoint after the earlier ones.
   * @returns its sequence number.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  append(checkpoint: SignedCheckpoint): Promise<number>;

  /** Checkpoints of one tenant (or all), oldest first. */
  list(tenantid?: string): Promise<StoredCheckpoint[]>;

  /** The newest checkpoint of a tenant, or `undefined`. */
  latest(tenantid: string): Promise<StoredCheckpoint | undefined>;
}

/** A {@link CheckpointStore} in process memory (tests, short-lived tools). */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly rows: StoredCheckpoint[] = [];

  append(checkpoint: SignedCheckpoint): Promise<number> {
    const sequence = this.rows.length + 1;
    this.rows.push({ ...checkpoint, sequence });
    return Promise.resolve(sequence);
  }

  list(tenantid?: string): Promise<StoredCheckpoint[]> {
    return Promise.resolve(this.rows.filter((r) => tenantid === undefined || r.checkpoint.tenantid === tenantid));
  }

  latest(tenantid: string): Promise<StoredCheckpoint | undefined> {
    return Promise.resolve(this.rows.filter((r) => r.checkpoint.tenantid === tenantid).at(-1));
  }
}
