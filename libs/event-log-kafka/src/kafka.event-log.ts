import { randomUUID } from 'node:crypto';
import { ConfigurationError, IdempotencyConflictError, MemfabricError, UnavailableError, ValidationError } from '@memfabric/errors';
import {
  advance,
  dedupeKey,
  openEvent,
  sameSubmission,
  sealEvent,
  verifyChain,
  type AppendOptions,
  type AppendResult,
  type BatchHandler,
  type ChainBreak,
  type Checkpoint,
  type ContentKey,
  type EventLog,
  type PositionedSealedEvent,
  type ReadAllOptions,
  type ReadPage,
  type ReadSealedOptions,
  type ReadStreamOptions,
  type SealedEvent,
  type SealedPage,
  type SealedStreamHead,
  type StreamInfo,
  type SubscribeOptions,
  type Subscription,
  type VerifyFilter,
  type VerifyReport,
} from '@memfabric/event-log';
import { newEventId, type NewEvent, type StoredEvent } from '@memfabric/events';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevels,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type PartitionMetadata,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { ATTR, ATTR_VALUE, formatTraceparent, injectTraceHeaders, memfabricTracer, SPAN } from '@memfabric/telemetry';
import { fromKafkaMessage, RecordFormatError, streamPartitionKey, toKafkaMessage, type KafkaEventMessage } from './cloudevents-binding.js';
import { resolveKafkaEventLogConfig, type KafkaEventLogConfig, type KafkaLogLevel, type ResolvedKafkaEventLogConfig } from './config.js';
import { toUnavailable } from './errors.js';
import { startKafkaSubscription } from './kafka.subscription.js';
import { LogIndex, type IndexedEvent } from './log-index.js';

const DEFAULT_LIMIT = 1000;

const LOG_LEVELS: Record<KafkaLogLevel, KafkaLogLevels> = {
  nothing: KafkaLogLevels.NOTHING,
  error: KafkaLogLevels.ERROR,
  warn: KafkaLogLevels.WARN,
  info: KafkaLogLevels.INFO,
  debug: KafkaLogLevels.DEBUG,
};

/** Which watermark a catch-up waits for. */
type CatchUpMode =
  /** Every record below the end offsets is in the index (from the reader or this writer). */
  | 'indexed'
  /** The tail reader itself has read up to the end offsets (the index holds the broker's copies). */
  | 'reread';

interface Waiter {
  readonly satisfied: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** The clients of one started log. */
interface Clients {
  readonly admin: Admin;
  readonly producer: Producer;
  readonly reader: Consumer;
  readonly partitionMetadata: PartitionMetadata[];
}

/**
 * The cluster adapter of the {@link EventLog} port: one Kafka topic through kafkajs.
 *
 * **Wire format.** CloudEvents Kafka protocol binding in binary content mode: every attribute of
 * the stored record is a `ce_<name>` header, the value is the JSON of the sealed (encrypted)
 * content, the key is `${tenantid}/${streamid}` and the partition is chosen by the Java-compatible
 * murmur2 partitioner over that key (or over the tenant id with `partitionBy: 'tenant'`), so a
 * stream stays in one partition, in order. Records and
 * hashes are those of `sealEvent`, identical to the embedded adapter's.
 *
 * **Positions.** `{ partition, offset }` are Kafka's; a checkpoint is the next offset per
 * partition; `end()` returns the high watermarks.
 *
 * **State (single writer per partition).** Kafka cannot answer "what is the head of this stream"
 * or "was this idempotency key used" by key. Like a Kafka Streams task restoring its state store
 * from a changelog, this log keeps a {@link LogIndex} in memory, filled by a tail reader (a
 * kafkajs consumer in a private, never-committing group `<clientId>.index.<uuid>`) that reads the
 * topic from offset 0. On first use it restores the whole topic up to the high watermarks: startup
 * costs one full read of the topic and memory holds every sealed record (ciphertext, never
 * plaintext). Every later call first asks the brokers for the end offsets (one ListOffsets round
 * trip) and waits until the index reaches them, so reads see every write acknowledged before the
 * call, from any process. The hash chain and idempotency are only guaranteed when **one writer
 * instance appends to a partition at a time** (run one writer, or partition writers by
 * tenant/stream); concurrent writers to one stream can fork its chain, which `verify()` reports.
 *
 * **Appends.** Serialised within the instance; one produce request with acks=all (-1). A batch's
 * events of one partition form one record batch, appended atomically by the broker. The idempotent
 * producer is used unless `idempotentProducer: false` (needed for librdkafka's mock cluster, whose
 * metadata names controller id 0, a broker that does not exist, so InitProducerId cannot be
 * routed); without it a retried request may store a record twice, which the index recognises by
 * event id and hash and ignores.
 *
 * **Reads.** `readStream`, `readAll`, `getEvent`, `listStreams` and `verify` are answered from the
 * index after the catch-up (decrypting with the key vault at read time, so erasure applies at
 * once); `verify` waits until the tail reader has read this writer's own records back, so it
 * checks the broker's copies. `subscribe` is a real consumer group; `committed` reads its offsets
 * with OffsetFetch.
 *
 * kafkajs is no longer actively maintained upstream; it is used only inside this adapter, behind
 * the port, so it can be replaced (for example by confluent-kafka-javascript) without touching
 * callers.
 */
export class KafkaEventLog implements EventLog {
  /** The validated configuration with defaults filled in. */
  readonly config: ResolvedKafkaEventLogConfig;
  private readonly kafka: Kafka;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private index = new LogIndex();
  private clients: Promise<Clients> | undefined;
  private readerFailed = false;
  private appendTail: Promise<unknown> = Promise.resolve();
  private readonly waiters = new Set<Waiter>();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  /**
   * Validates the configuration; does no I/O (the first call connects and restores).
   * @throws ConfigurationError naming every invalid setting.
   */
  constructor(config: KafkaEventLogConfig) {
    this.config = resolveKafkaEventLogConfig(config);
    const c = this.config;
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

  /**
   * Validates the configuration, connects and restores the index ({@link KafkaEventLog.start}).
   * @throws ConfigurationError for an invalid configuration or a missing topic that may not be created.
   * @throws UnavailableError when the brokers cannot be reached.
   */
  static async connect(config: KafkaEventLogConfig): Promise<KafkaEventLog> {
    const log = new KafkaEventLog(config);
    try {
      await log.start();
    } catch (error) {
      await log.close();
      throw error;
    }
    return log;
  }

  /**
   * The partition that holds a stream's events: murmur2 over the record key
   * (`${tenantid}/${streamid}`), or over the tenant id alone with `partitionBy: 'tenant'` (then
   * every event of a tenant is in one partition and its offsets order the whole tenant).
   * @throws UnavailableError when the brokers cannot be reached.
   */
  async partitionFor(tenantid: string, streamid: string): Promise<number> {
    const { partitionMetadata } = await this.connect();
    return this.partitionOfKey(partitionMetadata, tenantid, streamid);
  }

  private partitionOfKey(partitionMetadata: PartitionMetadata[], tenantid: string, streamid: string): number {
    const key = this.config.partitionBy === 'tenant' ? tenantid : streamPartitionKey(tenantid, streamid);
    return this.partitioner({ topic: this.config.topic, partitionMetadata, message: { key, value: null } });
  }

  /**
   * Connects, makes sure the topic exists (creating it when allowed) and restores the index by
   * reading the topic up to its end offsets. Every operation does this on first use; call it at
   * service start to fail fast and to pay the restore cost before traffic arrives.
   * @throws ConfigurationError when the topic is missing and `createTopic` is false.
   * @throws UnavailableError when the brokers cannot be reached or the restore times out.
   */
  async start(): Promise<void> {
    await this.sync('indexed');
  }

  // ---------------------------------------------------------------------------------------------
  // lifecycle

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('event log is closed', { context: { topic: this.config.topic } });
  }

  private connect(): Promise<Clients> {
    if (this.readerFailed) {
      const old = this.clients;
      this.clients = undefined;
      this.readerFailed = false;
      this.index = new LogIndex();
      if (old) void old.then((c) => this.disconnect(c)).catch(() => undefined);
    }
    this.clients ??= this.openClients().catch((error: unknown) => {
      this.clients = undefined;
      throw error;
    });
    return this.clients;
  }

  private async openClients(): Promise<Clients> {
    const { topic } = this.config;
    const admin = this.kafka.admin({ retry: { retries: this.config.retries } });
    let producer: Producer | undefined;
    let reader: Consumer | undefined;
    try {
      await admin.connect();
      await this.ensureTopic(admin);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitionMetadata = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
      if (partitionMetadata.length === 0) throw new UnavailableError(`topic ${topic} has no partitions in the cluster metadata`);
      producer = this.kafka.producer({
        idempotent: this.config.idempotentProducer,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: this.config.retries },
      });
      await producer.connect();
      reader = this.createConsumer(`${this.config.clientId}.index.${randomUUID()}`);
      reader.on(reader.events.CRASH, (event) => {
        if (event.payload.restart) return;
        this.readerFailed = true;
        this.rejectWaiters(toUnavailable(event.payload.error, 'tail read', topic));
      });
      await reader.connect();
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({ autoCommit: false, eachBatch: (payload) => this.indexBatch(payload) });
      return { admin, producer, reader, partitionMetadata };
    } catch (error) {
      await Promise.allSettled([reader?.disconnect(), producer?.disconnect(), admin.disconnect()]);
      throw MemfabricError.is(error) ? error : toUnavailable(error, 'connect', topic);
    }
  }

  private async ensureTopic(admin: Admin): Promise<void> {
    const { topic, partitions, replicationFactor, createTopic } = this.config;
    const topics = await admin.listTopics();
    if (topics.includes(topic)) return;
    if (!createTopic) {
      throw new ConfigurationError(
        `Kafka topic ${topic} does not exist: create it (retention.ms=-1, ${partitions} partitions) or set createTopic: true`,
        { context: { topic } },
      );
    }
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor,
            // the log is the system of record: never expire or compact it
            configEntries: [
              { name: 'retention.ms', value: '-1' },
              { name: 'retention.bytes', value: '-1' },
              { name: 'cleanup.policy', value: 'delete' },
            ],
          },
        ],
      });
    } catch (error) {
      throw new UnavailableError(
        `Kafka topic ${topic} does not exist and could not be created (${(error as Error).message}); ` +
          `create it with ${partitions} partitions and retention.ms=-1, then retry`,
        { cause: error, context: { topic } },
      );
    }
  }

  /** A kafkajs consumer with this log's fetch and session settings. */
  private createConsumer(groupId: string): Consumer {
    return this.kafka.consumer({
      groupId,
      maxWaitTimeInMs: this.config.fetchMaxWaitMs,
      sessionTimeout: this.config.sessionTimeoutMs,
      heartbeatInterval: this.config.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
      retry: { retries: this.config.retries },
    });
  }

  private async disconnect(clients: Clients): Promise<void> {
    await Promise.allSettled([clients.reader.disconnect(), clients.producer.disconnect(), clients.admin.disconnect()]);
  }

  /** Releases every client and stops every subscription. The log cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    this.rejectWaiters(new UnavailableError('event log is closed'));
    const clients = this.clients;
    this.clients = undefined;
    if (clients) {
      const opened = await clients.catch(() => undefined);
      if (opened) await this.disconnect(opened);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the tail reader and catch-up

  private async indexBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    let complete = true;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) {
        complete = false;
        break;
      }
      const position = { partition: batch.partition, offset: Number(message.offset) };
      try {
        this.index.apply(position, fromKafkaMessage(message.headers, message.value), 'broker');
      } catch (error) {
        if (!(error instanceof RecordFormatError)) throw error;
        this.index.skippedRecords += 1;
      }
      this.index.markRead(batch.partition, position.offset + 1);
      payload.resolveOffset(message.offset);
    }
    if (complete && batch.messages.length > 0) this.index.markRead(batch.partition, Number(batch.lastOffset()) + 1);
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
   * Connects on first use, then waits until the index has every record below the brokers'
   * current end offsets.
   * @throws UnavailableError when the brokers cannot be reached or the index does not get there
   *   within `catchUpTimeoutMs`.
   */
  private async sync(mode: CatchUpMode): Promise<Clients> {
    this.assertOpen();
    const clients = await this.connect();
    let ends: { partition: number; high: string; low: string }[];
    try {
      ends = await clients.admin.fetchTopicOffsets(this.config.topic);
    } catch (error) {
      throw toUnavailable(error, 'end offsets', this.config.topic);
    }
    const index = this.index;
    const reached = (p: number): number => (mode === 'indexed' ? index.indexedUpTo(p) : index.readerAt(p));
    const lagging = () =>
      ends.filter(({ partition, high, low }) => Number(high) > Number(low) && reached(partition) < Number(high));
    if (lagging().length === 0) return clients;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const behind = lagging()
          .map(({ partition, high }) => `partition ${partition} at ${reached(partition)} of ${high}`)
          .join(', ');
        reject(
          new UnavailableError(`the event index of topic ${this.config.topic} did not catch up within ${this.config.catchUpTimeoutMs} ms (${behind})`, {
            context: { topic: this.config.topic },
          }),
        );
      }, this.config.catchUpTimeoutMs);
      const waiter: Waiter = {
        satisfied: () => lagging().length === 0,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
    return clients;
  }

  // ---------------------------------------------------------------------------------------------
  // reading

  /** Decrypts indexed events, fetching each content key once per call. */
  private async open(entries: readonly IndexedEvent[]): Promise<StoredEvent[]> {
    const keys = new Map<string, ContentKey | undefined>();
    const out: StoredEvent[] = [];
    for (const { sealed, position } of entries) {
      const keyid = sealed.record.content.keyid;
      if (!keys.has(keyid)) keys.set(keyid, await this.config.vault.findKey(keyid));
      out.push(openEvent(sealed, position, keys.get(keyid), this.config.cipher, this.config.upcasters));
    }
    return out;
  }

  /** One event by id (from the index), decrypted; `undefined` when unknown. */
  async getEvent(id: string): Promise<StoredEvent | undefined> {
    await this.sync('indexed');
    const entry = this.index.findById(id);
    return entry ? (await this.open([entry]))[0] : undefined;
  }

  /** A stream's events in stream order from the index, decrypted at read time. */
  async readStream(tenantid: string, streamid: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    await this.sync('indexed');
    const from = options.fromStreamPosition ?? 1;
    const limit = options.limit ?? DEFAULT_LIMIT;
    const selected = this.index
      .stream(tenantid, streamid)
      .filter((e) => e.sealed.record.streamposition >= from)
      .slice(0, Math.max(0, limit));
    return this.open(selected);
  }

  /**
   * The log in position order from a checkpoint: partition by partition (ascending), by offset
   * within one. Only the gap-free prefix of each partition is returned.
   */
  async readAll(options: ReadAllOptions = {}): Promise<ReadPage> {
    await this.sync('indexed');
    const from = options.from ?? {};
    const entries = this.index.scan(from, options.limit ?? DEFAULT_LIMIT, options.tenantid);
    const events = await this.open(entries);
    return { events, next: advance(from, entries.map((e) => e.position)) };
  }

  /**
   * The log as of transaction time `time` (see {@link EventLog.positionAt}): per partition, the
   * offset past its highest-offset event whose `recordedat` is at or before `time`, from the
   * index after the catch-up. Each writer stamps `recordedat` with its own clock, so across
   * partitions the cut is only as consistent as the writers' clocks.
   * @throws ValidationError when `time` is not a valid date.
   */
  async positionAt(time: Date): Promise<Checkpoint> {
    if (!(time instanceof Date) || Number.isNaN(time.getTime())) {
      throw new ValidationError('positionAt needs a valid Date', [{ pointer: '/time', detail: 'must be a valid date' }]);
    }
    await this.sync('indexed');
    return this.index.positionAt(time.toISOString());
  }

  /**
   * Records as the brokers returned them to the tail reader (waits until it has read back this
   * instance's own appends), partition by partition; see {@link EventLog.readSealed}.
   */
  async readSealed(options: ReadSealedOptions = {}): Promise<SealedPage> {
    await this.sync('reread');
    const from = options.from ?? {};
    const entries = this.index.scan(from, options.limit ?? DEFAULT_LIMIT, options.tenantid, options.to);
    return { events: entries.map(positioned), next: advance(from, entries.map((e) => e.position)) };
  }

  /** One stream's records as the brokers store them, in stream order; see {@link EventLog.readSealedStream}. */
  async readSealedStream(tenantid: string, streamid: string, options: ReadStreamOptions = {}): Promise<PositionedSealedEvent[]> {
    await this.sync('reread');
    const from = options.fromStreamPosition ?? 1;
    return this.index
      .stream(tenantid, streamid)
      .filter((e) => e.sealed.record.streamposition >= from)
      .slice(0, Math.max(0, options.limit ?? DEFAULT_LIMIT))
      .map(positioned);
  }

  /**
   * Every stream's head from the index (one synchronous pass, so one snapshot) after the tail
   * reader has read back this instance's own appends; see {@link EventLog.streamHeads}.
   */
  async streamHeads(tenantid?: string): Promise<SealedStreamHead[]> {
    await this.sync('reread');
    return this.index.heads(tenantid).map(({ position, sealed }) => ({
      tenantid: sealed.record.tenantid, streamid: sealed.record.streamid, streamposition: sealed.record.streamposition,
      id: sealed.record.id, hash: sealed.hash, partition: position.partition, offset: position.offset,
    }));
  }

  /** Streams with their lengths, ordered by tenant then stream id. */
  async listStreams(tenantid?: string): Promise<StreamInfo[]> {
    await this.sync('indexed');
    return this.index.listStreams(tenantid);
  }

  /** The high watermark (next offset) of every partition: one ListOffsets request. */
  async end(): Promise<Checkpoint> {
    this.assertOpen();
    const { admin } = await this.connect();
    try {
      const ends = await admin.fetchTopicOffsets(this.config.topic);
      return Object.fromEntries(ends.map(({ partition, high }) => [partition, Number(high)]));
    } catch (error) {
      throw toUnavailable(error, 'end offsets', this.config.topic);
    }
  }

  /** Offsets committed by Kafka consumer group `group` (OffsetFetch); empty when it never committed. */
  async committed(group: string): Promise<Checkpoint> {
    this.assertOpen();
    const { admin } = await this.connect();
    try {
      const [topic] = await admin.fetchOffsets({ groupId: group, topics: [this.config.topic] });
      const checkpoint: Record<number, number> = {};
      for (const { partition, offset } of topic?.partitions ?? []) {
        if (Number(offset) >= 0) checkpoint[partition] = Number(offset);
      }
      return checkpoint;
    } catch (error) {
      throw toUnavailable(error, 'committed offsets', this.config.topic);
    }
  }

  /**
   * Recomputes the selected streams' hash chains over the records as the brokers returned them to the tail
   * reader (waits until it has read back this instance's own appends). Cost: every selected
   * stream's events, hashed once, from memory.
   */
  async verify(filter: VerifyFilter = {}): Promise<VerifyReport> {
    await this.sync('reread');
    const streams = this.index
      .listStreams(filter.tenantid)
      .filter((s) => filter.streamid === undefined || s.streamid === filter.streamid);
    let events = 0;
    for (const stream of streams) {
      const entries = this.index.stream(stream.tenantid, stream.streamid);
      let count = 0;
      const sealed = function* (): Generator<SealedEvent> {
        for (const entry of entries) {
          count += 1;
          yield entry.sealed;
        }
      };
      let firstBroken: ChainBreak | undefined;
      try {
        firstBroken = verifyChain(sealed());
      } catch (cause) {
        firstBroken = {
          tenantid: stream.tenantid, streamid: stream.streamid, id: entries[count - 1]?.sealed.record.id ?? 'unknown',
          streamposition: count, reason: `unreadable record: ${(cause as Error).message}`,
        };
      }
      events += count;
      if (firstBroken) return { streams: streams.length, events, valid: false, firstBroken };
    }
    return { streams: streams.length, events, valid: true };
  }

  // ---------------------------------------------------------------------------------------------
  // appending

  /**
   * Appends a batch, idempotently (see {@link EventLog.append}). Serialised per instance. Events
   * are sealed with `recordedat` = now (ms, UTC) and one generated `batchid` per call unless
   * given. The write is one produce request per partition leader with acks=all (-1); the returned
   * positions are the broker's offsets.
   * @throws IdempotencyConflictError when a known key (or id) arrives with different content; nothing is written.
   * @throws UnavailableError when the brokers cannot be reached or do not acknowledge (retriable; a
   *   retry with the same idempotency keys or ids is safe).
   */
  append(events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult[]> {
    const run = this.appendTail.then(() => {
      this.assertOpen();
      return this.appendNow(events, options);
    });
    this.appendTail = run.catch(() => undefined);
    return run;
  }

  /**
   * One append as a PRODUCER span `send <topic>` (OpenTelemetry messaging semconv): its context
   * becomes the `traceparent` of every new event that carries none (the CloudEvents Distributed
   * Tracing extension, stored and hashed with the record) and is injected as the W3C
   * `traceparent` / `tracestate` headers of every message. Without an SDK the span is the no-op
   * one and nothing is added.
   */
  private async appendNow(events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult[]> {
    if (events.length === 0) return [];
    const span = memfabricTracer().startSpan(SPAN.kafkaSend(this.config.topic), {
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR.messagingSystem]: ATTR_VALUE.messagingSystemKafka,
        [ATTR.messagingDestinationName]: this.config.topic,
        [ATTR.messagingOperationType]: ATTR_VALUE.operationSend,
        [ATTR.messagingOperationName]: ATTR_VALUE.operationSend,
      },
    });
    try {
      const results = await context.with(trace.setSpan(context.active(), span), () => this.appendInSpan(events, options, span));
      span.end();
      return results;
    } catch (error) {
      span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : typeof error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.end();
      throw error;
    }
  }

  private async appendInSpan(events: readonly NewEvent[], options: AppendOptions, span: Span): Promise<AppendResult[]> {
    const traceparent = formatTraceparent(span.spanContext());
    const { producer, partitionMetadata } = await this.sync('indexed');
    const index = this.index;
    const { topic, vault, cipher } = this.config;
    const batchid = options.batchid ?? newEventId();
    const recordedat = new Date().toISOString();

    type Planned = {
      readonly kind: 'new';
      readonly sealed: SealedEvent;
      readonly message: KafkaEventMessage;
      readonly partition: number;
      readonly event: NewEvent;
    };
    type Repeat = { readonly kind: 'duplicate'; readonly of: IndexedEvent | number };
    const plan: (Planned | Repeat)[] = [];
    const pendingByDedupe = new Map<string, number>();
    const pendingById = new Map<string, number>();
    const heads = new Map<string, { streamposition: number; hash: string }>();
    const keys = new Map<string, ContentKey>();

    for (const event of events) {
      const dedupe = dedupeKey(event);
      const tenantKey = JSON.stringify([event.tenantid, dedupe]);
      const earlierInBatch = pendingByDedupe.get(tenantKey) ?? pendingById.get(event.id);
      if (earlierInBatch !== undefined) {
        const first = plan[earlierInBatch] as Planned;
        this.assertSameSubmission(event, first.event.tenantid, this.asSubmitted(first.event), first.event.id);
        plan.push({ kind: 'duplicate', of: earlierInBatch });
        continue;
      }
      const stored = index.findByDedupe(event.tenantid, dedupe) ?? index.findById(event.id);
      if (stored) {
        const [opened] = await this.open([stored]);
        this.assertSameSubmission(event, stored.sealed.record.tenantid, opened!, stored.sealed.record.id);
        plan.push({ kind: 'duplicate', of: stored });
        continue;
      }
      const streamKey = JSON.stringify([event.tenantid, event.streamid]);
      const head = heads.get(streamKey) ?? index.head(event.tenantid, event.streamid);
      const subjectKey = JSON.stringify([event.tenantid, event.datasubject]);
      let key = keys.get(subjectKey);
      if (!key) keys.set(subjectKey, (key = await vault.activeKey(event.tenantid, event.datasubject)));
      const traced = traceparent !== undefined && event.traceparent === undefined ? { ...event, traceparent } : event;
      const sealed = sealEvent(traced, { streamposition: head.streamposition + 1, prevhash: head.hash, recordedat, batchid }, key, cipher);
      heads.set(streamKey, { streamposition: sealed.record.streamposition, hash: sealed.hash });
      const message = toKafkaMessage(sealed);
      if (traceparent !== undefined) injectTraceHeaders(message.headers);
      const partition = this.partitionOfKey(partitionMetadata, event.tenantid, event.streamid);
      pendingByDedupe.set(tenantKey, plan.length);
      pendingById.set(event.id, plan.length);
      plan.push({ kind: 'new', sealed, message, partition, event });
    }

    const fresh = plan.filter((p): p is Planned => p.kind === 'new');
    const stored = new Map<number, IndexedEvent>();
    if (fresh.length > 0) {
      let metadata;
      try {
        metadata = await producer.send({
          topic,
          acks: -1,
          timeout: this.config.requestTimeoutMs,
          messages: fresh.map(({ message, partition }) => ({ key: message.key, value: message.value, headers: { ...message.headers }, partition })),
        });
      } catch (error) {
        throw toUnavailable(error, 'append', topic);
      }
      const nextOffset = new Map<number, number>();
      for (const m of metadata) {
        if (m.topicName === topic && m.baseOffset !== undefined) nextOffset.set(m.partition, Number(m.baseOffset));
      }
      if (span.isRecording()) {
        span.setAttribute(ATTR.messagingBatchMessageCount, fresh.length);
        span.setAttribute(ATTR.eventCount, fresh.length);
        if (fresh.length === 1) {
          span.setAttribute(ATTR.messagingKafkaMessageKey, fresh[0]!.message.key);
          span.setAttribute(ATTR.messagingMessageId, fresh[0]!.sealed.record.id);
        }
        if (nextOffset.size === 1) {
          const [partition, offset] = [...nextOffset][0]!;
          span.setAttribute(ATTR.messagingPartitionId, String(partition));
          span.setAttribute(ATTR.messagingKafkaOffset, offset);
        }
      }
      for (let i = 0; i < plan.length; i += 1) {
        const step = plan[i]!;
        if (step.kind !== 'new') continue;
        const offset = nextOffset.get(step.partition);
        if (offset === undefined) {
          throw new UnavailableError(`Kafka acknowledged the append without an offset for partition ${step.partition}`, { context: { topic } });
        }
        nextOffset.set(step.partition, offset + 1);
        stored.set(i, index.apply({ partition: step.partition, offset }, step.sealed, 'writer'));
      }
      this.notifyWaiters();
    }

    return plan.map((step, i): AppendResult => {
      const entry = step.kind === 'new' ? stored.get(i)! : typeof step.of === 'number' ? stored.get(step.of)! : step.of;
      const { record } = entry.sealed;
      return {
        id: record.id, tenantid: record.tenantid, streamid: record.streamid, streamposition: record.streamposition,
        partition: entry.position.partition, offset: entry.position.offset, duplicate: step.kind === 'duplicate',
      };
    });
  }

  /** A not-yet-stored event in the shape `sameSubmission` compares against (data upcast). */
  private asSubmitted(event: NewEvent): StoredEvent {
    const upcast = this.config.upcasters.upcast(event.dataschema, event.data);
    return { ...event, data: upcast.data } as unknown as StoredEvent;
  }

  private assertSameSubmission(event: NewEvent, storedTenant: string, stored: StoredEvent, storedId: string): void {
    if (storedTenant === event.tenantid && sameSubmission(event, stored)) return;
    const what = event.idempotencykey !== undefined ? `idempotency key "${event.idempotencykey}"` : `event id ${event.id}`;
    throw new IdempotencyConflictError(`${what} was already used for a different event`, {
      context: { tenantid: event.tenantid, existingId: storedId },
    });
  }

  // ---------------------------------------------------------------------------------------------
  // consumer groups

  /**
   * Runs `handler` as a kafkajs consumer in Kafka consumer group `group` (auto-commit off): each
   * handler call gets at most `maxBatch` events of one partition, and its last offset + 1 is
   * committed after the handler resolves. A rejected handler: no commit, `onError`, the member
   * leaves the group and `closed` resolves. Joining a new or empty group waits for the broker's
   * `group.initial.rebalance.delay.ms` (3 s by default, also in librdkafka's mock cluster).
   */
  subscribe(group: string, handler: BatchHandler, options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    if (typeof group !== 'string' || group === '') throw new ConfigurationError('a consumer group id must be a non-empty string');
    const subscription = startKafkaSubscription(
      {
        topic: this.config.topic,
        createConsumer: (groupId) => this.createConsumer(groupId),
        decode: (partition, messages) => this.decodeMessages(partition, messages),
        onClosed: (s) => this.subscriptions.delete(s),
      },
      group,
      handler,
      options,
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async decodeMessages(partition: number, messages: readonly KafkaMessage[]): Promise<StoredEvent[]> {
    const entries: IndexedEvent[] = [];
    for (const message of messages) {
      try {
        entries.push({ position: { partition, offset: Number(message.offset) }, sealed: fromKafkaMessage(message.headers, message.value) });
      } catch (error) {
        if (!(error instanceof RecordFormatError)) throw error;
      }
    }
    return this.open(entries);
  }

  /** Counters of the in-memory index, for metrics and tests. */
  stats(): { events: number; skippedRecords: number; retryDuplicates: number } {
    return { events: this.index.size, skippedRecords: this.index.skippedRecords, retryDuplicates: this.index.retryDuplicates };
  }
}

function positioned({ position, sealed }: IndexedEvent): PositionedSealedEvent {
  return { ...sealed, partition: position.partition, offset: position.offset };
}
