import { ConfigurationError } from '@memfabric/errors';
import { CachingEmbedder, HashEmbedder, LruEmbeddingCache, type Embedder } from '@memfabric/embeddings';
import { HttpEmbedder } from '@memfabric/embeddings-http';
import { UseEmbedder } from '@memfabric/embeddings-use';

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
 * bounded at 50,000 entries.
 * @throws ConfigurationError naming the variable to fix.
 */
export function embedderFromEnv(env: EmbedderEnv): Embedder {
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
  return new CachingEmbedder(inner, { cache: new LruEmbeddingCache({ maxEntries: 50_000 }) });
}
