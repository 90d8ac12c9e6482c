import { randomUUID } from 'node:crypto';
import { KeyWrapper, newKeyMaterial } from '@memfabric/crypto';
import { ConfigurationError, ValidationError, type FieldProblem } from '@memfabric/errors';
import type { ContentKey, KeyVault } from '@memfabric/event-log';
import { ConfigProblems, resolveKafkaStateConnection, type KafkaStateConnectionConfig, type ResolvedKafkaStateConnection } from './config.js';
import {
  BARRIER_KEY,
  destroyedMarkerKey,
  KeyTable,
  subjectPartitionKey,
  type ContentKeyCreatedRecord,
  type ContentKeysDestroyedRecord,
  type WrappedKey,
} from './key-table.js';
import { TopicTail, type OutgoingRecord, type RecordPosition, type TopicConfigEntry } from './topic-tail.js';

/** Default topic of the content keys. */
export const DEFAULT_KEY_TOPIC = 'memfabric.keys';

/** Configuration of {@link KafkaKeyVault}; see {@link KafkaStateConnectionConfig} for the connection. */
export interface KafkaKeyVaultConfig extends KafkaStateConnectionConfig {
  /** The 32-byte master key (key-encryption key) every content key is wrapped under. The same on every replica. */
  readonly masterKey: Uint8Array;
  /** Compacted topic of the keys; default `memfabric.keys`. */
  readonly topic?: string;
  /** Partitions when the vault creates the topic; default 1 (keys are few and small; every replica reads them all). */
  readonly partitions?: number;
  /**
   * `max.compaction.lag.ms` of the topic, in ms: the longest a destroyed key's wrapped bytes stay
   * on the brokers after its tombstone; default 3 600 000 (1 h). Set when the vault creates the
   * topic; an existing topic with a larger (or unset) value is refused unless `checkTopicConfig` is false.
   */
  readonly maxCompactionLagMs?: number;
  /**
   * `delete.retention.ms` of the topic, in ms: how long the broker keeps a tombstone after
   * compaction (a replica restoring within it still reads the tombstone); default 86 400 000 (1 day).
   */
  readonly deleteRetentionMs?: number;
}

/** A {@link KafkaKeyVaultConfig} with every default filled in. */
export interface ResolvedKafkaKeyVaultConfig extends ResolvedKafkaStateConnection {
  readonly topic: string;
  readonly partitions: number;
  readonly maxCompactionLagMs: number;
  readonly deleteRetentionMs: number;
}

/** How many keys a subject has (see {@link KafkaKeyVault.subjectKeys}). */
export interface SubjectKeyCounts {
  /** Keys the subject ever had in the tenant, destroyed ones included: 0 exactly when it never had one. */
  readonly total: number;
  /** Keys not destroyed. */
  readonly live: number;
}

/** Longest a destroy keeps going after keys created by other processes before its marker. */
const DESTROY_ROUNDS = 3;

/**
 * Validates a {@link KafkaKeyVaultConfig} (the master key aside) and fills in defaults.
 * @throws ConfigurationError listing every problem, each saying what to fix.
 */
export function resolveKafkaKeyVaultConfig(config: KafkaKeyVaultConfig): ResolvedKafkaKeyVaultConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigurationError('Kafka key vault: configuration must be an object');
  const problems = new ConfigProblems();
  const connection = resolveKafkaStateConnection(config, 'memfabric-key-vault', problems);
  const resolved: ResolvedKafkaKeyVaultConfig = {
    ...connection,
    topic: problems.topic(config.topic, DEFAULT_KEY_TOPIC),
    partitions: problems.integer('partitions', config.partitions, 1, 1, 10_000),
    maxCompactionLagMs: problems.integer('maxCompactionLagMs', config.maxCompactionLagMs, 3_600_000, 1_000, 31_536_000_000),
    deleteRetentionMs: problems.integer('deleteRetentionMs', config.deleteRetentionMs, 86_400_000, 0, 31_536_000_000),
  };
  const key = config.masterKey as unknown;
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    problems.list.push(`masterKey must be 32 bytes (got ${got}); generate one with \`openssl rand -base64 32\` and pass the decoded bytes`);
  }
  problems.throwIfAny('Kafka key vault');
  return resolved;
}

/** What is wrong with an existing key topic's configuration. */
export function keyTopicConfigProblems(config: ReadonlyMap<string, string>, maxCompactionLagMs: number): string[] {
  const problems: string[] = [];
  const policy = (config.get('cleanup.policy') ?? '').split(',').map((p) => p.trim());
  if (!policy.includes('compact') || policy.includes('delete')) {
    problems.push(`cleanup.policy is "${config.get('cleanup.policy') ?? ''}": set cleanup.policy=compact (delete would expire live keys and lose content)`);
  }
  const lag = Number(config.get('max.compaction.lag.ms') ?? Number.NaN);
  if (!Number.isFinite(lag) || lag > maxCompactionLagMs) {
    problems.push(
      `max.compaction.lag.ms is ${config.get('max.compaction.lag.ms') ?? 'unset'}, above the erasure bound of ${maxCompactionLagMs} ms: ` +
        `set max.compaction.lag.ms=${maxCompactionLagMs} (or raise maxCompactionLagMs)`,
    );
  }
  return problems;
}

function subjectProblems(tenantid: unknown, datasubject: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof tenantid !== 'string' || tenantid === '') problems.push({ pointer: '/tenantid', detail: 'must be a non-empty string' });
  if (typeof datasubject !== 'string' || datasubject === '') problems.push({ pointer: '/datasubject', detail: 'must be a non-empty string' });
  return problems;
}

/**
 * The cluster adapter of the {@link KeyVault} port: content keys in a compacted Kafka topic, so
 * pods keep nothing on local disk.
 *
 * **Where the keys live.** Topic `memfabric.keys` (configurable), `cleanup.policy=compact`,
 * created when missing with a bounded `max.compaction.lag.ms` and `delete.retention.ms`. A key is
 * one record: key = key id (UUID), value = JSON {@link ContentKeyCreatedRecord} (tenant, subject,
 * `createdAt` and the key **wrapped** under the 32-byte master key with AES-256-GCM by
 * `KeyWrapper`, the key id as additional data). The brokers only ever see wrapped keys; the
 * master key stays with the replicas (from a secret store). Every record of a subject goes to the
 * partition of murmur2(`[tenant, subject]`), so a subject's records keep their order.
 *
 * **State.** Every instance holds the live (still wrapped) keys in memory, folded by a tail
 * reader from offset 0 (see `TopicTail`); keys are unwrapped per call. Each call first asks the
 * brokers for the end offsets and waits until the reader has applied every record below them, so
 * it sees keys created and destroyed by any process before the call (cost: one ListOffsets round
 * trip per call, plus the restore of the whole topic at start).
 *
 * **Active key.** `activeKey` returns the subject's first live key in topic order (partition,
 * offset). When there is none it produces a new key and waits until its reader has read it back;
 * two replicas racing may both create one, both stay valid (content sealed with either opens) and
 * every replica then picks the same, first one.
 *
 * **Erasure.** `destroy` produces, in one record batch, a marker {@link ContentKeysDestroyedRecord}
 * under `destroyed/<tenant>/<subject>` (every destroyed key id of the subject, no key material:
 * compaction keeps it, so {@link subjectKeys} still counts the subject as having existed; like the
 * embedded vault's destroyed rows it keeps the subject id as evidence of the erasure) followed
 * by a tombstone (null value) per key, then waits until its own reader applied them and the keys
 * are gone from its memory. Bounds: another replica drops a destroyed key from memory within one
 * fetch of the tail reader (`fetchMaxWaitMs`) after the tombstone, and at the latest on its next
 * call (which catches up first); the brokers delete the wrapped bytes at the latest
 * `max.compaction.lag.ms` after the tombstone plus the roll of the segment holding it (evaluated
 * on the next append to the partition) and the cleaner's back-off, and the tombstone itself
 * `delete.retention.ms` after compaction. Copies outside the brokers (backups, mirrored clusters)
 * are beyond this bound.
 *
 * **Errors.** Bad arguments throw ValidationError; a key that does not unwrap under the
 * configured master key throws ConfigurationError; broker failures throw UnavailableError
 * (retriable).
 */
export class KafkaKeyVault implements KeyVault {
  /** The validated configuration with defaults filled in (the master key is not kept here). */
  readonly config: ResolvedKafkaKeyVaultConfig;
  private readonly wrapper: KeyWrapper;
  private readonly table = new KeyTable();
  private readonly tail: TopicTail;
  /** Per subject, the tail of this instance's writes (creation, destruction), so they never interleave. */
  private readonly writes = new Map<string, Promise<unknown>>();

  /**
   * Validates the configuration; does no I/O (the first call connects and restores).
   * @throws ConfigurationError naming every invalid setting (a master key that is not 32 bytes among them).
   */
  constructor(config: KafkaKeyVaultConfig) {
    this.config = resolveKafkaKeyVaultConfig(config);
    this.wrapper = new KeyWrapper(config.masterKey);
    const c = this.config;
    const configEntries: TopicConfigEntry[] = [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'max.compaction.lag.ms', value: String(c.maxCompactionLagMs) },
      { name: 'delete.retention.ms', value: String(c.deleteRetentionMs) },
    ];
    this.tail = new TopicTail(
      c,
      {
        topic: c.topic,
        holds: 'content keys',
        partitions: c.partitions,
        configEntries,
        configProblems: (entries) => keyTopicConfigProblems(entries, c.maxCompactionLagMs),
        barrierKey: BARRIER_KEY,
      },
      this.table,
    );
  }

  /**
   * Creates a vault and {@link start}s it.
   * @throws ConfigurationError for an invalid configuration, a missing topic that may not be
   *   created, a misconfigured topic, or keys that do not unwrap under the master key.
   * @throws UnavailableError when the brokers cannot be reached.
   */
  static async connect(config: KafkaKeyVaultConfig): Promise<KafkaKeyVault> {
    const vault = new KafkaKeyVault(config);
    try {
      await vault.start();
    } catch (error) {
      await vault.close();
      throw error;
    }
    return vault;
  }

  /**
   * Connects, makes sure the topic exists (creating it when allowed), restores every key and
   * checks the master key against one of them. Every call does the first part on first use;
   * call this at service start to fail fast.
   * @throws ConfigurationError when the topic is missing and `createTopic` is false, is
   *   misconfigured, or a key does not unwrap under the configured master key.
   * @throws UnavailableError when the brokers cannot be reached or the restore times out.
   */
  async start(): Promise<void> {
    await this.tail.catchUp();
    const sample = this.table.any();
    if (sample) this.unwrap(sample);
  }

  /**
   * The subject's active key (its first live key in topic order), created and produced when it
   * has none (also after its keys were destroyed).
   * @throws ValidationError when `tenantid` or `datasubject` is not a non-empty string.
   * @throws ConfigurationError when the key does not unwrap under the configured master key.
   * @throws UnavailableError when the brokers cannot be reached (retriable).
   */
  async activeKey(tenantid: string, datasubject: string): Promise<ContentKey> {
    this.assertSubject('activeKey', tenantid, datasubject);
    await this.tail.catchUp();
    const active = this.table.live(tenantid, datasubject)[0];
    if (active) return this.unwrap(active);
    return this.exclusive(tenantid, datasubject, async () => {
      // another call of this instance may have created one while this one waited
      const created = this.table.live(tenantid, datasubject)[0];
      if (created) return this.unwrap(created);
      const keyid = randomUUID();
      const key = newKeyMaterial();
      const record: ContentKeyCreatedRecord = {
        type: 'content-key.created',
        v: 1,
        tenantid,
        datasubject,
        wrapped: this.wrapper.wrap(key, keyid).toString('base64url'),
        createdAt: new Date().toISOString(),
      };
      const partition = await this.tail.partitionOf(subjectPartitionKey(tenantid, datasubject));
      await this.tail.produce([{ key: keyid, value: JSON.stringify(record), partition }]);
      // a replica racing this one may have created a key first: every replica picks the first
      const first = this.table.live(tenantid, datasubject)[0];
      return first ? this.unwrap(first) : { keyid, key };
    });
  }

  /**
   * A key by id, after catching up with the end offsets (so a key created by another process
   * before the call is found); `undefined` when it was destroyed or never existed.
   * @throws ValidationError when `keyid` is not a non-empty string.
   * @throws ConfigurationError when the key does not unwrap under the configured master key.
   * @throws UnavailableError when the brokers cannot be reached (retriable).
   */
  async findKey(keyid: string): Promise<ContentKey | undefined> {
    if (typeof keyid !== 'string' || keyid === '') {
      throw new ValidationError('findKey needs a key id', [{ pointer: '/keyid', detail: 'must be a non-empty string' }]);
    }
    await this.tail.catchUp();
    const entry = this.table.find(keyid);
    return entry ? this.unwrap(entry) : undefined;
  }

  /**
   * Destroys every key of the subject: produces the subject's marker and a tombstone per key and
   * waits until this instance's reader applied them. Keys another process created before the
   * marker are destroyed too (up to three rounds); keys created after it are new keys.
   * Irreversible.
   * @returns the number of keys destroyed (0 when the subject had no live key).
   * @throws ValidationError when `tenantid` or `datasubject` is not a non-empty string.
   * @throws UnavailableError when the brokers cannot be reached (retriable: destroying again is safe).
   */
  async destroy(tenantid: string, datasubject: string): Promise<number> {
    this.assertSubject('destroy', tenantid, datasubject);
    return this.exclusive(tenantid, datasubject, async () => {
      await this.tail.catchUp();
      const partition = await this.tail.partitionOf(subjectPartitionKey(tenantid, datasubject));
      let destroyed = 0;
      let marker: RecordPosition | undefined;
      for (let round = 0; round < DESTROY_ROUNDS; round += 1) {
        // keys after the previous marker in its partition were created after the erasure
        const doomed = this.table
          .live(tenantid, datasubject)
          .filter((k) => marker === undefined || k.partition !== marker.partition || k.offset < marker.offset);
        if (doomed.length === 0) break;
        const record: ContentKeysDestroyedRecord = {
          type: 'content-keys.destroyed',
          v: 1,
          tenantid,
          datasubject,
          keyids: [...new Set([...this.table.destroyed(tenantid, datasubject), ...doomed.map((k) => k.keyid)])],
          destroyedAt: new Date().toISOString(),
        };
        const records: OutgoingRecord[] = [
          { key: destroyedMarkerKey(tenantid, datasubject), value: JSON.stringify(record), partition },
          // the tombstone goes where the key record is, so compaction removes it
          ...doomed.map((k) => ({ key: k.keyid, value: null, partition: k.partition })),
        ];
        [marker] = await this.tail.produce(records);
        destroyed += doomed.length;
      }
      return destroyed;
    });
  }

  /**
   * How many keys the subject has in the tenant, after catching up with the end offsets: `total`
   * counts destroyed keys too, so it is 0 exactly when no key was ever created for the subject
   * (the log creates one with the subject's first event); `live` counts keys not destroyed.
   * Same meaning as `SqliteKeyVault.subjectKeysSync`.
   * @throws ValidationError when `tenantid` or `datasubject` is not a non-empty string.
   * @throws UnavailableError when the brokers cannot be reached (retriable).
   */
  async subjectKeys(tenantid: string, datasubject: string): Promise<SubjectKeyCounts> {
    this.assertSubject('subjectKeys', tenantid, datasubject);
    await this.tail.catchUp();
    return this.table.counts(tenantid, datasubject);
  }

  /** Counters of the in-memory table, for metrics and tests: live keys and skipped records. */
  stats(): { liveKeys: number; skippedRecords: number } {
    return { liveKeys: this.table.size, skippedRecords: this.table.skippedRecords };
  }

  /** Releases the Kafka clients. The vault cannot be used afterwards (calls throw UnavailableError). */
  async close(): Promise<void> {
    await this.tail.close();
  }

  private assertSubject(operation: string, tenantid: unknown, datasubject: unknown): void {
    const problems = subjectProblems(tenantid, datasubject);
    if (problems.length > 0) throw new ValidationError(`${operation} needs a tenant id and a data subject`, problems);
  }

  /** Runs `work` after this instance's earlier writes for the subject. */
  private exclusive<T>(tenantid: string, datasubject: string, work: () => Promise<T>): Promise<T> {
    const id = subjectPartitionKey(tenantid, datasubject);
    const run = (this.writes.get(id) ?? Promise.resolve()).then(work);
    const settled = run.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return run;
  }

  private unwrap(entry: WrappedKey): ContentKey {
    try {
      return { keyid: entry.keyid, key: this.wrapper.unwrap(entry.wrapped, entry.keyid) };
    } catch (cause) {
      throw new ConfigurationError(
        `content key ${entry.keyid} in Kafka topic ${this.config.topic} does not unwrap under the configured master key: ` +
          'every replica must use the master key the keys were created with (or the record was altered)',
        { cause, context: { topic: this.config.topic, keyid: entry.keyid, partition: entry.partition, offset: entry.offset } },
      );
    }
  }
}
