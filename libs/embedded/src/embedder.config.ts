import path from 'node:path';
import { ConfigurationError } from '@memfabric/errors';
import { CachingEmbedder, HashEmbedder, LruEmbeddingCache, type Embedder } from '@memfabric/embeddings';
import { HttpEmbedder } from '@memfabric/embeddings-http';
import { UseEmbedder } from '@memfabric/embeddings-use';

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

/**
 * The embedder the embedded fabric uses, chosen by `MEMFABRIC_EMBEDDER`:
 * - `use` (default): Universal Sentence Encoder lite, 512-d, offline (weights ship in npm);
 * - `hash`: deterministic feature hashing, 256-d (tests, smoke runs; no semantics);
 * - `http`: an OpenAI-compatible server (TEI, Ollama, vLLM, OpenAI), configured by
 *   `MEMFABRIC_EMBEDDER_URL`, `MEMFABRIC_EMBEDDER_MODEL`, `MEMFABRIC_EMBEDDER_DIMENSIONS` and
 *   optionally `MEMFABRIC_EMBEDDER_API_KEY`.
 * Every choice is wrapped in an in-memory cache keyed by (model id, SHA-256 of the text),
 * bounded at 50,000 entries. The embedded fabric adds a persistent cache in front of it for the
 * vector projection (see {@link embeddingCacheFromEnv}).
 * @throws ConfigurationError naming the variable to fix.
 */
export function embedderFromEnv(env: EmbedderEnv): Embedder {
  return new CachingEmbedder(modelEmbedderFromEnv(env), { cache: new LruEmbeddingCache({ maxEntries: 50_000 }) });
}

/**
 * The model embedder {@link embedderFromEnv} wraps, without any cache (benchmarks measure the
 * model's own throughput with it).
 * @throws ConfigurationError naming the variable to fix.
 */
export function modelEmbedderFromEnv(env: EmbedderEnv): Embedder {
  const kind = (env.MEMFABRIC_EMBEDDER ?? 'use').trim() || 'use';
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
