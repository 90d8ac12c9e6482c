import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmContentCipher, InMemoryKeyVault } from '@memfabric/crypto';
import { interaction, uniqueTenant, waitFor } from '@memfabric/event-log/testing';
import type { StoredEvent } from '@memfabric/events';
import { ATTR, traceIdOf } from '@memfabric/telemetry';
import { recordSpans, type RecordedSpans } from '@memfabric/telemetry-node/testing';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaEventLog } from './kafka.event-log.js';
import { mockClusterBinary, startKafkaMockCluster, type MockCluster } from './testing/index.js';

/**
 * W3C Trace Context through the Kafka adapter on librdkafka's mock cluster: an append made
 * under an active span is a PRODUCER span `send <topic>` child of it, whose context travels as
 * the `traceparent` / `tracestate` message headers and as the CloudEvents `traceparent`
 * extension of the stored event, so a consumer group in another process sees the same trace.
 */

const binary = mockClusterBinary(process.env);
const skip = existsSync(binary) ? undefined : `${binary} not found (build it with libs/event-log-kafka/mock-cluster/build.sh)`;

(skip ? describe.skip : describe)('KafkaEventLog trace context (librdkafka mock cluster)', { timeout: 60_000 }, () => {
  const topic = `memfabric.events.trace-${randomUUID()}`;
  let cluster: MockCluster;
  let writer: KafkaEventLog;
  let recorder: RecordedSpans | undefined;
  const vault = new InMemoryKeyVault();

  beforeAll(async () => {
    cluster = await startKafkaMockCluster({ binary, brokers: 1, topics: [{ name: topic, partitions: 2 }] });
    writer = await KafkaEventLog.connect({
      brokers: cluster.brokers,
      topic,
      clientId: 'memfabric-trace-test',
      partitions: 2,
      vault,
      cipher: new AesGcmContentCipher(),
      fetchMaxWaitMs: 50,
      catchUpTimeoutMs: 15_000,
      logLevel: 'error',
      idempotentProducer: false,
      sessionTimeoutMs: 3_000,
      heartbeatIntervalMs: 500,
    });
  });
  afterAll(async () => {
    await recorder?.stop();
    await writer?.close();
    await cluster?.stop();
  });

  /** The first event of `tenant` a fresh consumer group receives. */
  async function consumeOne(tenant: string): Promise<StoredEvent> {
    const seen: StoredEvent[] = [];
    const subscription = writer.subscribe(`trace-test-${randomUUID()}`, (events) => {
      seen.push(...events.filter((e) => e.tenantid === tenant));
      return Promise.resolve();
    });
    try {
      return (await waitFor(() => seen[0], `an event of ${tenant} through the consumer group`));
    } finally {
      await subscription.stop();
    }
  }

  /** The raw headers of the message at `partition`/`offset`. */
  async function rawHeaders(partition: number, offset: number): Promise<Record<string, string>> {
    const kafka = new Kafka({ clientId: 'memfabric-trace-raw', brokers: cluster.brokers, logLevel: logLevel.ERROR });
    const consumer = kafka.consumer({ groupId: `raw-${randomUUID()}`, maxWaitTimeInMs: 50 });
    const seen: Record<string, string>[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition: p, message }) => {
          if (p === partition && message.offset === String(offset)) seen.push(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])));
          return Promise.resolve();
        },
      });
      return (await waitFor(() => seen[0], 'the raw message'));
    } finally {
      await consumer.disconnect();
    }
  }

  it('without an SDK adds no trace context: the event keeps no traceparent', async () => {
    const t = uniqueTenant();
    const [result] = await writer.append([interaction(t, 's', 'untraced')]);
    expect((await consumeOne(t)).traceparent).toBeUndefined();
    expect((await rawHeaders(result!.partition, result!.offset))['traceparent']).toBeUndefined();
  });

  it('an append under an active span: the consumed event and the message headers carry its trace id, the producer span has the messaging attributes', async () => {
    recorder = recordSpans();
    const t = uniqueTenant();
    const tracer = trace.getTracer('test');
    const { traceId, result } = await tracer.startActiveSpan('POST /v1/events', async (parent) => {
      const [appended] = await writer.append([interaction(t, 'trace-stream', 'traced')]);
      parent.end();
      return { traceId: parent.spanContext().traceId, result: appended! };
    });

    const consumed = await consumeOne(t);
    expect(traceIdOf(consumed.traceparent)).toBe(traceId);
    const headers = await rawHeaders(result.partition, result.offset);
    expect(traceIdOf(headers['traceparent'])).toBe(traceId);
    expect(headers['ce_traceparent']).toBe(consumed.traceparent);

    const send = recorder.spans().find((s) => s.name === `send ${topic}`);
    expect(send).toBeDefined();
    expect(send!.kind).toBe(SpanKind.PRODUCER);
    expect(send!.spanContext().traceId).toBe(traceId);
    // the stored traceparent names the producer span itself
    expect(consumed.traceparent).toBe(`00-${traceId}-${send!.spanContext().spanId}-01`);
    expect(send!.attributes).toMatchObject({
      [ATTR.messagingSystem]: 'kafka',
      [ATTR.messagingDestinationName]: topic,
      [ATTR.messagingOperationType]: 'send',
      [ATTR.messagingKafkaMessageKey]: `${t}/trace-stream`,
      [ATTR.messagingPartitionId]: String(result.partition),
      [ATTR.messagingKafkaOffset]: result.offset,
    });
  });

  it('keeps a traceparent the client supplied in the stored event; the headers carry the producer span', async () => {
    const t = uniqueTenant();
    const supplied = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const [result] = await trace.getTracer('test').startActiveSpan('append', async (parent) => {
      const appended = await writer.append([interaction(t, 's', 'client traced', { traceparent: supplied })]);
      parent.end();
      return appended;
    });
    expect((await consumeOne(t)).traceparent).toBe(supplied);
    const headers = await rawHeaders(result!.partition, result!.offset);
    expect(headers['ce_traceparent']).toBe(supplied);
    expect(headers['traceparent']).not.toBe(supplied);
    expect(traceIdOf(headers['traceparent'])).toBeDefined();
  });

  it('an idempotent retry under another trace is a duplicate, not a conflict', async () => {
    const t = uniqueTenant();
    const tracer = trace.getTracer('test');
    const first = await tracer.startActiveSpan('first', async (s) => (await writer.append([interaction(t, 's', 'once', { idempotencykey: 'k1' })]).finally(() => s.end())));
    const retry = await tracer.startActiveSpan('retry', async (s) => (await writer.append([interaction(t, 's', 'once', { idempotencykey: 'k1' })]).finally(() => s.end())));
    expect(retry[0]).toMatchObject({ duplicate: true, offset: first[0]!.offset });
  });
});
