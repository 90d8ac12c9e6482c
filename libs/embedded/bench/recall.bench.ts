/**
 * Recall latency on the embedded stack (`npm run bench:recall`).
 *
 * For each corpus size (memory units; default 10k, 100k, 1M) over 100 tenants:
 * 1. build, in a child process: the synthetic corpus of `@memfabric/bench-corpus` (LoCoMo-like
 *    turn lengths, sessions of ~20 turns between 2-3 people) is appended to the SQLite event log
 *    in batches of 1,000 (validation, encryption, hash chain: the real write path), then the
 *    projections the recall reads are caught up one after the other: memory-units and vectors
 *    (embedder `MEMFABRIC_EMBEDDER`, default `hash` here) always; extraction and graph only up to
 *    `--graph-max` units (offline NLP runs at ~200 turns/s on this machine, so a 100k build would
 *    spend most of its time there); analytics never (recall does not read it). Then each tenant's
 *    HNSW graph is built (`warm()`) and saved. Every stage is timed (wall clock and CPU).
 * 2. serve, in a fresh child process (its peak RSS is a server's, not the build's): opens the
 *    data directory, loads the HNSW files, measures the component reads (query embedding, dense
 *    search, FTS5 search, memory-unit hydration) and then, per preset, `--warmup` unmeasured and
 *    `--queries` measured recalls through `fabric.recaller().recall(...)` (end to end: query
 *    embedding, every channel, fusion, hydration, query log), one at a time, each query scoped to
 *    a random tenant, k = 10. Every query text is new to the process, so none is answered from
 *    the embedding cache. Then ablations (`--ablations`, `--ablation-queries` each): the same
 *    recall with one channel switched off or alone, to attribute the fused latency to channels
 *    (the engine's per-channel timings overlap: its channels are awaited together).
 *    Each recall also reports the CPU time the process spent on it, steadier than wall clock
 *    when other work shares the cores.
 * Sizes are run smallest first; a size whose build, extrapolated linearly from the previous
 * size, would exceed `--max-build-minutes` is reported as not run, and a build still running at
 * that limit is stopped and reported.
 * Finally USE lite's query-embedding cost is measured alone (`--use-queries`, default 200): the
 * USE index (512-d) is built only when `--use-index-size N` asks for it (USE lite embeds about
 * 13 turns/s here, so 10k units take ~13 min).
 *
 * Size axis per tenant (`--tenant-units LIST`, e.g. `10000,100000,1000000`): instead of the
 * sizes above, ONE tenant holds each number of units, its turns recombined from the LoCoMo dev
 * split (`--locomo FILE`, see `recall-tenant-corpus.ts`) so extraction finds people, places and
 * dates and the graph channel has entities to match; every stage runs at every size
 * (extraction and graph included, unless `--graph-max` is below the size), the index holds `--dimensions` (512, USE lite's length)
 * hash-embedded vectors, so above 2,000 units the HNSW graph is searched, and every query is
 * embedded by USE lite itself (the real model, in the serve process): the latency includes it.
 * Defaults there: presets `hybrid-rrf`, ablations `hybrid-rrf:dense=0+temporal=0` (the channels
 * that need no query vector), `dense-only`, `lexical-only`, `graph-only`; no separate
 * use-embed step (the serve's `embed` component is USE lite); the build estimate of the next
 * size is linear in every stage. Targets: hybrid-rrf p95 ≤ 30 ms at 100k, ≤ 50 ms at 1M.
 *
 * Run from the repository root:
 *   npm run bench:recall -- --sizes 10000,100000 --json
 *   npm run bench:recall -- --tenant-units 10000,100000 --json
 * Options: --sizes LIST, --tenants N (100), --seed N (1), --queries N (1000), --warmup N (100),
 * --component-queries N (200), --presets LIST (hybrid-rrf,dense-only,lexical-only), --k N (10),
 * --ablations LIST (preset[:channel=weight+...], see the default), --ablation-queries N (300),
 * --embedder hash|use (hash), --graph-max N (10000; with --tenant-units: every size), --max-build-minutes N (40),
 * --use-queries N (200; 0 skips), --use-index-size N (0 = off), --data-dir DIR (os.tmpdir()),
 * --keep (keep the data directories, with what --reuse needs), --reuse DIR[,DIR] (no build:
 * serve again from kept directories), --cpu-prof DIR (write a V8 CPU profile of each serve phase
 * there, `serve-<units>.cpuprofile`), --json (one JSON line on stdout; progress on stderr),
 * --tenant-units LIST (one tenant per size, above), --locomo FILE
 * (../shared/data/locomo/locomo-dev.json), --dimensions N (512), --query-embedder use|use-worker
 * (USE lite in the serve's main thread, default, or in a worker thread: `useWorkerPool`), or
 * `remote-<ms>` (the index's embedder answering after a timer of that many ms: a remote
 * embedder's round trip, to measure how much of it the other channels hide).
 */
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BuildConfig, TenantCorpusConfig } from './recall-build.js';
import type { ServeConfig } from './recall-serve.js';
import type { BuildReport, ChildMessage, ServeReport, UseEmbedReport } from './recall-stats.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    tenants: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    queries: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '100' },
    'component-queries': { type: 'string', default: '200' },
    presets: { type: 'string' },
    ablations: { type: 'string' },
    'ablation-queries': { type: 'string', default: '300' },
    k: { type: 'string', default: '10' },
    embedder: { type: 'string', default: 'hash' },
    'graph-max': { type: 'string' },
    'max-build-minutes': { type: 'string', default: '40' },
    'use-queries': { type: 'string' },
    'use-index-size': { type: 'string', default: '0' },
    'data-dir': { type: 'string', default: os.tmpdir() },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    reuse: { type: 'string' },
    json: { type: 'boolean', default: false },
    'tenant-units': { type: 'string' },
    locomo: { type: 'string', default: '../shared/data/locomo/locomo-dev.json' },
    dimensions: { type: 'string', default: '512' },
    'query-embedder': { type: 'string', default: 'use' },
  },
});
/** What `--keep` leaves in a data directory, read back by `--reuse`. */
const KEPT_FILE = 'bench-recall.json';
/** One tenant per size (the size axis per tenant) instead of `--sizes` over `--tenants`; also when `--reuse` serves a kept tenant corpus. */
const tenantMode =
  values['tenant-units'] !== undefined ||
  (values.reuse ?? '').split(',').some((dir) => dir.trim() !== '' && (JSON.parse(readFileSync(path.join(dir.trim(), KEPT_FILE), 'utf8')) as KeptBuild).corpus !== undefined);
const queryEmbedder = values['query-embedder'] ?? 'use';
if (!/^(use|use-worker|remote-\d+)$/.test(queryEmbedder)) {
  process.stderr.write(`--query-embedder must be use, use-worker or remote-<ms>, got ${queryEmbedder}\n`);
  process.exit(2);
}

/** A non-negative integer option, or exit with a message saying what to fix. */
function integer(name: string, value: string | undefined, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return n;
}

const sizes = ((values['tenant-units'] !== undefined ? values['tenant-units'] : values.sizes) ?? '').split(',').map((s) => integer(values['tenant-units'] !== undefined ? 'tenant-units' : 'sizes', s.trim().replace(/_/g, ''), 1));
const tenants = tenantMode ? 1 : integer('tenants', values.tenants, 1);
const corpus: TenantCorpusConfig | undefined = tenantMode
  ? { kind: 'locomo-tenant', locomoFile: path.resolve(values.locomo ?? ''), dimensions: integer('dimensions', values.dimensions, 2) }
  : undefined;
const seed = integer('seed', values.seed);
const queries = integer('queries', values.queries, 1);
const warmup = integer('warmup', values.warmup);
const componentQueries = integer('component-queries', values['component-queries'], 1);
const k = integer('k', values.k, 1);
// tenant mode: extraction and graph at every size unless --graph-max says otherwise
const graphMax = integer('graph-max', values['graph-max'] ?? (tenantMode ? String(Number.MAX_SAFE_INTEGER) : '10000'));
const maxBuildMinutes = integer('max-build-minutes', values['max-build-minutes'], 1);
const useQueries = integer('use-queries', values['use-queries'] ?? (tenantMode ? '0' : '200'));
const useIndexSize = integer('use-index-size', values['use-index-size']);
const presets = (values.presets ?? (tenantMode ? 'hybrid-rrf' : 'hybrid-rrf,dense-only,lexical-only')).split(',').map((p) => p.trim()).filter(Boolean);
const DEFAULT_ABLATIONS = tenantMode
  ? 'hybrid-rrf:dense=0+temporal=0,dense-only,lexical-only,graph-only'
  : 'hybrid-rrf:context=0,hybrid-rrf:graph=0,hybrid-rrf:temporal=0,graph-only,dense-only:dense=0+temporal=1';
const ablations = (values.ablations ?? DEFAULT_ABLATIONS).split(',').map((p) => p.trim()).filter(Boolean);
const ablationQueries = integer('ablation-queries', values['ablation-queries'], 1);
const embedderKind = values.embedder ?? 'hash';
if (!['hash', 'use'].includes(embedderKind)) {
  process.stderr.write(`--embedder must be hash or use, got ${embedderKind}\n`);
  process.exit(2);
}

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'recall-worker.ts');
const log = (text: string) => process.stderr.write(`[bench:recall ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

/** Runs one phase in a child process; rejects on a child error or when `timeoutMs` passes. */
function runChild<T extends ChildMessage>(role: string, config: unknown, label: string, timeoutMs?: number, execArgv: readonly string[] = []): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(worker, [role, JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...execArgv] });
    let result: T | undefined;
    let failure: Error | undefined;
    let lastProgress = '';
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            failure = new Error(`stopped after ${Math.round(timeoutMs / 60000)} min (last progress: ${lastProgress || 'none'})`);
            child.kill('SIGKILL');
          }, timeoutMs);
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'progress') {
        lastProgress = message.text;
        log(`${label}: ${message.text}`);
      } else if (message.kind === 'error') failure = new Error(`${label} failed: ${message.message}\n${message.stack ?? ''}`);
      else result = message as T;
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (result) resolve(result);
      else reject(failure ?? new Error(`${label} exited with ${signal ?? `code ${code}`} without a result`));
    });
  });
}

/** Result of one corpus size. */
interface SizeResult {
  readonly units: number;
  readonly embedder: string;
  readonly build?: BuildReport;
  readonly serve?: ServeReport;
  /** Why the size was not (fully) run. */
  readonly notRun?: string;
}

/** Build seconds that scale with the corpus (every stage but extraction and graph). */
function coreBuildSeconds(build: BuildReport): number {
  return scaling(build).reduce((sum, s) => sum + s.seconds, 0);
}

/** The stages whose time scales with the corpus: all of them in tenant mode (extraction and graph run at every size), else all but extraction and graph. */
function scaling(build: BuildReport): BuildReport['stages'] {
  return tenantMode ? build.stages : build.stages.filter((s) => !/extraction|graph$/.test(s.stage));
}

/** What `--keep` leaves in a data directory so that `--reuse` can serve from it again. */
interface KeptBuild {
  readonly units: number;
  readonly tenants: number;
  readonly seed: number;
  readonly embedder: string;
  readonly masterKeyHex: string;
  readonly corpus?: TenantCorpusConfig;
}

/** Serves again from a data directory a `--keep` run left (no build). */
async function reuseDir(dataDir: string): Promise<SizeResult> {
  const kept = JSON.parse(readFileSync(path.join(dataDir, KEPT_FILE), 'utf8')) as KeptBuild;
  const serveConfig: ServeConfig = { dataDir, ...kept, presets, queries, warmup, componentQueries, k, ablations, ablationQueries, ...(kept.corpus ? { queryEmbedder } : {}) };
  const serve = await runChild<ServeReport>('serve', serveConfig, `${kept.units} serve`, undefined, profileArgs(kept.units));
  return { units: kept.units, embedder: kept.embedder, serve };
}

function profileArgs(units: number): string[] {
  return values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`, `--cpu-prof-name=serve-${units}.cpuprofile`] : [];
}

async function runSize(units: number, embedder: string, previous: SizeResult | undefined): Promise<SizeResult> {
  if (previous?.build) {
    const estimate = (coreBuildSeconds(previous.build) * units) / previous.units;
    const cpuEstimate = (scaling(previous.build).reduce((sum, s) => sum + s.cpuSeconds, 0) * units) / previous.units;
    log(`${units} units: build estimated at ${(estimate / 60).toFixed(1)} min (linear from ${previous.units} units)`);
    if (estimate > maxBuildMinutes * 60) {
      return {
        units,
        embedder,
        notRun:
          `build estimated at ${(estimate / 60).toFixed(1)} min wall clock (linear from ${previous.units} units on this machine as loaded now), ` +
          `over --max-build-minutes ${maxBuildMinutes}; its CPU time extrapolates to ${(cpuEstimate / 60).toFixed(1)} min`,
      };
    }
  }
  const dataDir = mkdtempSync(path.join(values['data-dir'] ?? os.tmpdir(), `memfabric-bench-recall-${units}-`));
  const masterKeyHex = randomBytes(32).toString('hex');
  const withGraph = units <= graphMax;
  const graphSkipReason = `offline NLP extraction runs at ~200 turns/s here (${Math.round(units / 200 / 60)} min for ${units} units); run with --graph-max ${units} to include it`;
  try {
    const buildConfig: BuildConfig = { dataDir, masterKeyHex, units, tenants, seed, embedder, withGraph, graphSkipReason, appendBatch: 1000, ...(corpus ? { corpus } : {}) };
    let build: BuildReport;
    try {
      build = await runChild<BuildReport>('build', buildConfig, `${units} build`, maxBuildMinutes * 60_000);
    } catch (error) {
      return { units, embedder, notRun: `build: ${(error as Error).message}` };
    }
    log(`${units} units built in ${build.totalSeconds} s (${build.stages.map((s) => `${s.stage.split(' (')[0]} ${s.seconds} s`).join(', ')})`);
    const serveConfig: ServeConfig = { dataDir, masterKeyHex, units, tenants, seed, embedder, presets, queries, warmup, componentQueries, k, ablations, ablationQueries, ...(corpus ? { corpus, queryEmbedder } : {}) };
    try {
      const serve = await runChild<ServeReport>('serve', serveConfig, `${units} serve`, undefined, profileArgs(units));
      return { units, embedder, build, serve };
    } catch (error) {
      return { units, embedder, build, notRun: `serve: ${(error as Error).message}` };
    }
  } finally {
    if (values.keep) {
      const kept: KeptBuild = { units, tenants, seed, embedder, masterKeyHex, ...(corpus ? { corpus } : {}) };
      writeFileSync(path.join(dataDir, KEPT_FILE), JSON.stringify(kept));
      log(`kept ${dataDir} (serve from it again with --reuse ${dataDir})`);
    }
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

const started = new Date();
const loadBefore = os.loadavg();
const results: SizeResult[] = [];
if (values.reuse) {
  for (const dir of values.reuse.split(',')) results.push(await reuseDir(dir.trim()));
} else {
  for (const units of [...sizes].sort((a, b) => a - b)) {
    const previous = [...results].reverse().find((r) => r.build && r.embedder === embedderKind);
    results.push(await runSize(units, embedderKind, previous));
  }
  if (useIndexSize > 0) results.push(await runSize(useIndexSize, 'use', undefined));
}
let useEmbed: UseEmbedReport | undefined;
let useEmbedError: string | undefined;
if (useQueries > 0) {
  try {
    useEmbed = await runChild<UseEmbedReport>('use-embed', { queries: useQueries, seed }, 'use-embed');
  } catch (error) {
    useEmbedError = (error as Error).message;
  }
}

/** The issues' targets: p95 ≤ 20 ms at 100k units, ≤ 50 ms at 1M; one tenant with USE lite queries: ≤ 30 ms at 100k, ≤ 50 ms at 1M. */
const TARGETS = tenantMode
  ? [
      { units: 100_000, p95Ms: 30 },
      { units: 1_000_000, p95Ms: 50 },
    ]
  : [
      { units: 100_000, p95Ms: 20 },
      { units: 1_000_000, p95Ms: 50 },
    ];
const targets = TARGETS.map((t) => {
  const r = results.find((x) => x.units === t.units && x.embedder === embedderKind && x.serve);
  return {
    ...t,
    presets: r?.serve?.presets.filter((p) => !p.ablation).map((p) => ({ preset: p.preset, p95: p.latency.p95, cpuP95: p.cpu.p95, met: p.latency.p95 <= t.p95Ms })) ?? null,
    ...(r ? {} : { note: 'size not measured' }),
  };
});

const cpus = os.cpus();
const machine = {
  cpus: cpus.length,
  cpu: cpus[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.type()} ${os.release()}`,
  loadAverageBefore: loadBefore.map((l) => Number(l.toFixed(2))),
  loadAverageAfter: os.loadavg().map((l) => Number(l.toFixed(2))),
};
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a git checkout
}
const output = {
  machine,
  commit,
  startedAt: started.toISOString(),
  seconds: Math.round((Date.now() - started.getTime()) / 1000),
  config: { mode: tenantMode ? 'one tenant per size (LoCoMo-recombined, USE lite queries)' : 'tenants of equal size', ...(corpus ? { corpus } : {}), sizes, tenants, seed, queries, warmup, componentQueries, presets, ablations, ablationQueries, k, embedder: embedderKind, graphMax, maxBuildMinutes },
  results,
  useEmbed: useEmbed ?? (useEmbedError ? { error: useEmbedError } : null),
  targets,
};

if (values.json) process.stdout.write(`${JSON.stringify(output)}\n`);
else {
  console.log(machine);
  for (const r of results) {
    console.log(`\n== ${r.units.toLocaleString('en')} units, embedder ${r.embedder} ==`);
    if (r.notRun) console.log(`not run: ${r.notRun}`);
    if (r.build) {
      console.table(r.build.stages.map((s) => ({ stage: s.stage, seconds: s.seconds, cpuSeconds: s.cpuSeconds, perSecond: s.itemsPerSecond ?? '', note: s.note ?? '' })));
      console.log(`build total ${r.build.totalSeconds} s, peak RSS ${r.build.memory.peakRssMiB} MiB, disk ${(r.build.diskBytes / 2 ** 20).toFixed(0)} MiB`);
      for (const s of r.build.skipped) console.log(`skipped ${s.projection}: ${s.reason}`);
    }
    if (r.serve) {
      if (r.serve.queryEmbedder) console.log(`queries embedded by ${r.serve.queryEmbedder}`);
      console.log(`open ${r.serve.openSeconds} s, vector caches loaded in ${r.serve.warmSeconds} s (${r.serve.warmedTenants} tenants)`);
      if (r.serve.recallUnavailable) console.log(`recall not measured: ${r.serve.recallUnavailable}`);
      console.table(
        r.serve.presets.map((p) => ({
          preset: p.preset,
          n: p.queries,
          p50: p.latency.p50,
          p95: p.latency.p95,
          p99: p.latency.p99,
          max: p.latency.max,
          'cpu p50': p.cpu.p50,
          'cpu p95': p.cpu.p95,
          ...Object.fromEntries(Object.entries(p.channels).map(([c, s]) => [`${c} p95`, s.p95])),
          hits: p.meanHits,
        })),
      );
      console.table(
        r.serve.components.map((c) => ({ component: c.name, p50: c.latency.p50, p95: c.latency.p95, p99: c.latency.p99, 'cpu p50': c.cpu.p50, 'cpu p95': c.cpu.p95 })),
      );
      console.log(`serve memory: peak RSS ${r.serve.memory.peakRssMiB} MiB, heap used ${r.serve.memory.heapUsedMiB} MiB, load average ${r.serve.loadAverage.join(' ')}`);
    }
  }
  if (useEmbed) console.log(`\nUSE lite query embedding (${useEmbed.dimensions}-d): p50 ${useEmbed.latency.p50} ms, p95 ${useEmbed.latency.p95} ms, p99 ${useEmbed.latency.p99} ms; load ${useEmbed.loadSeconds} s`);
  if (useEmbedError) console.log(`\nUSE lite query embedding not measured: ${useEmbedError}`);
  console.log('\ntargets (p95, ms):', JSON.stringify(targets));
}
