import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readClusterSettings } from '../src/cluster-settings.js';
import { integer, readerPlacements } from '../src/settings.js';

const key = Buffer.alloc(32, 7).toString('base64');

describe('cluster settings', () => {
  it('reads a minimal Kafka service, with defaults, tenant-keyed topics and embedded stores', () => {
    const read = readClusterSettings({ MEMFABRIC_KAFKA_BROKERS: 'k-0:9092, k-1:9092', MEMFABRIC_MASTER_KEY: key }, 'query-gateway', {});
    expect(read.problems).toEqual([]);
    expect(read.config?.cluster).toMatchObject({
      kafka: { brokers: ['k-0:9092', 'k-1:9092'], topic: 'memfabric.events', keysTopic: 'memfabric.keys', partitions: 6, clientId: 'memfabric-query-gateway', idempotentProducer: true },
      stores: {},
      readyMaxLag: 1000,
      shutdownTimeoutMs: 10_000,
    });
    expect(read.config?.cluster.kafka.masterKey).toHaveLength(32);
    expect(readerPlacements(read.config!.cluster.stores, { vectors: true, graph: true, analytics: true })).toEqual({ vectors: 'embedded', graph: 'embedded', analytics: 'embedded', extraction: 'off' });
  });

  it('names every bad variable at once, one line each, never quoting a secret', () => {
    const read = readClusterSettings(
      {
        MEMFABRIC_KAFKA_BROKERS: 'no-port',
        MEMFABRIC_MASTER_KEY: 'c2VjcmV0LXZhbHVl',
        MEMFABRIC_KAFKA_PARTITIONS: 'six',
        MEMFABRIC_VECTOR_STORE: 'qdrant',
        MEMFABRIC_GRAPH_STORE: 'neo4j',
        MEMFABRIC_NEO4J_URL: 'neo4j://n:7687',
        MEMFABRIC_SHUTDOWN_TIMEOUT_MS: '5',
        MEMFABRIC_QDRANT_API_KEY: 'hunter2-secret',
        MEMFABRIC_PORT_OF_MINE: '99999',
      },
      'projector',
      { MEMFABRIC_PORT_OF_MINE: integer(1, 0, 65_535) },
    );
    const text = read.problems.join('\n');
    expect(read.config).toBeUndefined();
    expect(read.problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['MEMFABRIC_KAFKA_BROKERS', 'MEMFABRIC_MASTER_KEY', 'MEMFABRIC_KAFKA_PARTITIONS', 'MEMFABRIC_SHUTDOWN_TIMEOUT_MS', 'MEMFABRIC_PORT_OF_MINE']),
    );
    expect(text).not.toContain('c2VjcmV0LXZhbHVl');
    expect(text).not.toContain('hunter2');
  });

  it('checks rules across variables once each value is valid', () => {
    const read = readClusterSettings({ MEMFABRIC_VECTOR_STORE: 'qdrant', MEMFABRIC_NEO4J_URL: 'bolt://n:7687', MEMFABRIC_KAFKA_SASL_MECHANISM: 'plain' }, 'projector', {});
    expect(read.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^MEMFABRIC_KAFKA_BROKERS: required/),
        expect.stringMatching(/^MEMFABRIC_MASTER_KEY: required/),
        expect.stringMatching(/^MEMFABRIC_KAFKA_SASL_MECHANISM: needs/),
        expect.stringMatching(/^MEMFABRIC_QDRANT_URL: required with MEMFABRIC_VECTOR_STORE=qdrant/),
        expect.stringMatching(/^MEMFABRIC_NEO4J_PASSWORD: required/),
      ]),
    );
  });

  it('takes secrets from NAME_FILE (a mounted Secret), and reports an unreadable one by name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-settings-'));
    writeFileSync(path.join(dir, 'master.key'), `${key}\n`);
    const ok = readClusterSettings({ MEMFABRIC_KAFKA_BROKERS: 'k:9092', MEMFABRIC_MASTER_KEY_FILE: path.join(dir, 'master.key'), MEMFABRIC_QDRANT_URL: 'http://q:6333' }, 'gateway', {});
    expect(ok.problems).toEqual([]);
    expect(ok.config?.cluster.stores.vectors).toMatchObject({ url: 'http://q:6333', collectionPrefix: 'memfabric_units' });
    const bad = readClusterSettings({ MEMFABRIC_KAFKA_BROKERS: 'k:9092', MEMFABRIC_MASTER_KEY_FILE: path.join(dir, 'missing.key') }, 'gateway', {});
    expect(bad.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^MEMFABRIC_MASTER_KEY_FILE: cannot read .*missing\.key \(ENOENT\)$/)]));
  });
});
