/**
 * Build phase of the recall benchmark, run in its own process (so its peak RSS is its own):
 * generates the synthetic corpus, appends it to the embedded log through the real write path
 * and runs the projections the recall channels read.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { corpusEvents, planCorpus } from '@memfabric/bench-corpus';
import { HashEmbedder, type Embedder } from '@memfabric/embeddings';
import { normalizeEvent, type EventEnvelope, type NewEvent } from '@memfabric/events';
import { EmbeddedFabric, embedderFromEnv } from '../src/index.js';
import { memorySnapshot, timedStage, type BuildReport, type StageTiming } from './recall-stats.js';
import { loadLocomoPool, tenantCorpusEvents } from './recall-tenant-corpus.js';

/**
 * The one-tenant corpus of the size axis (see `recall-tenant-corpus.ts`): turns recombined from
 * the LoCoMo file, indexed with the hash embedder at `dimensions` (USE lite's 512 stand in: the
 * same vector length, so the same HNSW and exact-search costs, at a fraction of the build time).
 */
export interface TenantCorpusConfig {
  readonly kind: 'locomo-tenant';
  /** Path of the LoCoMo JSON file. */
  readonly locomoFile: string;
  /** Vector length of the index (the hash embedder's `dimensions`). */
  readonly dimensions: number;
}

/** The embedder a build (and its serve) indexes with: the hash embedder at the tenant corpus's dimensions, else `MEMFABRIC_EMBEDDER`. */
export function indexEmbedder(embedder: string, corpus: TenantCorpusConfig | undefined): Embedder {
  return corpus ? new HashEmbedder({ dimensions: corpus.dimensions }) : embedderFromEnv({ MEMFABRIC_EMBEDDER: embedder });
}

/** What to build. */
export interface BuildConfig {
  readonly dataDir: string;
  /** 32-byte master key, hex. */
  readonly masterKeyHex: string;
  readonly units: number;
  readonly tenants: number;
  readonly seed: number;
  /** `MEMFABRIC_EMBEDDER` of the vector projection: `hash` or `use`. */
  readonly embedder: string;
  /** Also run extraction and the graph projection (slow: offline NLP per turn). */
  readonly withGraph: boolean;
  /** Why the graph is skipped (when `withGraph` is false). */
  readonly graphSkipReason: string;
  /** Events per append, default 1000. */
  readonly appendBatch: number;
  /** Build the one-tenant LoCoMo corpus instead of the synthetic multi-tenant one. */
  readonly corpus?: TenantCorpusConfig;
}

/** Bytes of every file under `dir`. */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? diskBytes(full) : statSync(full).size;
  }
  return total;
}

/** Progress reporter that speaks at most every `everyMs`. */
function throttled(say: (text: string) => void, everyMs = 5000): (text: string) => void {
  let last = 0;
  return (text) => {
    const now = performance.now();
    if (now - last >= everyMs) {
      last = now;
      say(text);
    }
  };
}

/**
 * Builds the fabric in `config.dataDir`.
 * @param say - progress lines (stage and counts).
 */
export async function runBuild(config: BuildConfig, say: (text: string) => void): Promise<BuildReport> {
  const embedder = indexEmbedder(config.embedder, config.corpus);
  // the tenant corpus's texts are all distinct: a persistent embedding cache would only add writes
  const fabric = await EmbeddedFabric.open({
    dataDir: config.dataDir,
    masterKey: Buffer.from(config.masterKeyHex, 'hex'),
    embedder,
    ...(config.corpus ? { embeddingCache: false as const } : {}),
  });
  const stages: StageTiming[] = [];
  const projections = ['memory-units', 'vectors'];
  const skipped: { projection: string; reason: string }[] = [
    { projection: 'analytics', reason: 'not read by recall (the query log is written by the recall itself)' },
  ];
  if (config.withGraph) projections.push('extraction', 'graph');
  else skipped.unshift({ projection: 'extraction', reason: config.graphSkipReason }, { projection: 'graph', reason: config.graphSkipReason });
  try {
    const events: Iterable<EventEnvelope> = config.corpus
      ? tenantCorpusEvents(loadLocomoPool(config.corpus.locomoFile), config.units, config.seed)
      : corpusEvents(planCorpus({ units: config.units, tenants: config.tenants, seed: config.seed }));
    const progress = throttled(say);
    let generateMs = 0;
    const append = await timedStage(
      'append (generate + validate + append, batches of 1000)',
      async () => {
        let appended = 0;
        let batch: NewEvent[] = [];
        let started = performance.now();
        for (const event of events) {
          batch.push(normalizeEvent(event));
          if (batch.length === config.appendBatch) {
            generateMs += performance.now() - started;
            await fabric.log.append(batch);
            appended += batch.length;
            batch = [];
            progress(`append ${appended}/${config.units}`);
            started = performance.now();
          }
        }
        generateMs += performance.now() - started;
        if (batch.length > 0) await fabric.log.append(batch);
        return appended + batch.length;
      },
      (n) => n,
    );
    stages.push({ ...append.timing, note: `of which generating and validating events ${(generateMs / 1000).toFixed(2)} s` });
    for (const name of projections) {
      const run = await timedStage(
        `project ${name}`,
        () => fabric.catchUp((p) => progress(`${name} ${p.processed}/${p.total}`), [name]),
        (report) => report.processed,
      );
      stages.push(run.timing);
    }
    const indexes = fabric.vectorIndexes();
    if (indexes) {
      const warm = await timedStage('HNSW graphs (build per tenant over the rows, warm())', () => indexes.vectors.warm());
      stages.push({ ...warm.timing, note: `${warm.result} tenants at or above the exact-search threshold` });
    }
    const closing = await timedStage('close (save HNSW files)', () => fabric.close());
    stages.push(closing.timing);
    return {
      kind: 'build',
      units: config.units,
      tenants: config.tenants,
      embedder: embedder.modelId,
      stages,
      totalSeconds: Number(stages.reduce((s, t) => s + t.seconds, 0).toFixed(2)),
      projections,
      skipped,
      diskBytes: diskBytes(config.dataDir),
      memory: memorySnapshot(),
    };
  } catch (error) {
    await fabric.close().catch(() => undefined);
    throw error;
  }
}
