import { describe, expect, it } from 'vitest';
import { AesGcmContentCipher, InMemoryKeyVault } from '@memfabric/crypto';
import { MemfabricError } from '@memfabric/errors';
import { sealEvent, verifyChain, type SealedEvent } from '@memfabric/event-log';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { GENESIS_HASH } from '@memfabric/events';
import { fromKafkaMessage, RecordFormatError, toKafkaMessage, type KafkaHeaders } from './cloudevents-binding.js';
import { KafkaEventLog } from './kafka.event-log.js';
import { LogIndex } from './log-index.js';

const cipher = new AesGcmContentCipher();
const vault = new InMemoryKeyVault();

async function sealedStream(tenant: string, count: number, extra: Parameters<typeof interaction>[3] = {}): Promise<SealedEvent[]> {
  const out: SealedEvent[] = [];
  let prevhash = GENESIS_HASH;
  for (let i = 0; i < count; i += 1) {
    const event = interaction(tenant, 'session-1', `turn ${i} — ünïcode`, extra);
    const key = await vault.activeKey(tenant, event.datasubject);
    const sealed = sealEvent(event, { streamposition: i + 1, prevhash, recordedat: '2024-01-02T03:04:05.678Z', batchid: 'b-1' }, key, cipher);
    out.push(sealed);
    prevhash = sealed.hash;
  }
  return out;
}

/** What kafkajs hands a consumer: header values as Buffers. */
function asReceived(headers: Readonly<Record<string, string>>): KafkaHeaders {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
}

describe('CloudEvents Kafka binding (binary mode)', () => {
  it('puts every record attribute in a ce_ header, the content in the value and tenant/stream in the key', async () => {
    const t = uniqueTenant();
    const [sealed] = await sealedStream(t, 1, {
      idempotencykey: 'k-1',
      subject: 'memory-7',
      causationid: '018f0000-0000-7000-8000-000000000001',
      correlationid: 'corr-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    const message = toKafkaMessage(sealed!);
    expect(message.key).toBe(`${t}/session-1`);
    expect(JSON.parse(message.value)).toEqual(sealed!.record.content);
    expect(message.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: sealed!.record.id,
      ce_source: 'urn:memfabric:test',
      ce_type: 'interaction.recorded',
      ce_time: '2023-05-08T13:56:00.000Z',
      ce_subject: 'memory-7',
      ce_dataschema: sealed!.record.dataschema,
      ce_tenantid: t,
      ce_streamid: 'session-1',
      ce_actor: 'caroline',
      ce_datasubject: 'caroline',
      ce_batchid: 'b-1',
      ce_recordedat: '2024-01-02T03:04:05.678Z',
      ce_streamposition: '1',
      ce_prevhash: GENESIS_HASH,
      ce_hash: sealed!.hash,
      ce_idempotencykey: 'k-1',
      ce_causationid: '018f0000-0000-7000-8000-000000000001',
      ce_correlationid: 'corr-1',
      ce_traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'content-type': 'application/json',
    });
    expect(message.headers).not.toHaveProperty('ce_content');
    expect(message.headers).not.toHaveProperty('ce_datacontenttype');
    expect(message.value).not.toContain('turn 0');
  });

  it('round-trips record -> headers -> record exactly, so the chain still verifies', async () => {
    const stream = await sealedStream(uniqueTenant(), 3, { idempotencykey: undefined });
    const back = stream.map((s) => {
      const m = toKafkaMessage(s);
      return fromKafkaMessage(asReceived(m.headers), Buffer.from(m.value, 'utf8'));
    });
    expect(back).toEqual(stream);
    expect(verifyChain(back)).toBeUndefined();
  });

  it('omits headers of absent optional attributes and sends no traceparent header without one', async () => {
    const [sealed] = await sealedStream(uniqueTenant(), 1);
    const { headers } = toKafkaMessage(sealed!);
    for (const name of ['ce_subject', 'ce_idempotencykey', 'ce_traceparent', 'traceparent', 'ce_causationid']) {
      expect(headers).not.toHaveProperty(name);
    }
  });

  it('makes an altered, added or removed ce_ header visible to verifyChain', async () => {
    const stream = await sealedStream(uniqueTenant(), 2);
    const m = toKafkaMessage(stream[0]!);
    const read = (headers: Record<string, string>) => [
      fromKafkaMessage(asReceived(headers), m.value),
      fromKafkaMessage(asReceived(toKafkaMessage(stream[1]!).headers), toKafkaMessage(stream[1]!).value),
    ];
    const { ce_actor: _removed, ...withoutActor } = m.headers;
    for (const headers of [{ ...m.headers, ce_actor: 'mallory' }, { ...m.headers, ce_injected: 'x' }, withoutActor]) {
      expect(verifyChain(read(headers))?.reason).toMatch(/record altered/);
    }
    // headers outside the binding (tracing, broker tooling) do not count
    expect(verifyChain(read({ ...m.headers, 'x-forwarded-by': 'mirror-maker' }))).toBeUndefined();
  });

  it('rejects messages that are not memfabric event records', async () => {
    const [sealed] = await sealedStream(uniqueTenant(), 1);
    const m = toKafkaMessage(sealed!);
    const { ce_hash: _hash, ...noHash } = m.headers;
    expect(() => fromKafkaMessage(asReceived(noHash), m.value)).toThrow(RecordFormatError);
    expect(() => fromKafkaMessage(asReceived(m.headers), null)).toThrow(/no value/);
    expect(() => fromKafkaMessage(asReceived(m.headers), '{"not":"sealed"}')).toThrow(/sealed content/);
    expect(() => fromKafkaMessage(asReceived({ ...m.headers, ce_streamposition: '1.5' }), m.value)).toThrow(/integer/);
    expect(() => fromKafkaMessage({ ...asReceived(m.headers), ce_id: [Buffer.from('a'), Buffer.from('b')] }, m.value)).toThrow(/2 times/);
    expect(() => fromKafkaMessage(undefined, m.value)).toThrow(/ce_id/);
  });
});

describe('LogIndex', () => {
  it('keeps stream heads, dedupe keys and a gap-free prefix per partition', async () => {
    const t = uniqueTenant();
    const stream = await sealedStream(t, 3);
    const index = new LogIndex();
    index.apply({ partition: 1, offset: 0 }, stream[0]!, 'writer');
    index.apply({ partition: 1, offset: 2 }, stream[2]!, 'writer');
    expect(index.indexedUpTo(1)).toBe(1);
    expect(index.scan({}, 10).map((e) => e.position.offset)).toEqual([0]);
    index.apply({ partition: 1, offset: 1 }, stream[1]!, 'broker');
    expect(index.indexedUpTo(1)).toBe(3);
    expect(index.stream(t, 'session-1').map((e) => e.sealed.record.streamposition)).toEqual([1, 2, 3]);
    expect(index.head(t, 'session-1')).toEqual({ streamposition: 3, hash: stream[2]!.hash });
    expect(index.findById(stream[1]!.record.id)?.position).toEqual({ partition: 1, offset: 1 });
    expect(index.listStreams(t)).toEqual([{ tenantid: t, streamid: 'session-1', events: 3 }]);
    // a producer retry that stored a record twice is recognised and ignored
    expect(index.apply({ partition: 1, offset: 3 }, stream[2]!, 'broker').position.offset).toBe(2);
    expect(index.retryDuplicates).toBe(1);
    index.markRead(1, 4);
    expect(index.indexedUpTo(1)).toBe(4);
    expect(index.head(t, 'session-2')).toEqual({ streamposition: 0, hash: GENESIS_HASH });
  });
});

describe('KafkaEventLog configuration', () => {
  it('reports every invalid setting with what to fix, before any I/O', () => {
    const error = (() => {
      try {
        return new KafkaEventLog({
          brokers: ['localhost', 'kafka:99999'],
          topic: 'bad topic',
          partitions: 0,
          vault: {} as never,
          cipher,
        });
      } catch (e) {
        return e;
      }
    })();
    expect(MemfabricError.is(error) && error.code).toBe('configuration_invalid');
    const message = (error as Error).message;
    for (const part of ['broker "localhost"', 'broker "kafka:99999"', 'topic "bad topic"', 'partitions must be', 'vault must be']) {
      expect(message).toContain(part);
    }
  });

  it('fills in defaults', () => {
    const log = new KafkaEventLog({ brokers: ['127.0.0.1:9092', '[::1]:9093'], vault, cipher });
    expect(log.config).toMatchObject({ topic: 'memfabric.events', partitions: 6, idempotentProducer: true, createTopic: true });
  });
});
