import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AesGcmContentCipher } from '@memfabric/crypto';
import { lag } from '@memfabric/event-log';
import { interaction } from '@memfabric/event-log/testing';
import { JsonLinesTestStore } from '@memfabric/projections/testing';
import { KafkaEventLog } from '../src/index.js';
import { mockClusterBinary, startKafkaMockCluster, type MockCluster } from '../src/testing/index.js';
import { RecordingKeyVault } from './file-keys.js';

/**
 * The external-store runtime's crash test over the Kafka adapter (librdkafka's mock cluster):
 * a child process is killed after the store acknowledged a batch and before the consumer group
 * committed it; a restarted child is delivered that batch again and the store still holds every
 * event's effect exactly once.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = mockClusterBinary(process.env);
const skipReason = existsSync(binary) ? undefined : `${binary} not found (build it with libs/event-log-kafka/mock-cluster/build.sh, or set MEMFABRIC_KAFKA_MOCK_BIN)`;
if (skipReason) console.warn(`[kafka] external-store crash test skipped: ${skipReason}`);

const EVENTS = 30;
const BATCH = 4;
const CRASH_AFTER = 2;
const GROUP = 'projection:tenant-counts:g1';

function runWorker(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), path.join(here, 'async-projection-worker.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

(skipReason ? describe.skip : describe)('external-store runtime over Kafka under SIGKILL between the store acknowledgement and the commit', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-kafka-crash-'));
  let cluster: MockCluster | undefined;
  let log: KafkaEventLog | undefined;
  afterAll(async () => {
    await log?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redelivers the acknowledged batch to the restarted consumer and the store applies every event exactly once', { timeout: 90_000 }, async () => {
    const topic = `memfabric.events.crash-${randomUUID()}`;
    cluster = await startKafkaMockCluster({ binary, brokers: 3, topics: [{ name: topic, partitions: 3 }] });
    const vault = new RecordingKeyVault();
    log = await KafkaEventLog.connect({
      brokers: cluster.brokers, topic, clientId: 'memfabric-crash-test-writer', createTopic: false, vault, cipher: new AesGcmContentCipher(),
      idempotentProducer: false, fetchMaxWaitMs: 50, catchUpTimeoutMs: 15_000, logLevel: 'nothing',
    });
    const appended = await log.append(Array.from({ length: EVENTS }, (_, i) => interaction(i % 3 === 0 ? 'crash-a' : 'crash-b', `s${i % 6}`, `turn ${i}`)));
    expect(new Set(appended.map((a) => a.partition)).size).toBeGreaterThan(1);
    const keysFile = path.join(dir, 'keys.json');
    vault.save(keysFile);
    const storeFile = path.join(dir, 'external-store.jsonl');
    const args = [cluster.brokers.join(','), topic, keysFile, storeFile, String(BATCH)];

    const crashed = await runWorker(args, { MEMFABRIC_TEST_CRASH_AFTER_BATCHES: String(CRASH_AFTER) });
    expect({ signal: crashed.signal, stderr: crashed.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    expect(crashed.stdout.trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['applied 1', 'applied 2']);

    const store = new JsonLinesTestStore(storeFile);
    const afterCrash = store.read();
    const batches = [...new Set(afterCrash.deliveries.map((d) => d.batch))];
    expect(batches).toHaveLength(2);
    const firstBatch = afterCrash.deliveries.filter((d) => d.batch === batches[0]);
    const crashedBatch = afterCrash.deliveries.filter((d) => d.batch === batches[1]).map((d) => d.id);
    expect(afterCrash.effects).toHaveLength(firstBatch.length + crashedBatch.length);
    // the consumer group committed the first batch only
    expect(EVENTS - lag(await log.committed(GROUP), await log.end())).toBe(firstBatch.length);

    const restarted = await runWorker(args);
    expect({ code: restarted.code, stderr: restarted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(restarted.stdout.trim().split('\n').at(-1)).toBe('done');

    const final = store.read();
    const deliveredTimes = new Map<string, number>();
    for (const d of final.deliveries) deliveredTimes.set(d.id, (deliveredTimes.get(d.id) ?? 0) + 1);
    // at-least-once delivery: the acknowledged, uncommitted batch came again
    expect([...deliveredTimes].filter(([, n]) => n > 1).map(([id]) => id).sort()).toEqual([...crashedBatch].sort());
    expect(final.deliveries).toHaveLength(EVENTS + crashedBatch.length);
    // exactly-once effect
    expect(final.effects.map((e) => e.id).sort()).toEqual(appended.map((a) => a.id).sort());
    expect(final.counts).toEqual({ 'crash-a': 10, 'crash-b': 20 });
    expect(lag(await log.committed(GROUP), await log.end())).toBe(0);
  });
});
