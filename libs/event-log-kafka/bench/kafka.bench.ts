/**
 * Throughput and rebalancing of the Kafka adapter on librdkafka's mock cluster
 * (`npm run bench:kafka`).
 *
 * Starts `kafka-mock-cluster` (`$MEMFABRIC_KAFKA_MOCK_BIN`, default `.ci/bin/kafka-mock-cluster`)
 * with two pre-created topics, `bench.port` and `bench.raw`, then measures, in one run:
 *
 * 1. **produce through the port**: `KafkaEventLog.append` of events of about 1.15 KiB (the
 *    events of `bench:ingest`) at each batch size, one `bench.port` topic for all runs (events/s;
 *    the index grows across runs, as it does in a service);
 * 2. **raw kafkajs produce** of the same records (the same events sealed beforehand, the same
 *    CloudEvents headers, key, partition, acks=all, one request in flight) to `bench.raw`: the
 *    port's overhead is `port / raw` from the same run;
 * 3. **consume**: a new consumer group reading `bench.port` back from offset 0 through
 *    `EventLog.subscribe` (decode, hash-chain record rebuild, decryption, commit per batch), and a
 *    raw kafkajs `eachBatch` consumer over `bench.raw` counting messages; events/s from the first
 *    delivery to the last (the group join before the first delivery is reported separately);
 * 4. **rebalance**: while a writer appends `--live-batch` events every `--live-interval` ms, a
 *    second member joins the group of (3) and later leaves it (LeaveGroup); reported: ms from the
 *    join (`subscribe`) to the new member's first delivery, ms from the leave (`stop`) to the
 *    remaining member's first delivery from a partition the leaver held, the partitions each
 *    member held, and the counts: events appended, deliveries, distinct events delivered, events
 *    never delivered (lost) and redeliveries (at-least-once: a batch whose commit a rebalance
 *    rejected is delivered again; a handler that applies effects by event id applies it once).
 *
 * Every figure is checked against the topic's low watermarks: the mock keeps at most 5 MiB or
 * 100,000 record batches per partition and drops the oldest beyond that
 * (`rd_kafka_mock_partition_log_append`, librdkafka 2.0.2), so a run that writes more is
 * stopped with an error naming the dropped counts before the consume phase (and `trimmed`, the
 * sum of the low watermarks at the end, is 0 in every report).
 *
 * Options: --events N (events per batched run, default 4000), --single N (events of the run with
 * batch size 1, default 500), --batches LIST (default 1,100,1000), --partitions N (default 6),
 * --brokers N (mock brokers, default 3), --live-batch N (default 20), --live-interval MS
 * (default 50), --session-timeout MS (default 3000), --json (one JSON object on stdout instead of a table).
 *
 * @throws Error (exit code 1) when the launcher is missing, an option is not a positive
 *   integer, or a phase does not finish within its timeout.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { Kafka, Partitioners, logLevel, type Admin, type Producer } from 'kafkajs';
import { AesGcmContentCipher, InMemoryKeyVault } from '@memfabric/crypto';
import { sealEvent, type Subscription } from '@memfabric/event-log';
import { GENESIS_HASH, normalizeEvent, type NewEvent, type StoredEvent } from '@memfabric/events';
import { KafkaEventLog, toKafkaMessage, type KafkaEventLogConfig, type KafkaEventMessage } from '../src/index.js';
import { mockClusterBinary, startKafkaMockCluster, type MockCluster } from '../src/testing/index.js';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`must be a positive integer, got "${value}"`);
  return n;
}

/**
 * The mock holds a new group's first JoinGroup for 3 s and, meanwhile, expires members silent for
 * longer than the session timeout: below 3 s the joining member is dropped and its JoinGroup is
 * never answered.
 */
function sessionTimeout(value: string): number {
  const n = positiveInteger(value);
  if (n < 3000) throw new InvalidArgumentError(`must be at least 3000 ms (the mock's first join takes 3 s), got ${n}`);
  return n;
}

function batchList(value: string): number[] {
  const sizes = value.split(',').map((part) => positiveInteger(part.trim()));
  if (sizes.length === 0) throw new InvalidArgumentError('must list at least one batch size');
  return sizes;
}

const options = new Command()
  .name('kafka.bench')
  .description('Produce, consume and rebalance figures of the Kafka event log on librdkafka\'s mock cluster')
  .option('--events <n>', 'events per batched produce run', positiveInteger, 4000)
  .option('--single <n>', 'events of the run with batch size 1', positiveInteger, 500)
  .option('--batches <list>', 'comma-separated batch sizes', batchList, [1, 100, 1000])
  .option('--partitions <n>', 'partitions of each topic', positiveInteger, 6)
  .option('--brokers <n>', 'mock brokers', positiveInteger, 3)
  .option('--live-batch <n>', 'events per append while the group rebalances', positiveInteger, 20)
  .option('--live-interval <ms>', 'ms between those appends', positiveInteger, 50)
  .option('--session-timeout <ms>', 'consumer-group session timeout, at least 3000 (the mock delays a rejoin by this minus 1 s)', sessionTimeout, 3000)
  .option('--json', 'print one JSON object instead of a table', false)
  .parse()
  .opts<{ events: number; single: number; batches: number[]; partitions: number; brokers: number; liveBatch: number; liveInterval: number; sessionTimeout: number; json: boolean }>();

const PORT_TOPIC = 'bench.port';
const RAW_TOPIC = 'bench.raw';
/** Longest wait for any one phase (a group join on the mock takes about 3 s). */
const PHASE_TIMEOUT_MS = 60_000;
/** How long both members deliver after a rebalance before the bench records who holds which partition, in ms. */
const SETTLE_MS = 500;

const words = 'we talked about the support group the painting class and the trip to the lake last summer'.split(' ');
let nextEvent = 0;
/** The `bench:ingest` event: ~700 characters of content, 16 tenants, 64 streams, an idempotency key. */
function makeEvent(): NewEvent {
  const i = nextEvent;
  nextEvent += 1;
  let content = '';
  while (content.length < 700) content += `${words[(i + content.length) % words.length]} `;
  return normalizeEvent({
    source: 'urn:memfabric:bench',
    type: 'interaction.recorded',
    time: new Date(Date.UTC(2023, 4, 8) + i * 1000).toISOString(),
    tenantid: `tenant-${i % 16}`,
    streamid: `session-${i % 64}`,
    actor: `agent-${i % 8}`,
    idempotencykey: `bench:${i}`,
    data: { kind: 'message', role: 'user', content, speaker: `agent-${i % 8}` },
  });
}

const seconds = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;
const round = (n: number, digits = 0): number => Number(n.toFixed(digits));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10 ms. @throws Error naming `what` after {@link PHASE_TIMEOUT_MS}. */
async function waitUntil(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${PHASE_TIMEOUT_MS} ms waiting for ${what}`);
    await sleep(10);
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

const vault = new InMemoryKeyVault();
const cipher = new AesGcmContentCipher();

function logConfig(brokers: string[]): KafkaEventLogConfig {
  return {
    brokers,
    topic: PORT_TOPIC,
    clientId: 'memfabric-bench',
    createTopic: false,
    vault,
    cipher,
    // the mock's metadata names controller 0, which does not exist: no InitProducerId
    idempotentProducer: false,
    // the mock answers an empty fetch only after the full wait
    fetchMaxWaitMs: 50,
    // the mock delays a join after a leave by the session timeout minus 1 s
    sessionTimeoutMs: options.sessionTimeout,
    heartbeatIntervalMs: Math.min(500, Math.floor(options.sessionTimeout / 3)),
    catchUpTimeoutMs: PHASE_TIMEOUT_MS,
    logLevel: 'error',
  };
}

/** Seals events as the port would (own chain heads, one batch id) and maps them to Kafka messages. */
async function sealForRaw(events: readonly NewEvent[]): Promise<KafkaEventMessage[]> {
  const heads = new Map<string, { streamposition: number; hash: string }>();
  const out: KafkaEventMessage[] = [];
  const recordedat = new Date().toISOString();
  for (const event of events) {
    const stream = `${event.tenantid}/${event.streamid}`;
    const head = heads.get(stream) ?? { streamposition: 0, hash: GENESIS_HASH };
    const key = await vault.activeKey(event.tenantid, event.datasubject);
    const sealed = sealEvent(event, { streamposition: head.streamposition + 1, prevhash: head.hash, recordedat, batchid: 'bench' }, key, cipher);
    heads.set(stream, { streamposition: sealed.record.streamposition, hash: sealed.hash });
    out.push(toKafkaMessage(sealed));
  }
  return out;
}

interface ProduceResult {
  readonly path: 'port' | 'raw';
  readonly batch: number;
  readonly events: number;
  readonly avgRecordBytes: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

async function producePort(log: KafkaEventLog, events: readonly NewEvent[], batch: number, ids: Set<string>): Promise<ProduceResult> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < events.length; i += batch) {
    for (const result of await log.append(events.slice(i, i + batch))) ids.add(result.id);
  }
  const s = seconds(started);
  return { path: 'port', batch, events: events.length, avgRecordBytes: 0, seconds: round(s, 3), eventsPerSecond: Math.round(events.length / s) };
}

async function produceRaw(producer: Producer, messages: readonly KafkaEventMessage[], batch: number): Promise<ProduceResult> {
  const bytes = messages.reduce((n, m) => n + Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + Object.entries(m.headers).reduce((h, [k, v]) => h + k.length + Buffer.byteLength(v), 0), 0);
  const started = process.hrtime.bigint();
  for (let i = 0; i < messages.length; i += batch) {
    await producer.send({
      topic: RAW_TOPIC,
      acks: -1,
      messages: messages.slice(i, i + batch).map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
    });
  }
  const s = seconds(started);
  return { path: 'raw', batch, events: messages.length, avgRecordBytes: Math.round(bytes / messages.length), seconds: round(s, 3), eventsPerSecond: Math.round(messages.length / s) };
}

/** A consumer-group member of the bench: what it was delivered, from which partitions, when. */
class Member {
  deliveries = 0;
  firstDeliveryAt: number | undefined;
  lastDeliveryAt: number | undefined;
  /** Partition of every delivery after `markAt`, with its time (ms, `performance.now()`). */
  readonly since: { partition: number; at: number }[] = [];
  subscription: Subscription | undefined;
  error: unknown;

  constructor(
    readonly name: string,
    private readonly seen: Map<string, number>,
  ) {}

  readonly handler = (events: readonly StoredEvent[]): Promise<void> => {
    const at = performance.now();
    this.firstDeliveryAt ??= at;
    this.lastDeliveryAt = at;
    for (const event of events) {
      this.deliveries += 1;
      this.seen.set(event.id, (this.seen.get(event.id) ?? 0) + 1);
      this.since.push({ partition: event.partition, at });
    }
    return Promise.resolve();
  };

  partitionsAfter(at: number): number[] {
    return [...new Set(this.since.filter((d) => d.at >= at).map((d) => d.partition))].sort((a, b) => a - b);
  }
}

/** Records the mock dropped from the start of each topic: the sum of its partitions' low watermarks. */
async function droppedRecords(admin: Admin): Promise<Record<string, number>> {
  const offsets = await Promise.all([PORT_TOPIC, RAW_TOPIC].map((topic) => admin.fetchTopicOffsets(topic)));
  return Object.fromEntries([PORT_TOPIC, RAW_TOPIC].map((topic, i) => [topic, offsets[i]!.reduce((n, p) => n + Number(p.low), 0)]));
}

async function main(): Promise<void> {
  const binary = mockClusterBinary(process.env);
  const cluster: MockCluster = await startKafkaMockCluster({
    binary,
    brokers: options.brokers,
    topics: [
      { name: PORT_TOPIC, partitions: options.partitions },
      { name: RAW_TOPIC, partitions: options.partitions },
    ],
  });
  const kafka = new Kafka({ clientId: 'memfabric-bench-raw', brokers: cluster.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: false, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const log = new KafkaEventLog(logConfig(cluster.brokers));
  const subscriptions: Subscription[] = [];
  let rawConsumer: ReturnType<Kafka['consumer']> | undefined;
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    const startedLog = process.hrtime.bigint();
    await log.start();
    const startMs = Math.round(seconds(startedLog) * 1000);

    // 1 + 2: produce through the port and raw, batch size by batch size
    const appended = new Set<string>();
    const produce: ProduceResult[] = [];
    let sealSeconds = 0;
    let sealedEvents = 0;
    for (const batch of options.batches) {
      const count = batch === 1 ? options.single : options.events;
      const events = Array.from({ length: count }, () => makeEvent());
      produce.push(await producePort(log, events, batch, appended));
      const sealStarted = process.hrtime.bigint();
      const messages = await sealForRaw(events);
      sealSeconds += seconds(sealStarted);
      sealedEvents += count;
      const raw = await produceRaw(producer, messages, batch);
      produce.push(raw);
      const port = produce.at(-2)!;
      produce[produce.length - 2] = { ...port, avgRecordBytes: raw.avgRecordBytes };
    }
    const backlog = appended.size;
    const trimmedBeforeConsume = await droppedRecords(admin);
    if (trimmedBeforeConsume[PORT_TOPIC]! > 0 || trimmedBeforeConsume[RAW_TOPIC]! > 0) {
      throw new Error(
        `the mock cluster dropped the oldest records (${JSON.stringify(trimmedBeforeConsume)}): it keeps at most 5 MiB or 100,000 ` +
          'record batches per partition; lower --events or raise --partitions',
      );
    }
    const rawBacklog = produce.filter((p) => p.path === 'raw').reduce((n, p) => n + p.events, 0);

    // 3: consume from offset 0, through the port (member A of the bench group) and raw. Both
    // groups join at once (the mock holds a new group's first join for 3 s); the raw member
    // holds its first batch, heartbeating, until the port consumer has read the backlog.
    let rawCount = 0;
    let rawJoinedAt: number | undefined;
    const rawGate: { openedAt?: number } = {};
    let rawLast: number | undefined;
    rawConsumer = kafka.consumer({ groupId: `bench.raw.${randomUUID()}`, maxWaitTimeInMs: 50, sessionTimeout: options.sessionTimeout, heartbeatInterval: Math.min(500, Math.floor(options.sessionTimeout / 3)) });
    const rawSubscribed = performance.now();
    await rawConsumer.connect();
    await rawConsumer.subscribe({ topic: RAW_TOPIC, fromBeginning: true });
    await rawConsumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning }) => {
        rawJoinedAt ??= performance.now();
        while (rawGate.openedAt === undefined && isRunning()) {
          await heartbeat();
          await sleep(50);
        }
        rawCount += batch.messages.length;
        rawLast = performance.now();
        const last = batch.messages.at(-1);
        if (last) {
          resolveOffset(last.offset);
          await commitOffsetsIfNecessary({ topics: [{ topic: RAW_TOPIC, partitions: [{ partition: batch.partition, offset: String(Number(last.offset) + 1) }] }] });
        }
        await heartbeat();
      },
    });

    const seen = new Map<string, number>();
    const a = new Member('a', seen);
    const group = `bench.group.${randomUUID()}`;
    const subscribedA = performance.now();
    a.subscription = log.subscribe(group, a.handler, { maxBatch: 500, onError: (e) => (a.error = e) });
    subscriptions.push(a.subscription);
    await waitUntil('the port consumer to read the backlog', () => a.error !== undefined || seen.size >= backlog);
    if (a.error !== undefined) throw asError(a.error);
    const portConsumeSeconds = (a.lastDeliveryAt! - a.firstDeliveryAt!) / 1000;

    await waitUntil('the raw consumer to join its group', () => rawJoinedAt !== undefined);
    const rawOpenedAt = performance.now();
    rawGate.openedAt = rawOpenedAt;
    await waitUntil('the raw consumer to read the backlog', () => rawCount >= rawBacklog);
    await rawConsumer.disconnect();
    rawConsumer = undefined;
    const rawConsumeSeconds = (rawLast! - rawOpenedAt) / 1000;
    const consume = [
      { path: 'port', events: seen.size, joinMs: Math.round(a.firstDeliveryAt! - subscribedA), seconds: round(portConsumeSeconds, 3), eventsPerSecond: Math.round(seen.size / portConsumeSeconds) },
      { path: 'raw', events: rawCount, joinMs: Math.round(rawJoinedAt! - rawSubscribed), seconds: round(rawConsumeSeconds, 3), eventsPerSecond: Math.round(rawCount / rawConsumeSeconds) },
    ];

    // 4: rebalance under a steady append load
    let writing = true;
    let writerError: unknown;
    const writer = (async () => {
      while (writing) {
        const events = Array.from({ length: options.liveBatch }, () => makeEvent());
        for (const result of await log.append(events)) appended.add(result.id);
        await sleep(options.liveInterval);
      }
    })().catch((error: unknown) => (writerError = error));

    await sleep(300);
    const b = new Member('b', seen);
    const joinAt = performance.now();
    b.subscription = log.subscribe(group, b.handler, { maxBatch: 500, onError: (e) => (b.error = e) });
    subscriptions.push(b.subscription);
    await waitUntil('the joining member\'s first delivery', () => b.firstDeliveryAt !== undefined || b.error !== undefined);
    const joinMs = b.firstDeliveryAt! - joinAt;
    // let both members deliver from their new assignment for a while, then see who holds what
    const settledAt = performance.now();
    await sleep(SETTLE_MS);
    const afterJoin = { a: a.partitionsAfter(settledAt), b: b.partitionsAfter(settledAt) };

    const leaveAt = performance.now();
    await b.subscription.stop();
    const leaverPartitions = new Set(afterJoin.b);
    await waitUntil('the remaining member to take over the leaver\'s partitions', () => a.since.some((d) => d.at >= leaveAt && leaverPartitions.has(d.partition)));
    const leaveMs = a.since.find((d) => d.at >= leaveAt && leaverPartitions.has(d.partition))!.at - leaveAt;
    const afterLeaveAt = performance.now();
    await sleep(SETTLE_MS);
    const afterLeave = a.partitionsAfter(afterLeaveAt);

    writing = false;
    await writer;
    if (writerError !== undefined) throw asError(writerError);
    await waitUntil('every appended event to be delivered', () => [...appended].every((id) => seen.has(id)) || a.error !== undefined);
    if (a.error !== undefined) throw asError(a.error);
    await a.subscription.stop();

    const deliveries = a.deliveries + b.deliveries;
    const lost = [...appended].filter((id) => !seen.has(id)).length;
    const redelivered = [...seen.values()].reduce((n, c) => n + c - 1, 0);
    const rebalance = {
      partitions: options.partitions,
      joinMs: Math.round(joinMs),
      leaveMs: Math.round(leaveMs),
      afterJoin,
      afterLeave,
      liveEvents: appended.size - backlog,
      appended: appended.size,
      deliveries,
      distinct: seen.size,
      lost,
      redelivered,
    };

    const trimmed = await droppedRecords(admin);

    const ratios = options.batches.map((batch) => {
      const port = produce.find((p) => p.path === 'port' && p.batch === batch)!;
      const raw = produce.find((p) => p.path === 'raw' && p.batch === batch)!;
      return { batch, portOverRaw: round(port.eventsPerSecond / raw.eventsPerSecond, 2) };
    });
    const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
    const report = {
      machine,
      broker: { kind: 'librdkafka mock cluster', binary, brokers: options.brokers, partitions: options.partitions },
      startMs,
      sealing: { events: sealedEvents, eventsPerSecond: Math.round(sealedEvents / sealSeconds) },
      produce,
      ratios,
      consume,
      rebalance,
      trimmed,
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      console.log(`log start (connect + tail-reader group join): ${startMs} ms; sealing alone: ${report.sealing.eventsPerSecond} events/s`);
      console.table(produce);
      console.table(ratios);
      console.table(consume);
      console.table([{ ...rebalance, afterJoin: `a ${afterJoin.a.join(',')} | b ${afterJoin.b.join(',')}`, afterLeave: afterLeave.join(',') }]);
      console.log('records dropped by the mock (sum of low watermarks):', trimmed);
      console.log(machine);
    }
  } finally {
    await Promise.allSettled(subscriptions.map((s) => s.stop()));
    await Promise.allSettled([rawConsumer?.disconnect(), log.close(), producer.disconnect(), admin.disconnect()]);
    await cluster.stop();
  }
}

// kafkajs consumers in a restart back-off keep timers alive after disconnect: exit explicitly
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`kafka.bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
