/**
 * End-to-end cost of the embedded adapters on LoCoMo: the 2,760 dialog turns as the units of
 * one tenant (stream = conversation/session, USE-lite 512-d vectors), the 999 questions as
 * queries.
 *
 * Latencies are of the synchronous calls (`searchSync`), as wall-clock and as process CPU time
 * (robust on a machine shared with other work).
 *
 * Prints, for `SqliteVectorIndex`: upsert throughput (batches of 100 in one transaction each),
 * time of the first search (builds the HNSW graph from the rows), query latency p50/p95 and
 * recall@10 against `ExactVectorIndex` on the HNSW path and on the exact path (threshold above
 * the tenant), the same with a stream filter (one session, ~1% of the units), time to save the
 * graph on close and to load it on the first search after reopening; and for
 * `SqliteLexicalIndex`: upsert throughput and BM25 query latency.
 *
 * Run from the repository root:
 *   npx tsx --tsconfig tsconfig.base.json --conditions=@memfabric/source \
 *     libs/vector-index-hnsw/bench/adapter.bench.ts [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExactVectorIndex, type EmbeddingModelRef, type SearchFilter, type VectorPoint } from '@memfabric/vector-index';
import { SqliteLexicalIndex, SqliteVectorIndex } from '../src/index.js';
import { DIM, embedAll, readLocomoTexts } from './locomo-embeddings.js';

const { values } = parseArgs({
  options: {
    locomo: { type: 'string', default: '../shared/data/locomo/locomo-dev.json' },
    json: { type: 'boolean', default: false },
  },
});
const K = 10;
const MODEL: EmbeddingModelRef = { id: 'use-lite-512', dimension: DIM };
const TENANT = 'locomo';
const out: Record<string, unknown> = {};

function log(line: string) {
  if (!values.json) console.log(line);
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function percentiles(times: number[]): { p50: number; p95: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { p50: at(50), p95: at(95) };
}

async function main() {
  const { turns, questions } = readLocomoTexts(values.locomo);
  const turnVectors = await embedAll(turns, 'turns', !values.json);
  const questionVectors = await embedAll(questions, 'questions', !values.json);
  const base = Date.UTC(2023, 4, 8);
  const points: VectorPoint[] = turns.map((text, i) => ({
    id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    tenant: TENANT,
    stream: `session_${Math.floor(i / 28)}`,
    actor: i % 2 === 0 ? 'caroline' : 'melanie',
    worldTime: base + i * 60_000,
    txTime: base + i * 60_000 + 1000,
    offset: i,
    status: 'active',
    text,
    vector: turnVectors.slice(i * DIM, (i + 1) * DIM),
    modelId: MODEL.id,
  }));
  const queries = Array.from({ length: questions.length }, (_, q) => questionVectors.subarray(q * DIM, (q + 1) * DIM));
  const exact = new ExactVectorIndex({ model: MODEL });
  await exact.upsert(points);
  log(`LoCoMo: ${points.length} units in one tenant, ${queries.length} questions, k=${K}; cores=${os.cpus().length}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-adapter-bench-'));
  try {
    const file = path.join(dir, 'projection.db');
    let index = SqliteVectorIndex.open({ database: file, model: MODEL });
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < points.length; i += 100) await index.upsert(points.slice(i, i + 100));
    const upsertMs = ms(t0);
    log(`vector upsert: ${points.length} points in ${upsertMs.toFixed(0)} ms (${((points.length / upsertMs) * 1000).toFixed(0)} points/s)`);
    t0 = process.hrtime.bigint();
    await index.search({ tenant: TENANT, vector: queries[0]!, k: K });
    const buildMs = ms(t0);
    log(`first search (HNSW graph built from the rows): ${buildMs.toFixed(0)} ms`);
    out.vector = { points: points.length, upsertMs, buildMs };

    const run = async (label: string, target: SqliteVectorIndex, filter?: SearchFilter) => {
      const times: number[] = [];
      const cpu: number[] = [];
      let found = 0;
      let wanted = 0;
      for (const vector of queries) {
        const c = process.cpuUsage();
        const s = process.hrtime.bigint();
        const hits = target.searchSync({ tenant: TENANT, vector, k: K, ...(filter ? { filter } : {}) });
        times.push(ms(s));
        const cu = process.cpuUsage(c);
        cpu.push((cu.user + cu.system) / 1000);
        const truth = await exact.search({ tenant: TENANT, vector, k: K, ...(filter ? { filter } : {}) });
        const kth = truth[truth.length - 1]?.score ?? -Infinity;
        wanted += truth.length;
        found += hits.filter((h) => h.score >= kth - 1e-5).length;
      }
      const { p50, p95 } = percentiles(times.slice(20));
      const c = percentiles(cpu.slice(20));
      const recall = wanted === 0 ? 1 : found / wanted;
      log(`${label}: recall@10 ${recall.toFixed(4)}, wall p50 ${p50.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms; cpu p50 ${c.p50.toFixed(3)} ms, p95 ${c.p95.toFixed(3)} ms`);
      out[label] = { recall, p50Ms: p50, p95Ms: p95, cpuP50Ms: c.p50, cpuP95Ms: c.p95 };
    };
    await run('HNSW path (threshold 2000)', index);
    await run('stream filter (1% of the tenant)', index, { streams: ['session_7'] });
    await run('world-time filter (50% of the tenant)', index, { worldTime: { to: base + 1380 * 60_000 } });
    t0 = process.hrtime.bigint();
    await index.close();
    const saveMs = ms(t0);
    index = SqliteVectorIndex.open({ database: file, model: MODEL });
    t0 = process.hrtime.bigint();
    await index.search({ tenant: TENANT, vector: queries[0]!, k: K });
    const loadMs = ms(t0);
    log(`close (graph saved): ${saveMs.toFixed(0)} ms; first search after reopening (graph loaded): ${loadMs.toFixed(0)} ms (${index.cacheInfo(TENANT).graph?.source})`);
    out.persistence = { saveMs, loadMs };
    await index.close();
    const exactPath = SqliteVectorIndex.open({ database: file, model: MODEL, exactThreshold: 1_000_000 });
    await run('exact path (threshold above the tenant)', exactPath);
    await exactPath.close();

    const lexical = SqliteLexicalIndex.open({ database: file });
    t0 = process.hrtime.bigint();
    for (let i = 0; i < points.length; i += 100) await lexical.upsert(points.slice(i, i + 100));
    const lexUpsertMs = ms(t0);
    const times: number[] = [];
    const cpu: number[] = [];
    let nonEmpty = 0;
    for (const text of questions) {
      const c = process.cpuUsage();
      const s = process.hrtime.bigint();
      const hits = lexical.searchSync({ tenant: TENANT, text, k: K });
      times.push(ms(s));
      const cu = process.cpuUsage(c);
      cpu.push((cu.user + cu.system) / 1000);
      if (hits.length > 0) nonEmpty += 1;
    }
    const { p50, p95 } = percentiles(times.slice(20));
    const c = percentiles(cpu.slice(20));
    log(
      `FTS5 upsert: ${points.length} docs in ${lexUpsertMs.toFixed(0)} ms; BM25 query wall p50 ${p50.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms; ` +
        `cpu p50 ${c.p50.toFixed(3)} ms, p95 ${c.p95.toFixed(3)} ms (${nonEmpty}/${questions.length} questions with hits)`,
    );
    out.lexical = { upsertMs: lexUpsertMs, p50Ms: p50, p95Ms: p95, cpuP50Ms: c.p50, cpuP95Ms: c.p95 };
    await lexical.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (values.json) console.log(JSON.stringify(out));
}

await main();
