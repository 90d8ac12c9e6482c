import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { checkpointTopicConfigProblems, keyTopicConfigProblems, resolveKafkaCheckpointStoreConfig, resolveKafkaKeyVaultConfig } from '../src/index.js';
import { BARRIER_KEY, destroyedMarkerKey, KeyTable } from '../src/kafka-state/key-table.js';

let offset = 0;
function record(key: string, value: unknown): KafkaMessage {
  const message: KafkaMessage = {
    key: Buffer.from(key),
    value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
    headers: {},
  };
  offset += 1;
  return message;
}

const wrapped = randomBytes(60).toString('base64url');
const created = (tenantid: string, datasubject: string) => ({ type: 'content-key.created', v: 1, tenantid, datasubject, wrapped, createdAt: '2024-01-01T00:00:00.000Z' });
const destroyed = (tenantid: string, datasubject: string, keyids: string[]) => ({
  type: 'content-keys.destroyed', v: 1, tenantid, datasubject, keyids, destroyedAt: '2024-01-02T00:00:00.000Z',
});

describe('KeyTable: the key topic folded in offset order', () => {
  it('given two key records of a subject, the first in topic order is active and both are live', () => {
    const table = new KeyTable();
    table.apply(0, record('k2', created('t', 's')));
    table.apply(0, record('k1', created('t', 's')));
    expect(table.live('t', 's').map((k) => k.keyid)).toEqual(['k2', 'k1']);
    expect(table.counts('t', 's')).toEqual({ total: 2, live: 2 });
    expect(table.counts('t', 'other')).toEqual({ total: 0, live: 0 });
  });

  it('given a marker, its keys are gone, stay counted, and a later copy of a key record is ignored', () => {
    const table = new KeyTable();
    table.apply(0, record('k1', created('t', 's')));
    table.apply(0, record(destroyedMarkerKey('t', 's'), destroyed('t', 's', ['k1'])));
    table.apply(0, record('k1', null));
    table.apply(1, record('k1', created('t', 's')));
    expect(table.find('k1')).toBeUndefined();
    expect(table.counts('t', 's')).toEqual({ total: 1, live: 0 });
  });

  it('given only the marker (compaction removed the key record and its tombstone), the subject counts as erased', () => {
    const table = new KeyTable();
    table.apply(0, record(destroyedMarkerKey('t', 's'), destroyed('t', 's', ['k1', 'k2'])));
    expect(table.counts('t', 's')).toEqual({ total: 2, live: 0 });
  });

  it('given a tombstone without a marker, the key is destroyed; barrier tombstones and a retry copy change nothing', () => {
    const table = new KeyTable();
    table.apply(0, record('k1', created('t', 's')));
    table.apply(0, record('k1', created('t', 's')));
    table.apply(0, record(BARRIER_KEY, null));
    expect(table.counts('t', 's')).toEqual({ total: 1, live: 1 });
    table.apply(0, record('k1', null));
    expect(table.counts('t', 's')).toEqual({ total: 1, live: 0 });
  });

  it('counts and skips records that are not vault records', () => {
    const table = new KeyTable();
    table.apply(0, record('a', 'not json'));
    table.apply(0, record('b', { ...created('t', 's'), v: 2 }));
    table.apply(0, record('c', { ...created('t', 's'), wrapped: 'short' }));
    table.apply(0, record('d', { ...created('', 's') }));
    expect(table.skippedRecords).toBe(4);
    expect(table.size).toBe(0);
  });

  it('keeps marker keys of subjects with slashes apart', () => {
    expect(destroyedMarkerKey('a/b', 'c')).not.toBe(destroyedMarkerKey('a', 'b/c'));
  });
});

describe('Kafka state topic configuration checks', () => {
  it('accepts a compacted key topic with a bounded compaction lag, refuses delete and an unbounded lag', () => {
    expect(keyTopicConfigProblems(new Map([['cleanup.policy', 'compact'], ['max.compaction.lag.ms', '60000']]), 3_600_000)).toEqual([]);
    const problems = keyTopicConfigProblems(new Map([['cleanup.policy', 'compact,delete'], ['max.compaction.lag.ms', '9223372036854775807']]), 3_600_000);
    expect(problems).toEqual([expect.stringContaining('set cleanup.policy=compact'), expect.stringContaining('set max.compaction.lag.ms=3600000')]);
  });

  it('accepts a checkpoint topic kept forever, refuses compaction and finite retention', () => {
    expect(checkpointTopicConfigProblems(new Map([['cleanup.policy', 'delete'], ['retention.ms', '-1'], ['retention.bytes', '-1']]))).toEqual([]);
    expect(checkpointTopicConfigProblems(new Map([['cleanup.policy', 'compact'], ['retention.ms', '604800000']]))).toEqual([
      expect.stringContaining('set cleanup.policy=delete'),
      expect.stringContaining('set retention.ms=-1'),
      expect.stringContaining('set retention.bytes=-1'),
    ]);
  });

  it('fills in defaults and names every bad setting', () => {
    expect(resolveKafkaKeyVaultConfig({ brokers: ['kafka:9092'], masterKey: randomBytes(32) })).toMatchObject({
      topic: 'memfabric.keys', partitions: 1, maxCompactionLagMs: 3_600_000, deleteRetentionMs: 86_400_000, createTopic: true, fetchMaxWaitMs: 500,
    });
    expect(resolveKafkaCheckpointStoreConfig({ brokers: ['kafka:9092'] })).toMatchObject({ topic: 'memfabric.audit.checkpoints', clientId: 'memfabric-audit-checkpoints' });
    let error: unknown;
    try {
      resolveKafkaCheckpointStoreConfig({ brokers: ['nope'], fetchMaxWaitMs: 0, createTopic: 'yes' as unknown as boolean });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'configuration_invalid',
      context: { problems: [expect.stringContaining('broker "nope"'), expect.stringContaining('createTopic must be true or false'), expect.stringContaining('fetchMaxWaitMs must be an integer from 1')] },
    });
  });
});
