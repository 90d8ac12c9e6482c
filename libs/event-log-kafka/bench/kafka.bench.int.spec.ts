import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mockClusterBinary } from '../src/testing/index.js';

/**
 * Smoke test of `npm run bench:kafka`: runs the bench with tiny sizes on librdkafka's mock
 * cluster and checks the shape of its JSON and that its counts add up (no timing assertions;
 * speed is what the bench itself reports). About 16 s, most of it the mock's group-join delays
 * (3 s per new group, session timeout minus 1 s per rebalance). Skipped without the launcher.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = mockClusterBinary(process.env);
const skipReason = existsSync(binary) ? undefined : `${binary} not found (build it with libs/event-log-kafka/mock-cluster/build.sh, or set MEMFABRIC_KAFKA_MOCK_BIN)`;
if (skipReason) console.warn(`[kafka] bench smoke test skipped: ${skipReason}`);

const BATCHES = [1, 7];
const SINGLE = 5;
const EVENTS = 21;
const PARTITIONS = 4;

function runBench(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), path.join(here, 'kafka.bench.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

interface Produce {
  path: string;
  batch: number;
  events: number;
  avgRecordBytes: number;
  seconds: number;
  eventsPerSecond: number;
}

interface Report {
  machine: { cpus: number; node: string };
  broker: { kind: string; brokers: number; partitions: number };
  startMs: number;
  sealing: { events: number; eventsPerSecond: number };
  produce: Produce[];
  ratios: { batch: number; portOverRaw: number }[];
  consume: { path: string; events: number; joinMs: number; seconds: number; eventsPerSecond: number }[];
  rebalance: {
    partitions: number;
    joinMs: number;
    leaveMs: number;
    afterJoin: { a: number[]; b: number[] };
    afterLeave: number[];
    liveEvents: number;
    appended: number;
    deliveries: number;
    distinct: number;
    lost: number;
    redelivered: number;
  };
  trimmed: Record<string, number>;
}

(skipReason ? describe.skip : describe)('npm run bench:kafka (tiny sizes on the mock cluster)', () => {
  it('prints one JSON object whose produce, consume and rebalance counts add up', async () => {
    const { code, stdout, stderr } = await runBench([
      '--json', '--events', String(EVENTS), '--single', String(SINGLE), '--batches', BATCHES.join(','),
      '--partitions', String(PARTITIONS), '--brokers', '2', '--live-batch', '5',
    ]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as Report;

    expect(report.broker).toMatchObject({ kind: 'librdkafka mock cluster', brokers: 2, partitions: PARTITIONS });
    expect(report.produce.map((p) => [p.path, p.batch, p.events])).toEqual(
      BATCHES.flatMap((b) => [['port', b, b === 1 ? SINGLE : EVENTS], ['raw', b, b === 1 ? SINGLE : EVENTS]]),
    );
    for (const p of report.produce) {
      expect(p.eventsPerSecond).toBeGreaterThan(0);
      expect(p.avgRecordBytes).toBeGreaterThan(1000);
    }
    expect(report.ratios.map((r) => r.batch)).toEqual(BATCHES);
    for (const r of report.ratios) expect(r.portOverRaw).toBeGreaterThan(0);
    expect(report.sealing.events).toBe(SINGLE + EVENTS);

    // every event written before the consumers started is read back from offset 0, once
    const written = SINGLE + EVENTS;
    expect(report.consume.map((c) => [c.path, c.events])).toEqual([['port', written], ['raw', written]]);

    const r = report.rebalance;
    expect(r.partitions).toBe(PARTITIONS);
    expect(r.afterJoin.a.length).toBeGreaterThan(0);
    expect(r.afterJoin.b.length).toBeGreaterThan(0);
    expect(r.afterJoin.a.filter((p) => r.afterJoin.b.includes(p))).toEqual([]);
    expect(r.afterLeave.length).toBeGreaterThan(0);
    expect(r.liveEvents).toBeGreaterThan(0);
    expect(r.appended).toBe(written + r.liveEvents);
    expect(r.lost).toBe(0);
    expect(r.distinct).toBe(r.appended);
    expect(r.deliveries).toBe(r.distinct + r.redelivered);
    expect(r.joinMs).toBeGreaterThanOrEqual(0);
    expect(r.leaveMs).toBeGreaterThanOrEqual(0);

    expect(report.trimmed).toEqual({ 'bench.port': 0, 'bench.raw': 0 });
  }, 90_000);
});
