import type { AnalyticsStore } from '@memfabric/analytics';
import type { CheckpointStore } from '@memfabric/audit';
import type { EventLog, KeyVault } from '@memfabric/event-log';
import type { GraphStore } from '@memfabric/graph-store';
import type { MemoryUnitStore, ProgressCallback } from '@memfabric/projections';

/** How many content keys a data subject has in a tenant. */
export interface SubjectKeyCount {
  /**
   * Keys ever created for the subject, destroyed ones included: 0 exactly when no event of the
   * subject was ever appended in the tenant (the log creates a subject's key with its first event).
   */
  readonly total: number;
  /** Keys not destroyed yet (what an erasure destroys). */
  readonly live: number;
}

/** The key-vault operations the erasure needs. */
export interface AuditKeyVault extends Pick<KeyVault, 'destroy'> {
  /**
   * Counts the subject's content keys in the tenant.
   * @throws UnavailableError when the vault cannot be reached (retriable).
   */
  subjectKeys(tenantid: string, datasubject: string): Promise<SubjectKeyCount>;
}

/** What {@link AuditedFabric.purgeFiles} did. */
export interface FilePurge {
  /** True when another connection kept the purge from completing; the next purge (or checkpoint) finishes it. */
  readonly busy: boolean;
}

/**
 * What the audit service needs of a fabric: the port it runs over, so the same `Audit` and
 * audit actions serve the embedded fabric ({@link embeddedAuditedFabric}: one SQLite file) and
 * a cluster process (Kafka log and key vault, checkpoints in a topic, memory units in the
 * read side's SQLite file, Neo4j graph, ClickHouse analytics).
 *
 * **Positions.** Audit positions (`uptoposition` of a rollback, `position` of a signed
 * checkpoint, of an export manifest and of a point-in-time state) are offsets of one partition:
 * the partition that holds the tenant's events ({@link tenantPartition}). The log must place all
 * of a tenant's events in one partition (partition key = tenant), so that partition's offsets
 * order them totally; the audit refuses (ConfigurationError) a tenant whose streams it finds in
 * several partitions rather than answer with a partial view.
 *
 * The audit never closes anything it is given: the owner of the fabric does.
 */
export interface AuditedFabric {
  /** The event log (the system of record); every audit action appends to it, never deletes. */
  readonly log: EventLog;

  /** Content keys: counted before an erasure, destroyed by it (crypto-shredding). */
  readonly vault: AuditKeyVault;

  /** The memory-unit read model: the units a rollback covers, the units an erasure purged. */
  readonly memoryUnits: Pick<MemoryUnitStore, 'listUnits'>;

  /** The analytics store: the read audit is written to (and listed from) its query log. */
  readonly analytics: Pick<AnalyticsStore, 'insertQueries' | 'listQueries'>;

  /** Where signed checkpoints are kept (append-only). */
  readonly checkpoints: CheckpointStore;

  /**
   * Brings the read models up to the log end as it was when called: runs them until caught up
   * (embedded) or waits until the processes that run them have (cluster).
   * @param onProgress - told about progress (progress bars); a waiting implementation may never call it.
   * @param only - projection names that must have caught up (e.g. `[MEMORY_UNITS_PROJECTION]`
   *   for a rollback plan); default every projection. An implementation may do more.
   * @throws UnavailableError when the read models do not catch up in the implementation's time limit (retriable).
   */
  catchUp(onProgress?: ProgressCallback, only?: readonly string[]): Promise<unknown>;

  /** The store of the active graph generation, or `undefined` before the graph projection wrote one. */
  activeGraph(): Promise<GraphStore | undefined>;

  /**
   * The partition that holds (or will hold) the tenant's events: 0 on a one-partition log; on
   * Kafka the partition the producer's partitioner maps the tenant key to.
   */
  tenantPartition(tenantid: string): Promise<number>;

  /**
   * Optional: makes content deleted by an erasure unrecoverable from the local files this
   * process writes (embedded: checkpoint the SQLite WAL into the database file and truncate it,
   * with `secure_delete` on). Called once per erasure, after the read models have caught up.
   * Absent where nothing local keeps deleted pages (then erasures report `walTruncated: null`).
   * @throws UnavailableError once the files are closed.
   */
  purgeFiles?(): Promise<FilePurge>;
}
