import { randomUUID } from 'node:crypto';
import type { CheckpointStore, SignedCheckpoint, StoredCheckpoint } from '@memfabric/audit';
import { ConfigurationError, ValidationError, type FieldProblem } from '@memfabric/errors';
import type { KafkaMessage } from 'kafkajs';
import { ConfigProblems, resolveKafkaStateConnection, type KafkaStateConnectionConfig, type ResolvedKafkaStateConnection } from './config.js';
import { TopicTail, type TailHandler } from './topic-tail.js';

/** Default topic of the signed audit checkpoints. */
export const DEFAULT_CHECKPOINT_TOPIC = 'memfabric.audit.checkpoints';

/** Header carrying the id of one `append` call, so a producer retry's second copy is recognised. */
export const APPEND_ID_HEADER = 'memfabric-append-id';

/** Configuration of {@link KafkaCheckpointStore}; see {@link KafkaStateConnectionConfig} for the connection. */
export interface KafkaCheckpointStoreConfig extends KafkaStateConnectionConfig {
  /** Topic of the checkpoints (one partition, infinite retention); default `memfabric.audit.checkpoints`. */
  readonly topic?: string;
}

/** A {@link KafkaCheckpointStoreConfig} with every default filled in. */
export interface ResolvedKafkaCheckpointStoreConfig extends ResolvedKafkaStateConnection {
  readonly topic: string;
}

/**
 * Validates a {@link KafkaCheckpointStoreConfig} and fills in defaults.
 * @throws ConfigurationError listing every problem, each saying what to fix.
 */
export function resolveKafkaCheckpointStoreConfig(config: KafkaCheckpointStoreConfig): ResolvedKafkaCheckpointStoreConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigurationError('Kafka checkpoint store: configuration must be an object');
  const problems = new ConfigProblems();
  const connection = resolveKafkaStateConnection(config, 'memfabric-audit-checkpoints', problems);
  const topic = problems.topic(config.topic, DEFAULT_CHECKPOINT_TOPIC);
  problems.throwIfAny('Kafka checkpoint store');
  return { ...connection, topic };
}

/** What is wrong with an existing checkpoint topic's configuration. */
export function checkpointTopicConfigProblems(config: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const policy = (config.get('cleanup.policy') ?? '').split(',').map((p) => p.trim());
  if (policy.includes('compact')) {
    problems.push(`cleanup.policy is "${config.get('cleanup.policy') ?? ''}": set cleanup.policy=delete (compaction keeps one checkpoint per tenant)`);
  }
  for (const name of ['retention.ms', 'retention.bytes']) {
    const value = config.get(name);
    if (value !== '-1') problems.push(`${name} is ${value ?? 'unset'}: set ${name}=-1 (signed checkpoints are kept forever)`);
  }
  return problems;
}

function checkpointProblems(signed: unknown): FieldProblem[] {
  const s = signed as Partial<SignedCheckpoint> | null;
  if (typeof s !== 'object' || s === null) return [{ pointer: '', detail: 'must be a signed checkpoint { checkpoint, jws }' }];
  const problems: FieldProblem[] = [];
  const body = s.checkpoint as Partial<SignedCheckpoint['checkpoint']> | undefined;
  if (typeof body !== 'object' || body === null) problems.push({ pointer: '/checkpoint', detail: 'must be an object' });
  else if (typeof body.tenantid !== 'string' || body.tenantid === '') problems.push({ pointer: '/checkpoint/tenantid', detail: 'must be a non-empty string' });
  if (typeof s.jws !== 'string' || s.jws === '') problems.push({ pointer: '/jws', detail: 'must be a compact JWS string' });
  return problems;
}

/**
 * The checkpoints in topic order, folded from the checkpoint topic (no I/O). A record whose
 * append id was seen before is a producer retry's second copy and is ignored; a record that is
 * not a signed checkpoint is counted and skipped.
 */
class CheckpointTable implements TailHandler {
  readonly rows: StoredCheckpoint[] = [];
  /** Sequence number of each append id's first copy. */
  readonly byAppendId = new Map<string, number>();
  skippedRecords = 0;

  reset(): void {
    this.rows.length = 0;
    this.byAppendId.clear();
    this.skippedRecords = 0;
  }

  apply(_partition: number, message: KafkaMessage): void {
    const header = message.headers?.[APPEND_ID_HEADER];
    const appendId = header === undefined ? undefined : String(Array.isArray(header) ? header[0] : header);
    if (appendId !== undefined && this.byAppendId.has(appendId)) return;
    let signed: unknown;
    try {
      signed = message.value === null ? null : JSON.parse(message.value.toString('utf8'));
    } catch {
      signed = null;
    }
    if (checkpointProblems(signed).length > 0) {
      this.skippedRecords += 1;
      return;
    }
    const { checkpoint, jws } = signed as SignedCheckpoint;
    const sequence = Number(message.offset) + 1;
    this.rows.push({ checkpoint, jws, sequence });
    if (appendId !== undefined) this.byAppendId.set(appendId, sequence);
  }
}

/**
 * The cluster adapter of the {@link CheckpointStore} port: signed audit checkpoints in a Kafka
 * topic, so pods keep nothing on local disk.
 *
 * **Topic.** `memfabric.audit.checkpoints` (configurable), created when missing with **one
 * partition**, `cleanup.policy=delete` and `retention.ms=-1`, `retention.bytes=-1` (kept
 * forever); an existing topic with more partitions is refused. One partition because the port
 * numbers checkpoints in one order across tenants, and Kafka orders records only within a
 * partition; checkpoints are few (one per tenant per interval), so one partition is no bottleneck.
 * Record key = tenant id, value = the JSON of the {@link SignedCheckpoint} (`{ checkpoint, jws }`,
 * exactly what an export carries), header `memfabric-append-id` = a UUID per `append` call.
 *
 * **Sequence numbers.** A checkpoint's sequence is its offset + 1: 1, 2, 3, ... in topic order,
 * the same in every process and after restarts. A producer retry without the idempotent producer
 * may store a record twice; the second copy (same append id) is ignored, leaving a gap in the
 * numbers, never a reordering.
 *
 * **State.** Every instance holds the checkpoints in memory, folded by a tail reader from offset 0
 * (see `TopicTail`); each call first catches up with the end offsets (one ListOffsets round trip),
 * so it sees checkpoints appended by any process before the call. Memory grows with the number of
 * checkpoints (each a few hundred bytes plus its stream heads).
 */
export class KafkaCheckpointStore implements CheckpointStore {
  /** The validated configuration with defaults filled in. */
  readonly config: ResolvedKafkaCheckpointStoreConfig;
  private readonly table = new CheckpointTable();
  private readonly tail: TopicTail;

  /**
   * Validates the configuration; does no I/O (the first call connects and restores).
   * @throws ConfigurationError naming every invalid setting.
   */
  constructor(config: KafkaCheckpointStoreConfig) {
    this.config = resolveKafkaCheckpointStoreConfig(config);
    this.tail = new TopicTail(
      this.config,
      {
        topic: this.config.topic,
        holds: 'signed audit checkpoints',
        partitions: 1,
        requiredPartitions: 1,
        configEntries: [
          { name: 'cleanup.policy', value: 'delete' },
          { name: 'retention.ms', value: '-1' },
          { name: 'retention.bytes', value: '-1' },
        ],
        configProblems: checkpointTopicConfigProblems,
      },
      this.table,
    );
  }

  /**
   * Creates a store and {@link start}s it.
   * @throws ConfigurationError for an invalid configuration or a missing, misconfigured or
   *   multi-partition topic.
   * @throws UnavailableError when the brokers cannot be reached.
   */
  static async connect(config: KafkaCheckpointStoreConfig): Promise<KafkaCheckpointStore> {
    const store = new KafkaCheckpointStore(config);
    try {
      await store.start();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /**
   * Connects, makes sure the topic exists (creating it when allowed) and restores every
   * checkpoint. Every call does this on first use; call it at service start to fail fast.
   * @throws ConfigurationError when the topic is missing and `createTopic` is false, or is misconfigured.
   * @throws UnavailableError when the brokers cannot be reached or the restore times out.
   */
  async start(): Promise<void> {
    await this.tail.catchUp();
  }

  /**
   * Produces the checkpoint (acks=all) and waits until this instance's reader has read it back.
   * @returns its sequence number (offset + 1).
   * @throws ValidationError when `signed` is not a signed checkpoint with a tenant id and a JWS.
   * @throws UnavailableError when the brokers cannot be reached (retriable; a retry may store the
   *   checkpoint a second time, under a later sequence number).
   */
  async append(signed: SignedCheckpoint): Promise<number> {
    const problems = checkpointProblems(signed);
    if (problems.length > 0) throw new ValidationError('append needs a signed checkpoint', problems);
    const appendId = randomUUID();
    const value = JSON.stringify({ checkpoint: signed.checkpoint, jws: signed.jws });
    const [position] = await this.tail.produce([{ key: signed.checkpoint.tenantid, value, partition: 0, headers: { [APPEND_ID_HEADER]: appendId } }]);
    return this.table.byAppendId.get(appendId) ?? position!.offset + 1;
  }

  /**
   * Checkpoints of one tenant (or all), oldest first, after catching up with the end offsets.
   * @throws UnavailableError when the brokers cannot be reached (retriable).
   */
  async list(tenantid?: string): Promise<StoredCheckpoint[]> {
    await this.tail.catchUp();
    return this.table.rows.filter((r) => tenantid === undefined || r.checkpoint.tenantid === tenantid);
  }

  /**
   * The newest checkpoint of a tenant, or `undefined`, after catching up with the end offsets.
   * @throws UnavailableError when the brokers cannot be reached (retriable).
   */
  async latest(tenantid: string): Promise<StoredCheckpoint | undefined> {
    await this.tail.catchUp();
    return this.table.rows.findLast((r) => r.checkpoint.tenantid === tenantid);
  }

  /** Counters of the in-memory table, for metrics and tests. */
  stats(): { checkpoints: number; skippedRecords: number } {
    return { checkpoints: this.table.rows.length, skippedRecords: this.table.skippedRecords };
  }

  /** Releases the Kafka clients. The store cannot be used afterwards (calls throw UnavailableError). */
  async close(): Promise<void> {
    await this.tail.close();
  }
}
