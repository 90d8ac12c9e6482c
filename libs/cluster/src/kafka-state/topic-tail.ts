import { randomUUID } from 'node:crypto';
import { ConfigurationError, MemfabricError, UnavailableError } from '@memfabric/errors';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevels,
  type Admin,
  type ConfigResourceTypes,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type PartitionMetadata,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { KafkaStateLogLevel, ResolvedKafkaStateConnection } from './config.js';

const LOG_LEVELS: Record<KafkaStateLogLevel, KafkaLogLevels> = {
  nothing: KafkaLogLevels.NOTHING,
  error: KafkaLogLevels.ERROR,
  warn: KafkaLogLevels.WARN,
  info: KafkaLogLevels.INFO,
  debug: KafkaLogLevels.DEBUG,
};

/** `ConfigResourceTypes.TOPIC` (kafkajs does not offer the enum as a named ESM export). */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** One topic configuration entry (`name=value`, as in `kafka-configs --add-config`). */
export interface TopicConfigEntry {
  readonly name: string;
  readonly value: string;
}

/** The topic a {@link TopicTail} reads and writes, and what it must look like. */
export interface TopicSpec {
  readonly topic: string;
  /** What the topic holds, for error messages (for example `content keys`). */
  readonly holds: string;
  /** Partitions when the tail creates the topic. */
  readonly partitions: number;
  /** Topic configuration when the tail creates it. */
  readonly configEntries: readonly TopicConfigEntry[];
  /**
   * What is wrong with an existing topic's configuration (DescribeConfigs, name to value); each
   * problem says what to set. Checked at start unless `checkTopicConfig` is false.
   */
  readonly configProblems: (config: ReadonlyMap<string, string>) => string[];
  /** The topic must have exactly this many partitions (an existing one is refused otherwise). */
  readonly requiredPartitions?: number;
  /**
   * Key of the barrier record (a tombstone) written when the tail reader stops short of the end
   * offsets: on a compacted topic the cleaner may remove the last records of a partition, and a
   * kafkajs consumer never learns that it reached the end; reading a record written after the
   * end offset proves it did. Absent: never written (topics that are not compacted).
   */
  readonly barrierKey?: string;
}

/** Folds the records of a topic into state (a materialised view of the topic). */
export interface TailHandler {
  /** Forgets every record: the tail reader (re)starts at offset 0. */
  reset(): void;
  /** Applies one record, in offset order per partition. Must not throw: count and skip bad records. */
  apply(partition: number, message: KafkaMessage): void;
}

/** A record to produce, to an explicit partition. `value: null` is a tombstone. */
export interface OutgoingRecord {
  readonly key: string;
  readonly value: string | null;
  readonly partition: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Where a record is: partition and offset. */
export interface RecordPosition {
  readonly partition: number;
  readonly offset: number;
}

interface Waiter {
  readonly satisfied: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Clients {
  readonly admin: Admin;
  readonly producer: Producer;
  readonly reader: Consumer;
  readonly partitionMetadata: PartitionMetadata[];
}

/**
 * Turns a kafkajs (or network) failure into a retriable {@link UnavailableError} that keeps the
 * cause; memfabric errors pass through unchanged.
 */
export function toUnavailable(error: unknown, operation: string, topic: string): MemfabricError {
  if (MemfabricError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const kafka = error as { name?: unknown; retriable?: unknown };
  return new UnavailableError(`Kafka ${operation} failed on topic ${topic}: ${message}`, {
    cause: error,
    context: {
      operation,
      topic,
      ...(typeof kafka.name === 'string' ? { kafkaError: kafka.name } : {}),
      ...(typeof kafka.retriable === 'boolean' ? { kafkaRetriable: kafka.retriable } : {}),
    },
  });
}

/**
 * One Kafka topic read from offset 0 into a {@link TailHandler} by a tail reader, plus the writes
 * that go with it: the restore-and-follow pattern of the Kafka event log's index (a Kafka Streams
 * state store restored from its changelog), shared by the Kafka-held state adapters.
 *
 * The reader is a kafkajs consumer in a private group `<clientId>.tail.<uuid>` that never commits,
 * so every instance reads the whole topic. {@link catchUp} asks the brokers for the end offsets
 * (one ListOffsets round trip) and waits until the reader has applied every record below them:
 * state read after it includes every write acknowledged before the call, from any process.
 * {@link produce} writes with acks=all and waits until the reader has applied the written records,
 * so state changes only through the reader and every instance folds the same records in the same
 * order. A reader that crashes is replaced on the next call, with the state reset and restored
 * from offset 0.
 */
export class TopicTail {
  private readonly kafka: Kafka;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private clients: Promise<Clients> | undefined;
  private readerFailed = false;
  private readerJoined = false;
  /** Next offset the reader applies, per partition. */
  private readonly next = new Map<number, number>();
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  constructor(
    private readonly connection: ResolvedKafkaStateConnection,
    private readonly spec: TopicSpec,
    private readonly handler: TailHandler,
  ) {
    const c = connection;
    this.kafka = new Kafka({
      clientId: c.clientId,
      brokers: [...c.brokers],
      connectionTimeout: c.connectionTimeoutMs,
      requestTimeout: c.requestTimeoutMs,
      retry: { retries: c.retries },
      logLevel: LOG_LEVELS[c.logLevel],
      ...(c.ssl ? { ssl: true } : {}),
      ...(c.sasl ? { sasl: { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } as SASLOptions } : {}),
    });
  }

  /** The topic name. */
  get topic(): string {
    return this.spec.topic;
  }

  /**
   * Connects on first use, then waits until the reader has applied every record below the
   * brokers' current end offsets.
   * @throws ConfigurationError when the topic is missing and may not be created, or is configured
   *   against the adapter's guarantees.
   * @throws UnavailableError when the brokers cannot be reached, the tail is closed, or the reader
   *   does not get there within `catchUpTimeoutMs`.
   */
  async catchUp(): Promise<void> {
    this.assertOpen();
    const { admin } = await this.connect();
    let ends: { partition: number; high: string; low: string }[];
    try {
      ends = await admin.fetchTopicOffsets(this.spec.topic);
    } catch (error) {
      throw toUnavailable(error, 'end offsets', this.spec.topic);
    }
    const targets = new Map<number, number>();
    for (const { partition, high, low } of ends) if (Number(high) > Number(low)) targets.set(partition, Number(high));
    await this.waitUntil(targets, 'catch up with the end offsets');
  }

  /**
   * The partition for `partitionKey` under the Java-compatible murmur2 partitioner (the one a
   * Kafka producer uses for a record key), so records that must stay in order share a partition.
   */
  async partitionOf(partitionKey: string): Promise<number> {
    this.assertOpen();
    const { partitionMetadata } = await this.connect();
    return this.partitioner({ topic: this.spec.topic, partitionMetadata, message: { key: partitionKey, value: null } });
  }

  /**
   * Produces `records` in one request (acks=all; records of one partition form one record batch,
   * appended atomically and in the given order) and waits until the reader has applied them.
   * @returns each record's position, in the order given.
   * @throws UnavailableError when the brokers do not acknowledge or the reader does not read the
   *   records back within `catchUpTimeoutMs` (retriable; whether the records were stored is then
   *   unknown).
   */
  async produce(records: readonly OutgoingRecord[]): Promise<RecordPosition[]> {
    this.assertOpen();
    if (records.length === 0) return [];
    const { producer } = await this.connect();
    const { topic } = this.spec;
    let metadata;
    try {
      metadata = await producer.send({
        topic,
        acks: -1,
        timeout: this.connection.requestTimeoutMs,
        messages: records.map((r) => ({ key: r.key, value: r.value, partition: r.partition, ...(r.headers ? { headers: { ...r.headers } } : {}) })),
      });
    } catch (error) {
      throw toUnavailable(error, 'produce', topic);
    }
    const nextOffset = new Map<number, number>();
    for (const m of metadata) {
      if (m.topicName === topic && m.baseOffset !== undefined) nextOffset.set(m.partition, Number(m.baseOffset));
    }
    const positions: RecordPosition[] = [];
    const targets = new Map<number, number>();
    for (const { partition } of records) {
      const offset = nextOffset.get(partition);
      if (offset === undefined) {
        throw new UnavailableError(`Kafka acknowledged a write to ${topic} without an offset for partition ${partition}`, { context: { topic } });
      }
      nextOffset.set(partition, offset + 1);
      targets.set(partition, offset + 1);
      positions.push({ partition, offset });
    }
    await this.waitUntil(targets, 'read back its own write');
    return positions;
  }

  /** Releases every client; pending waits fail with UnavailableError. The tail cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectWaiters(new UnavailableError(`the reader of ${this.spec.topic} is closed`, { context: { topic: this.spec.topic } }));
    const clients = this.clients;
    this.clients = undefined;
    const opened = clients ? await clients.catch(() => undefined) : undefined;
    if (opened) await disconnect(opened);
  }

  // ---------------------------------------------------------------------------------------------
  // connecting

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError(`the reader of ${this.spec.topic} is closed`, { context: { topic: this.spec.topic } });
  }

  private connect(): Promise<Clients> {
    if (this.readerFailed) {
      const old = this.clients;
      this.clients = undefined;
      this.readerFailed = false;
      if (old) void old.then(disconnect).catch(() => undefined);
    }
    this.clients ??= this.openClients().catch((error: unknown) => {
      this.clients = undefined;
      throw error;
    });
    return this.clients;
  }

  private async openClients(): Promise<Clients> {
    const { topic } = this.spec;
    const c = this.connection;
    const admin = this.kafka.admin({ retry: { retries: c.retries } });
    let producer: Producer | undefined;
    let reader: Consumer | undefined;
    try {
      await admin.connect();
      await this.ensureTopic(admin);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitionMetadata = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
      if (partitionMetadata.length === 0) throw new UnavailableError(`topic ${topic} has no partitions in the cluster metadata`, { context: { topic } });
      const required = this.spec.requiredPartitions;
      if (required !== undefined && partitionMetadata.length !== required) {
        throw new ConfigurationError(
          `Kafka topic ${topic} (${this.spec.holds}) has ${partitionMetadata.length} partitions; it needs exactly ${required}: recreate it with ${required}`,
          { context: { topic, partitions: partitionMetadata.length } },
        );
      }
      producer = this.kafka.producer({
        idempotent: c.idempotentProducer,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: c.retries },
      });
      await producer.connect();
      // a fresh reader folds the topic from offset 0 into fresh state
      this.handler.reset();
      this.next.clear();
      this.readerJoined = false;
      reader = this.kafka.consumer({
        groupId: `${c.clientId}.tail.${randomUUID()}`,
        maxWaitTimeInMs: c.fetchMaxWaitMs,
        sessionTimeout: c.sessionTimeoutMs,
        heartbeatInterval: c.heartbeatIntervalMs,
        allowAutoTopicCreation: false,
        retry: { retries: c.retries },
      });
      reader.on(reader.events.GROUP_JOIN, () => {
        this.readerJoined = true;
      });
      reader.on(reader.events.CRASH, (event) => {
        if (event.payload.restart) return;
        this.readerFailed = true;
        this.rejectWaiters(toUnavailable(event.payload.error, 'tail read', topic));
      });
      await reader.connect();
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({ autoCommit: false, eachBatch: (payload) => this.readBatch(payload) });
      return { admin, producer, reader, partitionMetadata };
    } catch (error) {
      await Promise.allSettled([reader?.disconnect(), producer?.disconnect(), admin.disconnect()]);
      throw MemfabricError.is(error) ? error : toUnavailable(error, 'connect', topic);
    }
  }

  private async ensureTopic(admin: Admin): Promise<void> {
    const { topic, holds, partitions, configEntries } = this.spec;
    const c = this.connection;
    const settings = configEntries.map((e) => `${e.name}=${e.value}`).join(', ');
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) {
      if (!c.createTopic) {
        throw new ConfigurationError(
          `Kafka topic ${topic} (${holds}) does not exist: create it with ${partitions} partition(s) and ${settings}, or set createTopic: true`,
          { context: { topic } },
        );
      }
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions: partitions, replicationFactor: c.replicationFactor, configEntries: configEntries.map((e) => ({ ...e })) }],
        });
      } catch (error) {
        throw new UnavailableError(
          `Kafka topic ${topic} (${holds}) does not exist and could not be created (${(error as Error).message}); ` +
            `create it with ${partitions} partition(s) and ${settings}, then retry`,
          { cause: error, context: { topic } },
        );
      }
      return;
    }
    if (!c.checkTopicConfig) return;
    let described;
    try {
      described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: topic }] });
    } catch (error) {
      throw toUnavailable(error, 'describe topic configuration (set checkTopicConfig: false where the broker cannot answer DescribeConfigs)', topic);
    }
    const entries = new Map<string, string>();
    for (const resource of described.resources) {
      for (const entry of resource.configEntries) entries.set(entry.configName, entry.configValue);
    }
    const problems = this.spec.configProblems(entries);
    if (problems.length > 0) {
      throw new ConfigurationError(`Kafka topic ${topic} (${holds}) is configured against this store's guarantees: ${problems.join('; ')}`, {
        context: { topic, problems },
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the tail reader and waiting for it

  private async readBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const partition = batch.partition;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      const offset = Number(message.offset);
      // a restarted consumer may deliver records again: apply each offset once
      if (offset >= (this.next.get(partition) ?? 0)) {
        this.handler.apply(partition, message);
        this.next.set(partition, offset + 1);
      }
      payload.resolveOffset(message.offset);
    }
    this.notifyWaiters();
    await payload.heartbeat();
  }

  private notifyWaiters(): void {
    for (const waiter of this.waiters) {
      if (waiter.satisfied()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private rejectWaiters(error: Error): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }

  /**
   * Waits until the reader's next offset reaches `targets` (partition to offset) in every partition.
   * @throws UnavailableError after `catchUpTimeoutMs`, or when the reader fails or the tail closes.
   */
  protected async waitUntil(targets: ReadonlyMap<number, number>, what: string): Promise<void> {
    const lagging = (): number[] => [...targets].filter(([p, offset]) => (this.next.get(p) ?? 0) < offset).map(([p]) => p);
    if (lagging().length === 0) return;
    const { topic, barrierKey } = this.spec;
    const timeoutMs = this.connection.catchUpTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      // a reader that has joined and read nothing for several fetches while short of the end
      // offsets sits before records the cleaner removed: a barrier record moves the end past them
      let seen = '';
      let barrierSent = false;
      const stallCheck =
        barrierKey === undefined
          ? undefined
          : setInterval(() => {
              const behind = lagging();
              const now = behind.map((p) => `${p}:${this.next.get(p) ?? 0}`).join(',');
              if (this.readerJoined && behind.length > 0 && now === seen && !barrierSent) {
                barrierSent = true;
                void this.writeBarrier(barrierKey, behind);
              }
              seen = now;
            }, 3 * this.connection.fetchMaxWaitMs + 500);
      const finish = (): void => {
        clearTimeout(timer);
        if (stallCheck) clearInterval(stallCheck);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        finish();
        const behind = lagging()
          .map((p) => `partition ${p} at ${this.next.get(p) ?? 0} of ${targets.get(p)}`)
          .join(', ');
        reject(new UnavailableError(`the reader of ${topic} did not ${what} within ${timeoutMs} ms (${behind})`, { context: { topic } }));
      }, timeoutMs);
      const waiter: Waiter = {
        satisfied: () => lagging().length === 0,
        resolve: () => {
          finish();
          resolve();
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private async writeBarrier(key: string, partitions: readonly number[]): Promise<void> {
    try {
      const { producer } = await this.connect();
      await producer.send({ topic: this.spec.topic, acks: -1, messages: partitions.map((partition) => ({ key, value: null, partition })) });
    } catch {
      // best effort: the wait still times out with a clear error
    }
  }
}

async function disconnect(clients: Clients): Promise<void> {
  await Promise.allSettled([clients.reader.disconnect(), clients.producer.disconnect(), clients.admin.disconnect()]);
}
