import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmContentCipher, InMemoryKeyVault } from '@memfabric/crypto';
import { eventLogContract, interaction, uniqueTenant, waitFor, type EventLogFixture } from '@memfabric/event-log/testing';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaEventLog } from './kafka.event-log.js';
import type { KafkaEventLogConfig } from './config.js';
import {
  containerRuntimeUnavailable,
  mockClusterBinary,
  startKafkaContainer,
  startKafkaMockCluster,
  type KafkaContainerHandle,
  type MockCluster,
} from './testing/index.js';

/**
 * Integration tests of the Kafka adapter against a real Kafka protocol peer:
 * 1. librdkafka's mock cluster (`.ci/bin/kafka-mock-cluster`, or MEMFABRIC_KAFKA_MOCK_BIN), with
 *    a fresh topic for this file; where the launcher is missing, a Kafka container when a
 *    container runtime exists; else skipped with the reason.
 * 2. A real Kafka broker in a container (testcontainers), skipped without a container runtime.
 */

const PARTITIONS = 3;
const binary = mockClusterBinary(process.env);
const hasMock = existsSync(binary);
const noRuntime = await containerRuntimeUnavailable();

/** A broker to test against, started once per suite. */
interface Peer {
  readonly brokers: string[];
  /** Topic to use (pre-created on the mock; created by the adapter on real Kafka). */
  readonly topic: string;
  /** Peer-specific settings (see the README's table of mock-cluster findings). */
  readonly tuning: Partial<KafkaEventLogConfig>;
  stop(): Promise<void>;
}

async function startMockPeer(): Promise<Peer> {
  const topic = `memfabric.events.test-${randomUUID()}`;
  // three brokers, so partition leaders and the group coordinator sit on different connections
  const cluster: MockCluster = await startKafkaMockCluster({ binary, brokers: 3, topics: [{ name: topic, partitions: PARTITIONS }] });
  return {
    brokers: cluster.brokers,
    topic,
    tuning: {
      // the mock cannot route InitProducerId: its metadata names controller 0, which does not exist
      idempotentProducer: false,
      // the mock delays a group join after a member left by the session timeout minus 1 s
      sessionTimeoutMs: 3_000,
      heartbeatIntervalMs: 500,
    },
    stop: () => cluster.stop(),
  };
}

async function startContainerPeer(): Promise<Peer> {
  const container: KafkaContainerHandle = await startKafkaContainer();
  return {
    brokers: container.brokers,
    topic: `memfabric.events.test-${randomUUID()}`,
    // a real broker refuses session timeouts under group.min.session.timeout.ms (6 s)
    tuning: { idempotentProducer: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 },
    stop: () => container.stop(),
  };
}

function logConfig(peer: Peer, vault: InMemoryKeyVault, extra: Partial<KafkaEventLogConfig> = {}): KafkaEventLogConfig {
  return {
    brokers: peer.brokers,
    topic: peer.topic,
    clientId: 'memfabric-test',
    partitions: PARTITIONS,
    vault,
    cipher: new AesGcmContentCipher(),
    // librdkafka's mock answers an empty fetch only after the full wait: keep it short
    fetchMaxWaitMs: 50,
    catchUpTimeoutMs: 15_000,
    logLevel: 'error',
    ...peer.tuning,
    ...extra,
  };
}

/** Runs the contract and the adapter-specific tests against one peer. */
function kafkaSuite(name: string, startPeer: () => Promise<Peer>, skipReason: string | undefined): void {
  let peer: Peer | undefined;
  const peerOnce = async (): Promise<Peer> => (peer ??= await startPeer());
  const cleanups: (() => Promise<void>)[] = [];

  eventLogContract(
    name,
    async (): Promise<EventLogFixture> => {
      const p = await peerOnce();
      const vault = new InMemoryKeyVault();
      const log = await KafkaEventLog.connect(logConfig(p, vault));
      return { log, vault, teardown: () => log.close() };
    },
    { ...(skipReason ? { skipReason } : {}), timeoutMs: 30_000 },
  );

  (skipReason ? describe.skip : describe)(`KafkaEventLog specifics: ${name}`, { timeout: 30_000 }, () => {
    let vault: InMemoryKeyVault;
    let writer: KafkaEventLog;
    beforeAll(async () => {
      const p = await peerOnce();
      vault = new InMemoryKeyVault();
      writer = await KafkaEventLog.connect(logConfig(p, vault));
      cleanups.push(() => writer.close());
    });
    afterAll(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
      await peer?.stop();
      peer = undefined;
    });

    it('writes CloudEvents binary-mode records: ce_ headers, tenant/stream key, sealed value, traceparent', async () => {
      const t = uniqueTenant();
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const [result] = await writer.append([interaction(t, 's', 'on the wire', { traceparent, idempotencykey: 'wire-1' })]);
      const p = await peerOnce();
      const kafka = new Kafka({ clientId: 'memfabric-test-raw', brokers: p.brokers, logLevel: logLevel.ERROR });
      const consumer = kafka.consumer({ groupId: `raw-${randomUUID()}`, maxWaitTimeInMs: 50 });
      cleanups.push(() => consumer.disconnect());
      const seen: { key: string; value: string; headers: Record<string, string> }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: p.topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          if (partition === result!.partition && message.offset === String(result!.offset)) {
            const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
            seen.push({ key: String(message.key), value: String(message.value), headers });
          }
          return Promise.resolve();
        },
      });
      const [record] = await waitFor(() => seen.length > 0 && seen, 'the appended record on the topic');
      await consumer.disconnect();
      expect(record!.key).toBe(`${t}/s`);
      expect(record!.value).not.toContain('on the wire');
      expect(JSON.parse(record!.value)).toMatchObject({ alg: 'A256GCM' });
      expect(record!.headers).toMatchObject({
        ce_specversion: '1.0',
        ce_id: result!.id,
        ce_tenantid: t,
        ce_streamid: 's',
        ce_streamposition: '1',
        ce_idempotencykey: 'wire-1',
        ce_traceparent: traceparent,
        traceparent,
        'content-type': 'application/json',
      });
    });

    it('restores stream heads, idempotency keys and the id index from the topic in a new instance', async () => {
      const t = uniqueTenant();
      const first = await writer.append([
        interaction(t, 's', 'one', { idempotencykey: 'r1' }),
        interaction(t, 's', 'two', { idempotencykey: 'r2' }),
      ]);
      const hashes = (await writer.readStream(t, 's')).map((e) => e.hash);
      await writer.close();

      writer = await KafkaEventLog.connect(logConfig(await peerOnce(), vault));
      cleanups.push(() => writer.close());
      const retry = await writer.append([interaction(t, 's', 'one', { idempotencykey: 'r1' })]);
      expect(retry[0]).toMatchObject({ duplicate: true, offset: first[0]!.offset, partition: first[0]!.partition });
      const [third] = await writer.append([interaction(t, 's', 'three')]);
      expect(third).toMatchObject({ streamposition: 3, duplicate: false, partition: first[0]!.partition });
      const events = await writer.readStream(t, 's');
      expect(events.slice(0, 2).map((e) => e.hash)).toEqual(hashes);
      expect(events[2]!.prevhash).toBe(hashes[1]);
      expect((await writer.getEvent(first[1]!.id))?.data).toMatchObject({ content: 'two' });
      expect(await writer.verify({ tenantid: t })).toEqual({ streams: 1, events: 3, valid: true });
    });

    it('sees appends of another instance on its next read (catch-up to the end offsets)', async () => {
      const other = await KafkaEventLog.connect(logConfig(await peerOnce(), vault));
      cleanups.push(() => other.close());
      const t = uniqueTenant();
      await other.append([interaction(t, 's', 'from elsewhere')]);
      expect((await writer.readStream(t, 's')).map((e) => e.data)).toEqual([expect.objectContaining({ content: 'from elsewhere' })]);
      expect(await writer.end()).toEqual(await other.end());
    });

    it('with partitionBy tenant puts every stream of a tenant in one partition, and says which', async () => {
      const byTenant = await KafkaEventLog.connect(logConfig(await peerOnce(), vault, { partitionBy: 'tenant', clientId: 'memfabric-test-by-tenant' }));
      cleanups.push(() => byTenant.close());
      const t = uniqueTenant();
      const streams = Array.from({ length: 12 }, (_, i) => `stream-${i}`);
      const results = await byTenant.append(streams.map((s) => interaction(t, s, `in ${s}`)));
      const partitions = new Set(results.map((r) => r.partition));
      expect(partitions.size).toBe(1);
      expect(await byTenant.partitionFor(t, 'any-stream')).toBe(results[0]!.partition);
      // by stream (the default), the same streams spread over the partitions
      const spread = await writer.append(streams.map((s) => interaction(uniqueTenant(), s, `in ${s}`)));
      expect(new Set(spread.map((r) => r.partition)).size).toBeGreaterThan(1);
      for (const r of spread.slice(0, 3)) {
        const event = await writer.getEvent(r.id);
        expect(await writer.partitionFor(event!.tenantid, event!.streamid)).toBe(r.partition);
      }
    });

    it('reports an unreachable cluster as a retriable UnavailableError that keeps its cause', async () => {
      const log = new KafkaEventLog({
        ...logConfig(await peerOnce(), vault),
        brokers: ['127.0.0.1:1'],
        retries: 0,
        connectionTimeoutMs: 200,
        logLevel: 'nothing',
      });
      const error = (await log.readStream('t', 's').catch((e: unknown) => e)) as { code?: string; retriable?: boolean; cause?: unknown };
      await log.close();
      expect(error).toMatchObject({ code: 'unavailable', retriable: true });
      expect(error.cause).toBeInstanceOf(Error);
    });

    it('refuses to start on a missing topic it may not create, saying what to do', async () => {
      const error = await KafkaEventLog.connect({
        ...logConfig(await peerOnce(), vault),
        topic: `memfabric.missing-${randomUUID()}`,
        createTopic: false,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'configuration_invalid', message: expect.stringMatching(/does not exist: create it/) as unknown });
    });
  });
}

const mockSkip = hasMock || !noRuntime ? undefined : `${binary} not found (build it with libs/event-log-kafka/mock-cluster/build.sh) and ${noRuntime}`;
kafkaSuite('kafka (librdkafka mock cluster)', hasMock ? startMockPeer : startContainerPeer, mockSkip);

const containerSkip = noRuntime ?? (hasMock ? undefined : 'the mock-cluster suite above already runs against the Kafka container');
kafkaSuite('kafka (testcontainers, real broker)', startContainerPeer, containerSkip);
