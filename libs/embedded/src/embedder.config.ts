import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '@memfabric/errors';
import { CachingEmbedder, HashEmbedder, LruEmbeddingCache, type Embedder } from '@memfabric/embeddings';
import { HttpEmbedder } from '@memfabric/embeddings-http';
import { UseEmbedder, useWorkerPool } from '@memfabric/embeddings-use';
import { LazyNlpExtractor, type Extractor } from '@memfabric/extraction';
import { MAX_EXTRACTION_WORKERS, WorkerPoolExtractor } from '@memfabric/extraction-node';

/**
 * Where the embedded fabric keeps its persistent embedding cache (see
 * `EmbeddedFabricOptions.embeddingCache`): `false` for none; otherwise the SQLite file (default
 * `<dataDir>/embeddings-cache.sqlite`) and its bound in entries (default 500,000).
 */
export type EmbeddingCacheSetting = false | { readonly path?: string; readonly maxEntries?: number };

/**
 * The embedding cache setting, from `MEMFABRIC_EMBEDDING_CACHE` (unset or empty: the default
 * file in the data directory; `off`: no persistent cache; anything else: the path of the cache
 * file, relative to the working directory — several data directories may share one, e.g. for
 * repeated evaluations) and `MEMFABRIC_EMBEDDING_CACHE_MAX_ENTRIES` (a positive integer,
 * default 500,000: about 1.1 GB of 512-d vectors).
 * @throws ConfigurationError naming the variable to fix.
 */
export function embeddingCacheFromEnv(env: EmbedderEnv): EmbeddingCacheSetting {
  const where = (env.MEMFABRIC_EMBEDDING_CACHE ?? '').trim();
  const rawMax = (env.MEMFABRIC_EMBEDDING_CACHE_MAX_ENTRIES ?? '').trim();
  const maxEntries = rawMax === '' ? undefined : Number(rawMax);
  if (maxEntries !== undefined && (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 100_000_000)) {
    throw new ConfigurationError(`MEMFABRIC_EMBEDDING_CACHE_MAX_ENTRIES must be an integer in 1..100000000, got "${rawMax}"`);
  }
  if (where === 'off') {
    if (maxEntries !== undefined) throw new ConfigurationError('MEMFABRIC_EMBEDDING_CACHE_MAX_ENTRIES is set but MEMFABRIC_EMBEDDING_CACHE=off: unset one of them');
    return false;
  }
  return { ...(where === '' ? {} : { path: path.resolve(where) }), ...(maxEntries === undefined ? {} : { maxEntries }) };
}

/** Environment variables as `process.env` holds them. */
export type EmbedderEnv = Readonly<Record<string, string | undefined>>;

/** Most worker threads `MEMFABRIC_EMBEDDING_WORKERS` accepts. */
export const MAX_EMBEDDING_WORKERS = 16;

/**
 * The default number of embedding worker threads for USE lite on a machine with `cpus` cores:
 * `min(cpus - 1, 2)` (one core stays for the calling thread's SQLite writes and queries; more
 * than two copies of the model cost memory, about 100 MB each, for little gain), so 0 (in the
 * calling thread) on one core and 1 on two.
 */
export function defaultEmbeddingWorkers(cpus: number): number {
  return Math.max(0, Math.min(cpus - 1, 2));
}

/** Parses a thread count variable: blank is undefined, else a whole number 0..`max`. */
function threadCountSchema(max: number) {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()))
    .pipe(
      z
        .string()
        .regex(/^[0-9]+$/, `must be a whole number from 0 to ${max}`)
        .transform(Number)
        .pipe(z.number().int().max(max, `must be at most ${max}`))
        .optional(),
    );
}

/** Reads a thread count variable with {@link threadCountSchema}. @throws ConfigurationError naming `name`. */
function threadCount(env: EmbedderEnv, name: string, max: number): number | undefined {
  const parsed = threadCountSchema(max).safeParse(env[name]);
  if (!parsed.success) throw new ConfigurationError(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}, got "${env[name]}"`);
  return parsed.data;
}

/**
 * How many worker threads compute the embeddings, from `MEMFABRIC_EMBEDDING_WORKERS` (a whole
 * number 0..16; 0: in the calling thread). Unset or blank: {@link defaultEmbeddingWorkers} of
 * the machine's cores (`os.availableParallelism()`) for `MEMFABRIC_EMBEDDER=use`, 0 for `hash`
 * (hashing is cheaper than a message to a thread) and `http` (the server computes). Only `use`
 * runs in workers: a positive value with `hash` or `http` is refused.
 * @param cpus - cores to size the default by (default `os.availableParallelism()`).
 * @throws ConfigurationError naming the variable and what to set.
 */
export function embeddingWorkersFromEnv(env: EmbedderEnv, cpus: number = os.availableParallelism()): number {
  const workers = threadCount(env, 'MEMFABRIC_EMBEDDING_WORKERS', MAX_EMBEDDING_WORKERS);
  const kind = embedderKind(env);
  if (kind !== 'use') {
    if (workers !== undefined && workers > 0) {
      throw new ConfigurationError(`MEMFABRIC_EMBEDDING_WORKERS=${workers} applies to MEMFABRIC_EMBEDDER=use only (${kind} embeds in the calling thread): unset it or set 0`);
    }
    return 0;
  }
  return workers ?? defaultEmbeddingWorkers(cpus);
}

/**
 * The embedder the embedded fabric uses, chosen by `MEMFABRIC_EMBEDDER`:
 * - `use` (default): Universal Sentence Encoder lite, 512-d, offline (weights ship in npm), in
 *   `MEMFABRIC_EMBEDDING_WORKERS` worker threads (see {@link embeddingWorkersFromEnv});
 * - `hash`: deterministic feature hashing, 256-d (tests, smoke runs; no semantics);
 * - `http`: an OpenAI-compatible server (TEI, Ollama, vLLM, OpenAI), configured by
 *   `MEMFABRIC_EMBEDDER_URL`, `MEMFABRIC_EMBEDDER_MODEL`, `MEMFABRIC_EMBEDDER_DIMENSIONS` and
 *   optionally `MEMFABRIC_EMBEDDER_API_KEY`.
 * Every choice is wrapped in an in-memory cache keyed by (model id, SHA-256 of the text),
 * bounded at 50,000 entries. The embedded fabric adds a persistent cache in front of it for the
 * vector projection (see {@link embeddingCacheFromEnv}) and closes it (the workers exit) when it
 * closes.
 * @throws ConfigurationError naming the variable to fix.
 */
export function embedderFromEnv(env: EmbedderEnv): Embedder {
  return new CachingEmbedder(pooledModelEmbedderFromEnv(env), { cache: new LruEmbeddingCache({ maxEntries: 50_000 }) });
}

/**
 * The model embedder {@link embedderFromEnv} wraps, without a cache: {@link modelEmbedderFromEnv}
 * run in {@link embeddingWorkersFromEnv} worker threads (a `WorkerPoolEmbedder` of USE lite,
 * same model id and vector bytes), or that embedder itself in the calling thread when the
 * count is 0. Close it (`Embedder.close`) when done; the embedded fabric does on close.
 * @param cpus - cores to size the default pool by (default `os.availableParallelism()`).
 * @throws ConfigurationError naming the variable to fix.
 */
export function pooledModelEmbedderFromEnv(env: EmbedderEnv, cpus?: number): Embedder {
  const workers = embeddingWorkersFromEnv(env, cpus);
  return workers === 0 ? modelEmbedderFromEnv(env) : useWorkerPool({ workers });
}

function embedderKind(env: EmbedderEnv): string {
  return (env.MEMFABRIC_EMBEDDER ?? 'use').trim() || 'use';
}

/**
 * The model embedder `MEMFABRIC_EMBEDDER` names, in the calling thread and without any cache
 * (benchmarks measure the model's own single-thread throughput with it; {@link embedderFromEnv}
 * may run it in worker threads instead).
 * @throws ConfigurationError naming the variable to fix.
 */
export function modelEmbedderFromEnv(env: EmbedderEnv): Embedder {
  const kind = embedderKind(env);
  let inner: Embedder;
  switch (kind) {
    case 'use':
      inner = new UseEmbedder();
      break;
    case 'hash':
      inner = new HashEmbedder();
      break;
    case 'http': {
      const baseUrl = env.MEMFABRIC_EMBEDDER_URL;
      const model = env.MEMFABRIC_EMBEDDER_MODEL;
      const dimensions = Number(env.MEMFABRIC_EMBEDDER_DIMENSIONS);
      if (!baseUrl || !model || !Number.isInteger(dimensions) || dimensions < 1) {
        throw new ConfigurationError(
          'MEMFABRIC_EMBEDDER=http needs MEMFABRIC_EMBEDDER_URL, MEMFABRIC_EMBEDDER_MODEL and MEMFABRIC_EMBEDDER_DIMENSIONS (a positive integer)',
        );
      }
      inner = new HttpEmbedder({ baseUrl, model, dimensions, ...(env.MEMFABRIC_EMBEDDER_API_KEY ? { apiKey: env.MEMFABRIC_EMBEDDER_API_KEY } : {}) });
      break;
    }
    default:
      throw new ConfigurationError(`MEMFABRIC_EMBEDDER must be use, hash or http, got "${kind}"`);
  }
  return inner;
}

/**
 * The default number of extraction worker threads on a machine with `cpus` cores:
 * `min(cpus - 1, 2)`, so 0 (in the calling thread) on one core and 1 on two. The NLP rules are
 * the largest CPU cost of the projections; a thread of their own keeps them off the thread
 * that serves requests.
 */
export function defaultExtractionWorkers(cpus: number): number {
  return Math.max(0, Math.min(cpus - 1, 2));
}

/**
 * How many worker threads run the offline NLP extractor, from `MEMFABRIC_EXTRACTION_WORKERS`
 * (a whole number 0..16; 0: in the calling thread). Unset or blank:
 * {@link defaultExtractionWorkers} of the machine's cores (`os.availableParallelism()`).
 * @param cpus - cores to size the default by.
 * @throws ConfigurationError naming the variable and what to set.
 */
export function extractionWorkersFromEnv(env: EmbedderEnv, cpus: number = os.availableParallelism()): number {
  return threadCount(env, 'MEMFABRIC_EXTRACTION_WORKERS', MAX_EXTRACTION_WORKERS) ?? defaultExtractionWorkers(cpus);
}

/**
 * The extractor of the extraction stage: the offline NLP extractor in
 * {@link extractionWorkersFromEnv} worker threads (`WorkerPoolExtractor`), or in the calling
 * thread when the count is 0 (`LazyNlpExtractor`, loaded on its first call). Both record the
 * same facts. Close it (`Extractor.close`) when done; the embedded fabric does on close.
 * @param cpus - cores to size the default pool by.
 * @throws ConfigurationError naming the variable to fix.
 */
export function extractorFromEnv(env: EmbedderEnv, cpus?: number): Extractor {
  const workers = extractionWorkersFromEnv(env, cpus);
  return workers === 0 ? new LazyNlpExtractor() : new WorkerPoolExtractor({ workers });
}
