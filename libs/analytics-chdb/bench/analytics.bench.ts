/**
 * Throughput and latency of the embedded analytics store (chDB).
 *
 * Inserts N flattened events in batches (each batch one `insertEvents` call: validation, row
 * encoding and one JSONEachRow insert) and prints rows/s; then inserts query-log rows and
 * times `tenantDailyStats` (all tenants, and one tenant) and `eventCounts` over the result,
 * reporting the median and p95 of several runs. Data lives in a fresh temporary directory,
 * removed at the end.
 *
 * Run from the repository root:
 *   npx tsx --tsconfig tsconfig.base.json --conditions=@memfabric/source libs/analytics-chdb/bench/analytics.bench.ts
 * Options: --events N (default 100000), --batch N (default 1000), --queries N (default 10000),
 * --runs N (timed runs per read, default 15), --json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { flattenEvent, type FlatEvent, type QueryLogRow } from '@memfabric/analytics';
import type { StoredEvent } from '@memfabric/events';
import { ChdbAnalyticsStore } from '../src/index.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const eventCount = Number(values.events);
const batchSize = Number(values.batch);
const queryCount = Number(values.queries);
const runs = Number(values.runs);

const DAY_MS = 86_400_000;
const start = Date.UTC(2024, 2, 1);
const types = ['interaction.recorded', 'interaction.recorded', 'interaction.recorded', 'facts.extracted', 'memory.asserted', 'memory.corrected'];

/** A stored event as the log returns it (content ~700 chars), flattened like the projection does. */
function makeEvent(i: number): FlatEvent {
  const recorded = start + Math.floor((i / eventCount) * 30 * DAY_MS);
  const type = types[i % types.length]!;
  const stored: StoredEvent = {
    specversion: '1.0',
    id: `0190${i.toString(16).padStart(28, '0')}`,
    source: 'urn:memfabric:bench',
    type,
    time: new Date(recorded - 3_600_000).toISOString(),
    dataschema: `urn:memfabric:schema:${type}:v1`,
    tenantid: `tenant-${i % 16}`,
    streamid: `session-${i % 64}`,
    actor: `agent-${i % 8}`,
    datasubject: `agent-${i % 8}`,
    batchid: `batch-${Math.floor(i / batchSize)}`,
    recordedat: new Date(recorded).toISOString(),
    partition: i % 6,
    offset: Math.floor(i / 6),
    streamposition: Math.floor(i / 64) + 1,
    prevhash: '0'.repeat(64),
    hash: '0'.repeat(64),
    data: type.startsWith('memory') || type.startsWith('interaction') ? { content: 'x'.repeat(600 + (i % 200)) } : { sourceevent: 'e' },
  };
  return flattenEvent(stored);
}

function makeQuery(i: number): QueryLogRow {
  return {
    queryId: `q-${i}`,
    tenantId: `tenant-${i % 16}`,
    caller: `agent-${i % 8}`,
    queryHash: (i % 500).toString(16).padStart(64, '0'),
    k: 10,
    preset: 'hybrid-rrf',
    channelLatencyMs: { dense: 2 + (i % 17), lexical: 1 + (i % 5), graph: 4 + (i % 31) },
    totalLatencyMs: 10 + (i % 97),
    unitIds: Array.from({ length: 10 }, (_, j) => `u-${(i * 7 + j) % 5000}`),
    at: new Date(start + Math.floor((i / queryCount) * 30 * DAY_MS)).toISOString(),
  };
}

function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
}

async function time(label: string, fn: () => Promise<unknown>): Promise<{ read: string; runs: number; p50Ms: number; p95Ms: number }> {
  await fn(); // warm-up
  const ms: number[] = [];
  for (let r = 0; r < runs; r += 1) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { read: label, runs, p50Ms: +quantile(ms, 0.5).toFixed(1), p95Ms: +quantile(ms, 0.95).toFixed(1) };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-analytics-bench-'));
const store = ChdbAnalyticsStore.open({ path: path.join(dir, 'analytics') });
try {
  await store.migrate();
  const events = Array.from({ length: eventCount }, (_, i) => makeEvent(i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < eventCount; i += batchSize) await store.insertEvents(events.slice(i, i + batchSize));
  const insertSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const queries = Array.from({ length: queryCount }, (_, i) => makeQuery(i));
  const q0 = process.hrtime.bigint();
  for (let i = 0; i < queryCount; i += batchSize) await store.insertQueries(queries.slice(i, i + batchSize));
  const querySeconds = Number(process.hrtime.bigint() - q0) / 1e9;

  const counts = await store.eventCounts();
  if (counts.events !== eventCount) throw new Error(`expected ${eventCount} events, store holds ${counts.events}`);
  const days = await store.tenantDailyStats();

  const reads = [
    await time('tenantDailyStats() all tenants', () => store.tenantDailyStats()),
    await time("tenantDailyStats({ tenant: 'tenant-3' })", () => store.tenantDailyStats({ tenant: 'tenant-3' })),
    await time("tenantDailyStats({ eventDay: 'world' })", () => store.tenantDailyStats({ eventDay: 'world' })),
    await time('eventCounts()', () => store.eventCounts()),
  ];
  const summary = {
    events: eventCount,
    batch: batchSize,
    insertSeconds: +insertSeconds.toFixed(3),
    eventsPerSecond: Math.round(eventCount / insertSeconds),
    queries: queryCount,
    queryRowsPerSecond: Math.round(queryCount / querySeconds),
    dailyRows: days.length,
    reads,
  };
  if (values.json) console.log(JSON.stringify(summary));
  else {
    console.log(`insertEvents: ${eventCount} events in batches of ${batchSize}: ${summary.insertSeconds} s, ${summary.eventsPerSecond} rows/s`);
    console.log(`insertQueries: ${queryCount} rows in batches of ${batchSize}: ${summary.queryRowsPerSecond} rows/s`);
    console.log(`daily stats rows (16 tenants x 30 days): ${days.length}`);
    for (const r of reads) console.log(`${r.read}: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms over ${r.runs} runs`);
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
