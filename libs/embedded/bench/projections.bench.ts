/**
 * Projection throughput on the embedded stack (`npm run bench:project`).
 *
 * Ingests a LoCoMo file (default the dev split, `../shared/data/locomo/locomo-dev.json`) into a
 * fresh data directory, then runs each projection alone until it has caught up and reports the
 * events it processed per second (the vector projection includes computing the embeddings with
 * the configured embedder, `MEMFABRIC_EMBEDDER`, default USE lite, through the fabric's
 * persistent embedding cache, cold at that point, in `MEMFABRIC_EMBEDDING_WORKERS` worker
 * threads as the fabric runs it by default). Then, in the same process:
 * - the embedder's own batch throughput: the model embedder alone (no cache, in this thread:
 *   `modelEmbedderFromEnv`) embeds the very texts the vector projection embedded, in batches of
 *   the projection's batch size (500); `vectorsToEmbedderRatio` = vector projection events/s
 *   over these texts/s;
 * - with workers, the same for the worker pool the projection used (`embedderPool`,
 *   `vectorsToEmbedderPoolRatio` = vector projection events/s over the pool's texts/s);
 * - a rebuild of every read model into a new generation (in-process caches warm).
 * Then, each in a NEW process on the same data directory: a rebuild of every read model with the
 * persistent embedding cache warm (the file the first run filled), and one with a cold cache (an
 * empty cache file elsewhere), reporting seconds and cache hits/misses.
 * Each phase also reports the CPU seconds of the whole process (every thread), steadier than
 * wall time on a shared machine (`vectorsToEmbedderCpuRatio` = vector projection events per CPU
 * second over single-thread embedder texts per CPU second: what the projection costs beyond
 * the model); `machine.loadAverage` is the 1-minute load at start and end.
 * Prints a table, or JSON with `--json`.
 *
 * Options: --file PATH, --json. (Internal: --rebuild-in DIR runs the child rebuild.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CachingEmbedder, LruEmbeddingCache, type Embedder } from '@memfabric/embeddings';
import { newKeyMaterial } from '@memfabric/crypto';
import { normalizeEvent } from '@memfabric/events';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import { WorkerPoolEmbedder } from '@memfabric/embeddings-use';
import { EmbeddedFabric, embeddingCacheFromEnv, embeddingWorkersFromEnv, modelEmbedderFromEnv, pooledModelEmbedderFromEnv } from '../src/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    file: { type: 'string', default: path.resolve(repo, '../shared/data/locomo/locomo-dev.json') },
    json: { type: 'boolean', default: false },
    'rebuild-in': { type: 'string' },
  },
});
/** Events per projection batch (the runtime's default): the vector projection embeds one batch's texts per call. */
const BATCH = 500;
const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
/** CPU seconds of this process (all threads) since `from`. */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** What a child rebuild prints. */
interface ChildRebuild {
  readonly seconds: number;
  readonly events: number;
  readonly cache: { readonly hits: number; readonly misses: number } | undefined;
  readonly cpuSeconds: number;
  readonly embeddingWorkers: number;
}

if (values['rebuild-in'] !== undefined) {
  // child: open the fabric on the given directory and rebuild every read model
  const fabric = await EmbeddedFabric.open({
    dataDir: values['rebuild-in'],
    masterKey: Buffer.from(process.env.MEMFABRIC_BENCH_MASTER_KEY ?? '', 'hex'),
    embedder: new CachingEmbedder(pooledModelEmbedderFromEnv(process.env), { cache: new LruEmbeddingCache({ maxEntries: 50_000 }) }),
    embeddingCache: embeddingCacheFromEnv(process.env),
  });
  try {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    let events = 0;
    for (const name of fabric.readModels) events += (await fabric.rebuild(name)).processed;
    const result: ChildRebuild = {
      seconds: round(seconds(started)),
      events,
      cache: fabric.embeddingCacheStats(),
      cpuSeconds: round(cpuSeconds(cpu)),
      embeddingWorkers: embeddingWorkersFromEnv(process.env),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await fabric.close();
  }
} else {
  await main();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-bench-project-'));
  const masterKey = newKeyMaterial();
  const loadAtStart = os.loadavg()[0]!;
  // the model in this thread (the baseline), and the embedder the fabric runs it with (a worker pool by default)
  const model = modelEmbedderFromEnv(process.env);
  const workers = embeddingWorkersFromEnv(process.env);
  const projectionModel = pooledModelEmbedderFromEnv(process.env);
  const embedder = new CachingEmbedder(projectionModel, { cache: new LruEmbeddingCache({ maxEntries: 50_000 }) });
  const fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey, embedder, batchSize: BATCH });
  let closed = false;
  try {
    const events = [...locomoEvents(readLocomo(JSON.parse(readFileSync(values.file, 'utf8')) as unknown))].map((e) => normalizeEvent(e));
    for (let i = 0; i < events.length; i += 1000) await fabric.log.append(events.slice(i, i + 1000));
    // load the model before anything is timed (neither side pays it)
    await model.embed(['warm up']);
    if (projectionModel instanceof WorkerPoolEmbedder) await projectionModel.start();
    const rows: { projection: string; events: number; seconds: number; eventsPerSecond: number; cpuSeconds: number }[] = [];
    for (const name of fabric.projections) {
      const started = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const report = await fabric.catchUp(undefined, [name]);
      const s = seconds(started);
      rows.push({ projection: name, events: report.processed, seconds: round(s), eventsPerSecond: Math.round(report.processed / s), cpuSeconds: round(cpuSeconds(cpu)) });
    }
    // the model's own batch throughput on the texts the vector projection embedded
    const indexes = fabric.vectorIndexes()!;
    const texts = fabric.log.db
      .prepare<[], { text: string }>(`SELECT text FROM ${indexes.vectors.tablePrefix}_points ORDER BY log_offset`)
      .all()
      .map((r) => r.text);
    const throughput = async (e: Embedder) => {
      const started = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      for (let i = 0; i < texts.length; i += BATCH) await e.embed(texts.slice(i, i + BATCH));
      const s = seconds(started);
      return { texts: texts.length, batch: BATCH, seconds: round(s), textsPerSecond: Math.round(texts.length / s), cpuSeconds: round(cpuSeconds(cpu)) };
    };
    const embedderRow = { thread: 'this thread', ...(await throughput(model)) };
    const poolRow = workers > 0 ? { workers, ...(await throughput(projectionModel)) } : undefined;
    const vectorsRow = rows.find((r) => r.projection === 'vectors')!;
    const vectorsPerSecond = vectorsRow.events / vectorsRow.seconds;
    const vectorsToEmbedderRatio = round(vectorsPerSecond / (embedderRow.texts / embedderRow.seconds), 3);
    const vectorsToEmbedderPoolRatio = poolRow ? round(vectorsPerSecond / (poolRow.texts / poolRow.seconds), 3) : undefined;
    // the same over CPU seconds (all threads): what the projection adds to the embedding work, steady under load
    const vectorsToEmbedderCpuRatio = round(vectorsRow.events / vectorsRow.cpuSeconds / (embedderRow.texts / embedderRow.cpuSeconds), 3);

    const started = process.hrtime.bigint();
    let rebuilt = 0;
    for (const name of fabric.readModels) rebuilt += (await fabric.rebuild(name)).processed;
    const rebuildSeconds = round(seconds(started));
    const stats = await fabric.stats();
    const readModels = fabric.readModels;
    const cacheEntries = fabric.embeddingCache?.size ?? 0;
    await fabric.close();
    closed = true;

    // rebuilds in new processes: the persistent cache the first run filled, then an empty one
    const child = async (cacheFile?: string): Promise<ChildRebuild> => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), '--rebuild-in', dir],
        {
          env: { ...process.env, MEMFABRIC_BENCH_MASTER_KEY: Buffer.from(masterKey).toString('hex'), ...(cacheFile ? { MEMFABRIC_EMBEDDING_CACHE: cacheFile } : {}) },
          maxBuffer: 1 << 20,
        },
      );
      return JSON.parse(stdout.trim().split('\n').pop()!) as ChildRebuild;
    };
    const warm = await child();
    const coldDir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-bench-cold-cache-'));
    let cold: ChildRebuild;
    try {
      cold = await child(path.join(coldDir, 'embeddings-cache.sqlite'));
    } finally {
      rmSync(coldDir, { recursive: true, force: true });
    }

    const machine = {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      embedder: embedder.modelId,
      embeddingWorkers: workers,
      loadAverage: { start: round(loadAtStart), end: round(os.loadavg()[0]!) },
    };
    const result = {
      machine,
      turns: events.length,
      projections: rows,
      embedder: embedderRow,
      vectorsToEmbedderRatio,
      vectorsToEmbedderCpuRatio,
      ...(poolRow ? { embedderPool: poolRow, vectorsToEmbedderPoolRatio } : {}),
      rebuild: { readModels, events: rebuilt, seconds: rebuildSeconds },
      rebuildNewProcess: { warmCache: warm, coldCache: cold, warmOverCold: round(warm.seconds / cold.seconds, 3) },
      embeddingCacheEntries: cacheEntries,
      totals: stats.totals,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      console.table(rows);
      console.log({ embedder: embedderRow, vectorsToEmbedderRatio, vectorsToEmbedderCpuRatio, embedderPool: poolRow, vectorsToEmbedderPoolRatio, rebuild: result.rebuild, rebuildNewProcess: result.rebuildNewProcess, totals: result.totals, machine });
    }
  } finally {
    if (!closed) await fabric.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
