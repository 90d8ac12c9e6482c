import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointStoreContract, sampleCheckpoint, uniqueAuditTenant } from '@memfabric/audit/testing';
import { AesGcmContentCipher } from '@memfabric/crypto';
import { eventLogContract, interaction, uniqueTenant, waitFor } from '@memfabric/event-log/testing';
import { KafkaEventLog } from '@memfabric/event-log-kafka';
import { mockClusterBinary, startKafkaMockCluster, type MockCluster } from '@memfabric/event-log-kafka/testing';
import { Kafka, logLevel } from 'kafkajs';
import {
  KafkaCheckpointStore,
  KafkaKeyVault,
  type KafkaCheckpointStoreConfig,
  type KafkaKeyVaultConfig,
  type KafkaStateConnectionConfig,
} from '../src/index.js';
import { ConfigProblems, resolveKafkaStateConnection } from '../src/kafka-state/config.js';
import { BARRIER_KEY, KeyTable } from '../src/kafka-state/key-table.js';
import { TopicTail } from '../src/kafka-state/topic-tail.js';

/**
 * The Kafka-held state of the cluster (content keys, signed audit checkpoints) on librdkafka's
 * mock cluster, a real Kafka protocol peer: topics are pre-created by the launcher (the mock
 * cannot serve CreateTopics or DescribeConfigs, both routed to a controller that does not exist,
 * nor the idempotent producer); it does not compact either, so the brokers' deletion of
 * destroyed keys is configuration, not tested here.
 */

const binary = mockClusterBinary(process.env);
const skipReason = existsSync(binary) ? undefined : `${binary} not found (build it with libs/event-log-kafka/mock-cluster/build.sh, or set MEMFABRIC_KAFKA_MOCK_BIN)`;
if (skipReason) console.warn(`[cluster] Kafka state tests skipped: ${skipReason}`);

const topics = {
  keys: `memfabric.keys.test-${randomUUID()}`,
  keysContract: `memfabric.keys.contract-${randomUUID()}`,
  keysSpread: `memfabric.keys.spread-${randomUUID()}`,
  events: `memfabric.events.test-${randomUUID()}`,
  eventsContract: `memfabric.events.contract-${randomUUID()}`,
  checkpoints: `memfabric.audit.checkpoints.test-${randomUUID()}`,
  checkpointsContract: `memfabric.audit.checkpoints.contract-${randomUUID()}`,
  checkpointsSpread: `memfabric.audit.checkpoints.spread-${randomUUID()}`,
};

let cluster: MockCluster | undefined;
const clusterOnce = async (): Promise<MockCluster> =>
  (cluster ??= await startKafkaMockCluster({
    binary,
    brokers: 1,
    topics: [
      { name: topics.keys, partitions: 1 },
      { name: topics.keysContract, partitions: 1 },
      { name: topics.keysSpread, partitions: 3 },
      { name: topics.events, partitions: 1 },
      { name: topics.eventsContract, partitions: 3 },
      { name: topics.checkpoints, partitions: 1 },
      { name: topics.checkpointsContract, partitions: 1 },
      { name: topics.checkpointsSpread, partitions: 3 },
    ],
  }));

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await cluster?.stop();
});

/** Settings the mock cluster needs (see the Kafka event log's README). */
async function mockConnection(): Promise<KafkaStateConnectionConfig> {
  const { brokers } = await clusterOnce();
  return {
    brokers,
    createTopic: false,
    checkTopicConfig: false,
    idempotentProducer: false,
    // the mock answers an empty fetch only after the full wait
    fetchMaxWaitMs: 50,
    catchUpTimeoutMs: 15_000,
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 500,
    logLevel: 'error',
  };
}

const masterKey = randomBytes(32);

async function vault(extra: Partial<KafkaKeyVaultConfig> = {}): Promise<KafkaKeyVault> {
  const v = await KafkaKeyVault.connect({ ...(await mockConnection()), topic: topics.keys, masterKey, ...extra });
  cleanups.push(() => v.close());
  return v;
}

async function checkpointStore(extra: Partial<KafkaCheckpointStoreConfig> = {}): Promise<KafkaCheckpointStore> {
  const s = await KafkaCheckpointStore.connect({ ...(await mockConnection()), topic: topics.checkpoints, ...extra });
  cleanups.push(() => s.close());
  return s;
}

async function eventLog(v: KafkaKeyVault, topic: string, partitions: number): Promise<KafkaEventLog> {
  const { brokers } = await clusterOnce();
  const log = await KafkaEventLog.connect({
    brokers,
    topic,
    partitions,
    createTopic: false,
    vault: v,
    cipher: new AesGcmContentCipher(),
    idempotentProducer: false,
    fetchMaxWaitMs: 50,
    catchUpTimeoutMs: 15_000,
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 500,
    logLevel: 'error',
  });
  cleanups.push(() => log.close());
  return log;
}

/** Every record of a topic as a plain consumer sees it (key, value or null). */
async function rawRecords(topic: string, until: (records: { key: string; value: string | null }[]) => boolean) {
  const { brokers } = await clusterOnce();
  const consumer = new Kafka({ clientId: 'memfabric-test-raw', brokers, logLevel: logLevel.ERROR }).consumer({ groupId: `raw-${randomUUID()}`, maxWaitTimeInMs: 50 });
  const seen: { key: string; value: string | null }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        seen.push({ key: String(message.key), value: message.value === null ? null : message.value.toString('utf8') });
        return Promise.resolve();
      },
    });
    return await waitFor(() => until(seen) && seen, `the records of ${topic}`, 15_000);
  } finally {
    await consumer.disconnect();
  }
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const ifMock = skipReason ? describe.skip : describe;

if (!skipReason) {
  checkpointStoreContract('Kafka (librdkafka mock cluster)', async () => {
    const store = await checkpointStore({ topic: topics.checkpointsContract });
    return { store, teardown: () => store.close() };
  });

  eventLogContract(
    'KafkaEventLog with the KafkaKeyVault (librdkafka mock cluster)',
    async () => {
      const v = await vault({ topic: topics.keysContract });
      const log = await eventLog(v, topics.eventsContract, 3);
      return { log, vault: v, teardown: () => Promise.resolve() };
    },
    { timeoutMs: 30_000 },
  );
}

ifMock('KafkaKeyVault on the mock cluster', { timeout: 30_000 }, () => {
  let a: KafkaKeyVault;
  let b: KafkaKeyVault;
  beforeAll(async () => {
    [a, b] = await Promise.all([vault(), vault()]);
  }, 30_000);

  it('finds a key created by another instance, which also answers it as the subject\'s active key', async () => {
    const t = uniqueTenant();
    const created = await a.activeKey(t, 'caroline');
    expect(created.key).toHaveLength(32);
    expect(await a.activeKey(t, 'caroline')).toEqual(created);
    expect(await b.findKey(created.keyid)).toEqual(created);
    expect(await b.activeKey(t, 'caroline')).toEqual(created);
    expect((await b.activeKey(t, 'melanie')).keyid).not.toBe(created.keyid);
    expect(await b.findKey(randomUUID())).toBeUndefined();
  });

  it('destroys in one instance: the other finds nothing on its next call, counts stay, a new key follows', async () => {
    const t = uniqueTenant();
    const key = await a.activeKey(t, 'caroline');
    expect(await b.findKey(key.keyid)).toEqual(key);
    expect(await b.subjectKeys(t, 'caroline')).toEqual({ total: 1, live: 1 });

    expect(await a.destroy(t, 'caroline')).toBe(1);
    expect(await a.findKey(key.keyid)).toBeUndefined();
    expect(await b.findKey(key.keyid)).toBeUndefined();
    expect(await b.subjectKeys(t, 'caroline')).toEqual({ total: 1, live: 0 });
    expect(await b.subjectKeys(t, 'nobody')).toEqual({ total: 0, live: 0 });
    expect(await b.destroy(t, 'caroline')).toBe(0);

    const next = await b.activeKey(t, 'caroline');
    expect(next.keyid).not.toBe(key.keyid);
    expect(await a.subjectKeys(t, 'caroline')).toEqual({ total: 2, live: 1 });
    expect(await a.destroy(t, 'caroline')).toBe(1);
    expect(await b.subjectKeys(t, 'caroline')).toEqual({ total: 2, live: 0 });
  });

  it('lets racing replicas both create a key: every replica answers the first in topic order, the others stay valid', async () => {
    const t = uniqueTenant();
    // both may find no key and create one; each then reads its own back and picks the first
    const [fromA, fromB] = await Promise.all([a.activeKey(t, 'racer'), b.activeKey(t, 'racer')]);
    expect(fromB).toEqual(fromA);
    expect(await a.activeKey(t, 'racer')).toEqual(fromA);
    expect(await b.findKey(fromA.keyid)).toEqual(fromA);
    const { total, live } = await a.subjectKeys(t, 'racer');
    expect(live).toBe(total);
    expect([1, 2]).toContain(total);
    expect(await b.destroy(t, 'racer')).toBe(total);
    expect(await a.findKey(fromA.keyid)).toBeUndefined();
    expect(await a.subjectKeys(t, 'racer')).toEqual({ total, live: 0 });
  });

  it('keeps the same key for concurrent calls of one instance', async () => {
    const t = uniqueTenant();
    const keys = await Promise.all(Array.from({ length: 5 }, () => a.activeKey(t, 'busy')));
    expect(new Set(keys.map((k) => k.keyid)).size).toBe(1);
    expect(await a.subjectKeys(t, 'busy')).toEqual({ total: 1, live: 1 });
  });

  it('restores live keys and destroyed subjects from offset 0 in a new instance', async () => {
    const t = uniqueTenant();
    const kept = await a.activeKey(t, 'kept');
    const gone = await a.activeKey(t, 'gone');
    await a.destroy(t, 'gone');
    const restarted = await vault();
    expect(await restarted.findKey(kept.keyid)).toEqual(kept);
    expect(await restarted.findKey(gone.keyid)).toBeUndefined();
    expect(await restarted.subjectKeys(t, 'gone')).toEqual({ total: 1, live: 0 });
    expect(await restarted.subjectKeys(t, 'kept')).toEqual({ total: 1, live: 1 });
  });

  it('keeps a subject\'s records in one partition of a partitioned topic, and destroys there', async () => {
    const [x, y] = await Promise.all([vault({ topic: topics.keysSpread }), vault({ topic: topics.keysSpread })]);
    const t = uniqueTenant();
    const subjects = Array.from({ length: 8 }, (_, i) => `subject-${i}`);
    const keys = await Promise.all(subjects.map((s) => x.activeKey(t, s)));
    for (const [i, s] of subjects.entries()) expect(await y.activeKey(t, s)).toEqual(keys[i]);
    expect(await y.destroy(t, 'subject-3')).toBe(1);
    expect(await x.findKey(keys[3]!.keyid)).toBeUndefined();
    expect(await x.findKey(keys[4]!.keyid)).toEqual(keys[4]);
  });

  it('puts only wrapped keys on the topic; destroy writes the subject marker, then a tombstone per key', async () => {
    const t = uniqueTenant();
    const key = await a.activeKey(t, 'wire');
    expect(await a.destroy(t, 'wire')).toBe(1);
    const marker = `destroyed/${encodeURIComponent(t)}/wire`;
    const records = await rawRecords(topics.keys, (seen) => seen.some((r) => r.key === key.keyid && r.value === null));
    const ofKey = records.filter((r) => r.key === key.keyid || r.key === marker);
    expect(ofKey.map((r) => r.key)).toEqual([key.keyid, marker, key.keyid]);
    const [created, destroyed, tombstone] = ofKey;
    const material = Buffer.from(key.key);
    for (const encoding of ['base64', 'base64url', 'hex'] as const) expect(created!.value).not.toContain(material.toString(encoding));
    expect(JSON.parse(created!.value!)).toEqual({
      type: 'content-key.created', v: 1, tenantid: t, datasubject: 'wire', wrapped: expect.stringMatching(/^[A-Za-z0-9_-]{80}$/), createdAt: expect.any(String),
    });
    expect(JSON.parse(destroyed!.value!)).toEqual({
      type: 'content-keys.destroyed', v: 1, tenantid: t, datasubject: 'wire', keyids: [key.keyid], destroyedAt: expect.any(String),
    });
    expect(tombstone!.value).toBeNull();
  });

  it('skips records that are not vault records', async () => {
    await a.findKey(randomUUID());
    const before = a.stats().skippedRecords;
    const { brokers } = await clusterOnce();
    const producer = new Kafka({ clientId: 'memfabric-test-junk', brokers, logLevel: logLevel.ERROR }).producer();
    await producer.connect();
    await producer.send({ topic: topics.keys, messages: [{ key: 'junk', value: 'not json' }, { key: randomUUID(), value: '{"type":"content-key.created","v":1}' }] });
    await producer.disconnect();
    const t = uniqueTenant();
    const key = await a.activeKey(t, 'after-junk');
    expect(a.stats().skippedRecords).toBe(before + 2);
    expect(await b.findKey(key.keyid)).toEqual(key);
  });

  it('shreds content end to end: a KafkaEventLog over the vault reads erased events as data: null', async () => {
    const log = await eventLog(a, topics.events, 1);
    const t = uniqueTenant();
    await log.append([
      interaction(t, 's', 'caroline likes pottery', { actor: 'caroline' }),
      interaction(t, 's', 'melanie paints sunsets', { actor: 'melanie' }),
    ]);
    expect((await log.readStream(t, 's')).map((e) => e.data)).toEqual([
      expect.objectContaining({ content: 'caroline likes pottery' }),
      expect.objectContaining({ content: 'melanie paints sunsets' }),
    ]);
    // erased through another replica of the vault
    expect(await b.destroy(t, 'caroline')).toBe(1);
    const events = await log.readStream(t, 's');
    expect(events[0]).toMatchObject({ actor: 'caroline', erased: true, data: null });
    expect(events[1]!.data).toMatchObject({ content: 'melanie paints sunsets' });
    expect(JSON.stringify(events)).not.toContain('pottery');
    expect(await log.verify({ tenantid: t })).toMatchObject({ valid: true, events: 2 });
    expect(await b.subjectKeys(t, 'caroline')).toEqual({ total: 1, live: 0 });
  });

  it('refuses a master key the keys were not wrapped with: ConfigurationError at start and on use', async () => {
    await a.activeKey(uniqueTenant(), 'someone');
    const connection = { ...(await mockConnection()), topic: topics.keys, masterKey: randomBytes(32) };
    const atStart = await KafkaKeyVault.connect(connection).catch((e: unknown) => e);
    expect(atStart).toMatchObject({ code: 'configuration_invalid', retriable: false, message: expect.stringContaining('master key') });
    const lazy = new KafkaKeyVault(connection);
    cleanups.push(() => lazy.close());
    const t = uniqueTenant();
    const key = await a.activeKey(t, 'x');
    await expect(lazy.findKey(key.keyid)).rejects.toMatchObject({ code: 'configuration_invalid' });
  });

  it('rejects bad arguments with ValidationError and a bad configuration with ConfigurationError', async () => {
    await expect(a.activeKey('', 'caroline')).rejects.toMatchObject({ code: 'validation_failed', problems: [{ pointer: '/tenantid' }] });
    await expect(a.destroy(uniqueTenant(), '')).rejects.toMatchObject({ code: 'validation_failed', problems: [{ pointer: '/datasubject' }] });
    await expect(a.subjectKeys(undefined as unknown as string, 's')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(a.findKey('')).rejects.toMatchObject({ code: 'validation_failed' });
    const connection = await mockConnection();
    expect(() => new KafkaKeyVault({ ...connection, masterKey: randomBytes(16) })).toThrow(/masterKey must be 32 bytes \(got 16 bytes\)/);
    expect(thrown(() => new KafkaKeyVault({ ...connection, masterKey, topic: 'no spaces', maxCompactionLagMs: 10 }))).toMatchObject({
      code: 'configuration_invalid',
      message: expect.stringMatching(/topic .*maxCompactionLagMs/),
    });
  });

  it('names the topic settings to create when the topic is missing and may not be created', async () => {
    const missing = await KafkaKeyVault.connect({ ...(await mockConnection()), topic: `memfabric.keys.missing-${randomUUID()}`, masterKey }).catch(
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ code: 'configuration_invalid', message: expect.stringContaining('cleanup.policy=compact, max.compaction.lag.ms=3600000') });
  });

  it('reports the mock cluster refusing CreateTopics as a retriable UnavailableError saying how to create the topic', async () => {
    const refused = await KafkaKeyVault.connect({
      ...(await mockConnection()),
      topic: `memfabric.keys.uncreatable-${randomUUID()}`,
      masterKey,
      createTopic: true,
      retries: 0,
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'unavailable', retriable: true, message: expect.stringContaining('could not be created') });
  });
});

/** A tail whose wait can be pointed past the end, like a reader sitting before records the cleaner removed. */
class StalledTail extends TopicTail {
  async waitPast(partition: number, end: number): Promise<void> {
    await this.waitUntil(new Map([[partition, end + 1]]), 'pass the end');
  }
}

ifMock('TopicTail on the mock cluster', { timeout: 30_000 }, () => {
  it('writes a barrier record when its reader stalls short of the end offsets, and reads past it', async () => {
    const connection = resolveKafkaStateConnection(await mockConnection(), 'memfabric-test-tail', new ConfigProblems());
    const table = new KeyTable();
    const tail = new StalledTail(
      connection,
      { topic: topics.keys, holds: 'content keys', partitions: 1, configEntries: [], configProblems: () => [], barrierKey: BARRIER_KEY },
      table,
    );
    cleanups.push(() => tail.close());
    await tail.catchUp();
    const { brokers } = await clusterOnce();
    const admin = new Kafka({ clientId: 'memfabric-test-admin', brokers, logLevel: logLevel.ERROR }).admin();
    await admin.connect();
    const end = async () => Number((await admin.fetchTopicOffsets(topics.keys)).find((o) => o.partition === 0)!.high);
    const before = await end();
    const [live, skipped] = [table.size, table.skippedRecords];
    try {
      await tail.waitPast(0, before);
      expect(await end()).toBe(before + 1);
    } finally {
      await admin.disconnect();
    }
    expect(table.size).toBe(live);
    // the barrier is a tombstone the table ignores
    expect(table.skippedRecords).toBe(skipped);
  });
});

ifMock('KafkaCheckpointStore on the mock cluster', { timeout: 30_000 }, () => {
  it('numbers checkpoints by topic position, the same in every instance', async () => {
    const [one, two] = await Promise.all([checkpointStore(), checkpointStore()]);
    const t = uniqueAuditTenant();
    const s1 = await one.append(sampleCheckpoint(t, 1));
    const s2 = await two.append(sampleCheckpoint(t, 2));
    expect(s2).toBe(s1 + 1);
    expect(await two.list(t)).toEqual([
      { ...sampleCheckpoint(t, 1), sequence: s1 },
      { ...sampleCheckpoint(t, 2), sequence: s2 },
    ]);
    expect(await one.latest(t)).toEqual({ ...sampleCheckpoint(t, 2), sequence: s2 });
    const restarted = await checkpointStore();
    expect(await restarted.list(t)).toEqual(await one.list(t));
    const all = await restarted.list();
    expect(all.map((c) => c.sequence)).toEqual(all.map((_, i) => i + 1));
  });

  it('refuses a topic with more than one partition', async () => {
    const refused = await checkpointStore({ topic: topics.checkpointsSpread }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'configuration_invalid', message: expect.stringContaining('needs exactly 1') });
  });

  it('rejects a checkpoint without a tenant or a JWS with ValidationError', async () => {
    const store = await checkpointStore();
    const bad = { ...sampleCheckpoint('x', 1), jws: '' };
    await expect(store.append({ ...bad, checkpoint: { ...bad.checkpoint, tenantid: '' } })).rejects.toMatchObject({
      code: 'validation_failed',
      problems: [{ pointer: '/checkpoint/tenantid' }, { pointer: '/jws' }],
    });
  });
});
