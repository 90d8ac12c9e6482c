import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import { lagOf, resendAfterReset } from './fabric-process.js';
import type { Report } from './serve.bench.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SAMPLE = path.join(root, 'samples', 'conversation.locomo.json');

/** Runs `serve.bench.ts` as `npm run bench:serve` does, with `args`; resolves with its exit code and output. */
function runBench(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@memfabric/source', '--import', 'tsx', path.join(root, 'services', 'fabric', 'bench', 'serve.bench.ts'), ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('bench:serve', () => {
  it('given a small LoCoMo file and short phases, the JSON line holds every figure, consistent with each other and with the log', { timeout: 90_000 }, async () => {
    const seedEvents = [...locomoEvents(readLocomo(JSON.parse(readFileSync(SAMPLE, 'utf8')) as unknown))].length;
    const { code, stdout, stderr } = await runBench([
      '--file', SAMPLE, '--embedder', 'hash', '--duration-ms', '1500', '--recall-clients', '3', '--ingest-clients', '2', '--batch', '10', '--warmup', '3', '--catch-up-ms', '20000', '--json',
    ]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines, 'progress goes to stderr with --json').toHaveLength(1);
    const report = JSON.parse(lines[0]!) as Report;

    for (const key of [
      'recallP50AloneMs', 'recallP95AloneMs', 'recallP50UnderIngestMs', 'recallP95UnderIngestMs', 'recallP95UnderIngestRatio',
      'ingestEventsPerSec', 'secondsToQueryable', 'secondsToCaughtUp', 'serverStartSeconds', 'seedAppendSeconds',
    ] as const) {
      expect(Number.isFinite(report[key]) && report[key] > 0, `${key} = ${report[key]}`).toBe(true);
    }
    expect(report).toMatchObject({ bench: 'serve', recallClients: 3, ingestClients: 2, batch: 10, embedder: 'hash', rateLimits: 'off', seedEvents, serverExitCode: 0 });
    expect(report.machine).toMatchObject({ cpus: cpus().length, node: process.version });
    expect(Date.now() - Date.parse(report.date)).toBeLessThan(120_000);

    for (const phase of [report.alone, report.underIngest]) {
      expect(phase.errors, phase.firstError).toBe(0);
      expect(phase.recalls).toBeGreaterThan(0);
      expect(phase.p50).toBeGreaterThan(0);
      expect(phase.p50).toBeLessThanOrEqual(phase.p95);
      expect(phase.p95).toBeLessThanOrEqual(phase.max);
      expect(phase.server.cpuSeconds).toBeGreaterThan(0);
      expect(phase.server.eventLoopDelayMaxMs).toBeGreaterThan(0);
      expect(phase.server.eventLoopDelayP99Ms).toBeLessThanOrEqual(phase.server.eventLoopDelayMaxMs);
    }
    expect(report.secondsToCaughtUp).toBeGreaterThanOrEqual(report.secondsToQueryable);
    expect(report.recallP95AloneMs).toBe(report.alone.p95);
    expect(report.recallP95UnderIngestMs).toBe(report.underIngest.p95);
    expect(report.recallP95UnderIngestRatio).toBeCloseTo(report.underIngest.p95 / report.alone.p95, 2);

    const ingest = report.underIngest.ingest;
    expect(ingest.errors, ingest.firstError).toBe(0);
    expect(ingest.duplicates).toBe(0);
    expect(ingest.acknowledged).toBe(ingest.requests * 10);
    expect(report.ingestAcknowledged).toBe(ingest.acknowledged);
    expect(report.ingestEventsPerSec).toBe(Math.round(ingest.acknowledged / ingest.seconds));
    // every acknowledged load event is in the log, read back through the API
    expect(report.ingestEventsInLog).toBe(ingest.acknowledged);
    expect(Object.keys(report.projectionLagAtEnd)).toEqual(expect.arrayContaining(['memory-units', 'vectors']));
    expect(report.secondsToCatchUp).not.toBeNull();
  });

  it('given a Prometheus exposition, lagOf sums memfabric_consumer_lag over the partitions of each projection', () => {
    const text = [
      '# HELP memfabric_consumer_lag Events between ...',
      '# TYPE memfabric_consumer_lag gauge',
      'memfabric_consumer_lag{projection="vectors",partition="0"} 7',
      'memfabric_consumer_lag{partition="1",projection="vectors"} 3',
      'memfabric_consumer_lag{projection="graph",partition="0"} 0',
      'memfabric_consumer_lag_other{projection="graph",partition="0"} 99',
      'memfabric_events_appended_total{type="interaction.recorded"} 12',
    ].join('\n');
    expect(lagOf(text)).toEqual({ vectors: 10, graph: 0 });
  });

  it('resendAfterReset sends again after ECONNRESET (nested in the cause) only, and gives up after the last attempt', async () => {
    const reset = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    let calls = 0;
    let resets = 0;
    await expect(resendAfterReset(async () => (++calls < 3 ? Promise.reject(reset()) : 'ok'), () => (resets += 1))).resolves.toBe('ok');
    expect([calls, resets]).toEqual([3, 2]);
    calls = 0;
    await expect(resendAfterReset(() => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })).finally(() => (calls += 1)))).rejects.toThrow('refused');
    expect(calls).toBe(1);
    calls = 0;
    await expect(resendAfterReset(() => Promise.reject(reset()).finally(() => (calls += 1)), undefined, 3)).rejects.toThrow('fetch failed');
    expect(calls).toBe(3);
  });
});
