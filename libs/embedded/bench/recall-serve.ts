/**
 * Serve phase of the recall benchmark, run in its own process on a data directory the build
 * phase left: opens the fabric as a server would, loads the HNSW graphs, then measures recall
 * latency end to end (`fabric.recaller().recall(...)`, query embedding included) per preset, and
 * the component reads (query embedding, dense HNSW search, FTS5 BM25 search, memory-unit
 * hydration) called directly.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { generateQueries, planCorpus, type BenchQuery } from '@memfabric/bench-corpus';
import { CHANNEL_NAMES, lexicalQueryText, type ChannelWeights, type RecallResponse } from '@memfabric/recall';
import type { Embedder } from '@memfabric/embeddings';
import { UseEmbedder, useWorkerPool } from '@memfabric/embeddings-use';
import { EmbeddedFabric } from '../src/index.js';
import { indexEmbedder, type TenantCorpusConfig } from './recall-build.js';
import { memorySnapshot, summarize, type ComponentReport, type PresetReport, type ServeReport } from './recall-stats.js';
import { loadLocomoPool, TENANT_ID, tenantQueries } from './recall-tenant-corpus.js';

/** USE lite in this thread ({@link UseEmbedder}) or in a worker thread ({@link useWorkerPool} of one worker). */
type UseLite = Pick<UseEmbedder, 'modelId' | 'dimensions' | 'embed' | 'load' | 'dispose'>;

/** USE lite in one worker thread, shaped like {@link UseEmbedder}: `load` starts the worker, `dispose` stops it. */
function useInWorker(): UseLite {
  const pool = useWorkerPool({ workers: 1 });
  return {
    modelId: pool.modelId,
    dimensions: pool.dimensions as UseLite['dimensions'],
    embed: (texts) => pool.embed(texts),
    load: async () => {
      await pool.start();
      await pool.embed(['warm-up']);
    },
    dispose: () => pool.close(),
  };
}

/**
 * Embeds queries with Universal Sentence Encoder lite (the real model, in this process) under
 * the model id and vector length of the index built by a stand-in embedder of the same length,
 * so a recall over the hash-embedded tenant corpus pays USE lite's query cost. The vectors do
 * not live in the index's space: the dense ranking is meaningless, its cost (HNSW search over
 * 512-d vectors) is not. Benchmarks only.
 */
export class UseQueryStandIn implements Embedder {
  readonly dimensions: number;
  /** USE lite's own model id. */
  readonly queryModelId: string;
  constructor(
    readonly modelId: string,
    private readonly use: UseLite = new UseEmbedder(),
  ) {
    this.dimensions = use.dimensions;
    this.queryModelId = use.modelId;
  }

  /** Loads the model now (start-up cost, not a query's). */
  load(): Promise<void> {
    return this.use.load();
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.use.embed(texts);
  }

  /** Releases the model (and stops the worker thread of {@link useInWorker}). */
  dispose(): Promise<void> {
    return this.use.dispose();
  }
}

/** What to measure. */
export interface ServeConfig {
  readonly dataDir: string;
  readonly masterKeyHex: string;
  readonly units: number;
  readonly tenants: number;
  readonly seed: number;
  readonly embedder: string;
  readonly presets: readonly string[];
  /** Measured queries per preset. */
  readonly queries: number;
  /** Unmeasured queries per preset before measuring. */
  readonly warmup: number;
  /** Queries for the component measurements. */
  readonly componentQueries: number;
  readonly k: number;
  /**
   * Ablations: preset variants (see {@link parsePresetSpec}) measured with `ablationQueries`
   * each, to attribute the latency of a fused preset to its channels.
   */
  readonly ablations: readonly string[];
  readonly ablationQueries: number;
  /** Serve the one-tenant LoCoMo corpus (queries embedded by USE lite, see {@link UseQueryStandIn}). */
  readonly corpus?: TenantCorpusConfig;
  /**
   * With `corpus`: USE lite in the serve's main thread (`use`, default) or in a worker thread
   * (`use-worker`); or `remote-<ms>`: the index's own embedder answering after `<ms>` ms of
   * waiting (a timer, no CPU), standing in for a remote embedder's round trip (TEI, vLLM) to
   * measure how much of that wait the channels that need no vector hide.
   */
  readonly queryEmbedder?: string;
}

/**
 * A preset name with optional weight overrides joined by `+`: `hybrid-rrf:context=0+graph=0`
 * runs `hybrid-rrf` with those channels off; `dense-only:dense=0+temporal=1` runs the temporal
 * channel alone.
 * @throws Error naming the malformed part.
 */
export function parsePresetSpec(spec: string): { preset: string; weights: ChannelWeights } {
  const [preset, overrides] = spec.split(':');
  const weights: Record<string, number> = {};
  for (const pair of (overrides ?? '').split('+').filter(Boolean)) {
    const [channel, value] = pair.split('=');
    const weight = Number(value);
    if (!channel || !(CHANNEL_NAMES).includes(channel) || !Number.isFinite(weight) || weight < 0) {
      throw new Error(`preset spec "${spec}": "${pair}" must be <channel>=<weight >= 0> with a channel of ${CHANNEL_NAMES.join(', ')}`);
    }
    weights[channel] = weight;
  }
  if (!preset) throw new Error(`preset spec "${spec}" names no preset`);
  return { preset, weights };
}

const now = () => performance.now();

/** Runs `fn` once per query; returns the wall-clock ms and the CPU ms (user + system) of each call. */
async function measure(queries: readonly BenchQuery[], fn: (q: BenchQuery) => unknown): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (const q of queries) {
    const cpuBefore = process.cpuUsage();
    const started = now();
    await fn(q);
    wall.push(now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

/**
 * Measures recall on `config.dataDir`.
 * @param say - progress lines.
 */
export async function runServe(config: ServeConfig, say: (text: string) => void): Promise<ServeReport> {
  const indexModel = indexEmbedder(config.embedder, config.corpus);
  let embedder: Embedder = indexModel;
  const remote = /^remote-(\d+)$/.exec(config.queryEmbedder ?? '');
  if (config.corpus && remote) {
    const waitMs = Number(remote[1]);
    const inner = indexModel;
    embedder = {
      modelId: inner.modelId,
      dimensions: inner.dimensions,
      embed: async (texts) => {
        const vectors = await inner.embed(texts);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        return vectors;
      },
    };
  } else if (config.corpus) {
    const standIn = new UseQueryStandIn(indexModel.modelId, config.queryEmbedder === 'use-worker' ? useInWorker() : new UseEmbedder());
    if (standIn.dimensions !== indexModel.dimensions) throw new Error(`the index holds ${indexModel.dimensions}-d vectors, USE lite embeds ${standIn.dimensions}-d`);
    await standIn.load();
    embedder = standIn;
  }
  let started = now();
  const fabric = await EmbeddedFabric.open({
    dataDir: config.dataDir,
    masterKey: Buffer.from(config.masterKeyHex, 'hex'),
    embedder,
    ...(config.corpus ? { embeddingCache: false as const } : {}),
  });
  try {
    const indexes = fabric.vectorIndexes();
    if (!indexes) throw new Error('the vector projection has no active generation: was the build phase run on this directory?');
    const openSeconds = (now() - started) / 1000;
    let tenantIds: string[];
    let queriesFor: (count: number, seed: number, exclude: Set<string>) => BenchQuery[];
    if (config.corpus) {
      const pool = loadLocomoPool(config.corpus.locomoFile);
      tenantIds = [TENANT_ID];
      queriesFor = (count, seed, exclude) => tenantQueries(pool, count, seed, exclude);
    } else {
      const plan = planCorpus({ units: config.units, tenants: config.tenants, seed: config.seed });
      tenantIds = plan.tenants.map((t) => t.id);
      queriesFor = (count, seed, exclude) => generateQueries(plan, { count, seed, exclude });
    }
    // every tenant's cache (HNSW graph, or the vector matrix of a tenant searched exactly) is
    // loaded before measuring, as a server does at start-up: the measured figures are steady state
    started = now();
    const warmedTenants = indexes.vectors.warm(tenantIds);
    const warmSeconds = (now() - started) / 1000;
    say(`opened in ${openSeconds.toFixed(2)} s, vector caches of ${warmedTenants} tenants loaded in ${warmSeconds.toFixed(2)} s`);

    // Every set of queries is fresh (no text seen before), so no recall is answered from the
    // query-embedding cache.
    const seen = new Set<string>();
    const componentSet = queriesFor(config.componentQueries, 300, seen);
    const componentWarmup = queriesFor(Math.min(50, config.componentQueries), 301, seen);

    // component reads, called directly
    const vectors = new Map<string, Float32Array>();
    const components: ComponentReport[] = [];
    // each component runs over unmeasured warm-up queries first (JIT, statement caches)
    const component = async (name: string, description: string, fn: (q: BenchQuery) => unknown) => {
      await measure(componentWarmup, fn);
      const { wall, cpu } = await measure(componentSet, fn);
      components.push({ name, description, latency: summarize(wall), cpu: summarize(cpu) });
    };
    await component('embed', `query embedding (${embedder.modelId}), one text per call, cache miss`, async (q) => {
      const [vector] = await embedder.embed([q.text]);
      vectors.set(q.id, vector!);
    });
    const denseTop = new Map<string, string[]>();
    const denseCandidates = new Map<string, string[]>();
    for (const k of [config.k, 100]) {
      await component(`dense k=${k}`, `SqliteVectorIndex.searchSync (usearch HNSW per tenant, exact below 2,000 points), k = ${k}`, (q) => {
        const hits = indexes.vectors.searchSync({ tenant: q.tenant, vector: vectors.get(q.id)!, k });
        (k === config.k ? denseTop : denseCandidates).set(q.id, hits.map((h) => h.id));
      });
    }
    for (const k of [config.k, 100]) {
      await component(`lexical k=${k}`, `SqliteLexicalIndex.searchSync (FTS5 bm25, tenant token AND any query word but function words, as the engine asks), k = ${k}`, (q) => {
        indexes.lexical.searchSync({ tenant: q.tenant, text: lexicalQueryText(q.text), k });
      });
    }
    await component('hydrate', `memoryUnits.getUnits of the ${config.k} dense hits`, (q) => fabric.memoryUnits.getUnits(q.tenant, denseTop.get(q.id) ?? []));
    await component('hydrate 100', 'memoryUnits.getUnits of the 100 dense candidates (what a fused recall hydrates per channel)', (q) =>
      fabric.memoryUnits.getUnits(q.tenant, denseCandidates.get(q.id) ?? []),
    );
    say(`components: ${components.map((c) => `${c.name} p50 ${c.latency.p50} ms p95 ${c.latency.p95} ms (CPU p50 ${c.cpu.p50} ms)`).join('; ')}`);

    const presets: PresetReport[] = [];
    let recallUnavailable: string | undefined;
    const recaller = typeof fabric.recaller === 'function' ? fabric.recaller() : undefined;
    if (!recaller) recallUnavailable = 'EmbeddedFabric has no recaller() in this build';
    const runs = [
      ...config.presets.map((spec) => ({ spec, count: config.queries, ablation: false })),
      ...config.ablations.map((spec) => ({ spec, count: config.ablationQueries, ablation: true })),
    ];
    for (const [i, run] of runs.entries()) {
      if (!recaller) break;
      const { preset, weights } = parsePresetSpec(run.spec);
      const warmupSet = queriesFor(Math.max(1, Math.min(config.warmup, run.count)), 400 + i, seen);
      const measured = queriesFor(run.count, 500 + i, seen);
      const recall = (q: BenchQuery): Promise<RecallResponse> =>
        recaller.recall({
          query: q.text,
          scope: { tenant: q.tenant },
          k: config.k,
          preset,
          ...(Object.keys(weights).length > 0 ? { weights } : {}),
          referenceTime: q.referenceTime,
          caller: 'bench',
        });
      for (const q of warmupSet) await recall(q);
      const samples: number[] = [];
      const cpuSamples: number[] = [];
      const engineTotals: number[] = [];
      const channels = new Map<string, number[]>();
      const byKind = new Map<string, number[]>();
      let hits = 0;
      const ranking = createHash('sha256');
      for (const q of measured) {
        const cpu = process.cpuUsage();
        const t0 = now();
        const response = await recall(q);
        const ms = now() - t0;
        const used = process.cpuUsage(cpu);
        samples.push(ms);
        cpuSamples.push((used.user + used.system) / 1000);
        engineTotals.push(response.timings.totalMs);
        hits += response.hits.length;
        ranking.update(`${q.id}:${response.hits.map((h) => h.unitId).join(',')}\n`);
        for (const [channel, channelMs] of Object.entries(response.timings.channels)) {
          if (typeof channelMs !== 'number') continue;
          const list = channels.get(channel) ?? [];
          list.push(channelMs);
          channels.set(channel, list);
        }
        const kindList = byKind.get(q.kind) ?? [];
        kindList.push(ms);
        byKind.set(q.kind, kindList);
      }
      const report: PresetReport = {
        preset: run.spec,
        ablation: run.ablation,
        queries: measured.length,
        latency: summarize(samples),
        cpu: summarize(cpuSamples),
        engineTotal: summarize(engineTotals),
        channels: Object.fromEntries([...channels].map(([c, s]) => [c, summarize(s)])),
        meanHits: Number((hits / measured.length).toFixed(2)),
        rankingSha256: ranking.digest('hex'),
        byKind: Object.fromEntries([...byKind].map(([kind, s]) => [kind, summarize(s)])),
      };
      presets.push(report);
      say(`${run.spec}: p50 ${report.latency.p50} ms, p95 ${report.latency.p95} ms, p99 ${report.latency.p99} ms (CPU p50 ${report.cpu.p50} ms, p95 ${report.cpu.p95} ms) over ${report.queries} queries`);
    }
    const memory = memorySnapshot();
    return {
      kind: 'serve',
      units: config.units,
      embedder: indexModel.modelId,
      ...(embedder instanceof UseQueryStandIn ? { queryEmbedder: `${embedder.queryModelId}${config.queryEmbedder === 'use-worker' ? ' (worker thread)' : ' (main thread)'}` } : {}),
      ...(remote ? { queryEmbedder: `${indexModel.modelId} answering after ${remote[1]} ms (a remote embedder's round trip)` } : {}),
      openSeconds: Number(openSeconds.toFixed(2)),
      warmSeconds: Number(warmSeconds.toFixed(2)),
      warmedTenants,
      warmupQueries: config.warmup,
      presets,
      components,
      ...(recallUnavailable ? { recallUnavailable } : {}),
      memory,
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    };
  } finally {
    await fabric.close();
    if (embedder instanceof UseQueryStandIn) await embedder.dispose();
  }
}
