import type { QdrantClient } from '@qdrant/js-client-rest';
import { ConfigurationError } from '@memfabric/errors';
import { DEFAULT_BM25, modelProblems, type Bm25Params, type EmbeddingModelRef } from '@memfabric/vector-index';

/** The part of `QdrantClient` the indexes call (tests pass a stand-in). */
export type QdrantApi = Pick<
  QdrantClient,
  | 'collectionExists'
  | 'createCollection'
  | 'getCollection'
  | 'createPayloadIndex'
  | 'upsert'
  | 'batchUpdate'
  | 'retrieve'
  | 'delete'
  | 'setPayload'
  | 'query'
  | 'count'
>;

/** BM25 settings of the client-side sparse vectors. */
export interface QdrantBm25Config extends Bm25Params {
  /**
   * Average document length in terms used for length normalisation. A sparse vector is written
   * once, so this is a fixed setting, not a live statistic; default 24 (a chat turn). Changing it
   * only affects documents written afterwards.
   */
  readonly avgDocLength: number;
}

/**
 * Configuration of {@link QdrantIndexes.open}. Checked once by {@link resolveQdrantConfig};
 * nothing here is read from the environment.
 */
export interface QdrantIndexConfig {
  /** Qdrant REST endpoint, e.g. `http://localhost:6333`. Required unless `client` is given. */
  readonly url?: string;
  /** API key sent as `api-key` (Qdrant Cloud, or a server with `service.api_key`). */
  readonly apiKey?: string;
  /** A ready client (a `QdrantClient`, or a stand-in in tests); `url`/`apiKey`/`timeoutMs` are then ignored. */
  readonly client?: QdrantApi;
  /** Collection holding one point per unit; default `memfabric_units`. Created when missing. */
  readonly collection?: string;
  /** The embedding model; recorded in the collection, every later open must name the same. */
  readonly model: EmbeddingModelRef;
  /** Name of the dense vector; default `dense`. */
  readonly denseVector?: string;
  /** Name of the sparse BM25 vector (IDF modifier); default `bm25`. */
  readonly sparseVector?: string;
  /** BM25 parameters; default k1 1.2, b 0.75, avgDocLength 24. */
  readonly bm25?: Partial<QdrantBm25Config>;
  /** Timeout of one request, in ms; default 30 000. */
  readonly timeoutMs?: number;
  /** HNSW `ef` of dense searches (Qdrant's `hnsw_ef`); default: the collection's setting. */
  readonly hnswEf?: number;
}

/** {@link QdrantIndexConfig} with defaults applied. */
export interface ResolvedQdrantConfig {
  readonly url?: string;
  readonly apiKey?: string;
  readonly client?: QdrantApi;
  readonly collection: string;
  readonly model: EmbeddingModelRef;
  readonly denseVector: string;
  readonly sparseVector: string;
  readonly bm25: QdrantBm25Config;
  readonly timeoutMs: number;
  readonly hnswEf?: number;
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Validates a configuration and applies its defaults.
 * @throws ConfigurationError listing every problem and what to set instead.
 */
export function resolveQdrantConfig(config: QdrantIndexConfig): ResolvedQdrantConfig {
  const problems: string[] = [...modelProblems(config?.model)];
  if (!config?.client) {
    if (typeof config?.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(config.url)) {
      problems.push('url must be the http(s) URL of the Qdrant REST API, e.g. http://localhost:6333 (or pass client)');
    }
  }
  if (config?.apiKey !== undefined && (typeof config.apiKey !== 'string' || config.apiKey.length === 0)) problems.push('apiKey must be a non-empty string when set');
  const collection = config?.collection ?? 'memfabric_units';
  if (!NAME.test(collection)) problems.push(`collection "${collection}" must match ${NAME.source}`);
  const denseVector = config?.denseVector ?? 'dense';
  const sparseVector = config?.sparseVector ?? 'bm25';
  if (!NAME.test(denseVector)) problems.push(`denseVector "${denseVector}" must match ${NAME.source}`);
  if (!NAME.test(sparseVector)) problems.push(`sparseVector "${sparseVector}" must match ${NAME.source}`);
  if (denseVector === sparseVector) problems.push('denseVector and sparseVector must have different names');
  const bm25: QdrantBm25Config = { ...DEFAULT_BM25, avgDocLength: 24, ...config?.bm25 };
  if (!(bm25.k1 > 0 && bm25.k1 <= 10)) problems.push('bm25.k1 must be in (0, 10] (1.2 is usual)');
  if (!(bm25.b >= 0 && bm25.b <= 1)) problems.push('bm25.b must be in [0, 1] (0.75 is usual)');
  if (!(bm25.avgDocLength > 0 && Number.isFinite(bm25.avgDocLength))) problems.push('bm25.avgDocLength must be a positive number of terms');
  const timeoutMs = config?.timeoutMs ?? 30_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) problems.push('timeoutMs must be a positive integer (ms)');
  const hnswEf = config?.hnswEf;
  if (hnswEf !== undefined && (!Number.isInteger(hnswEf) || hnswEf < 1)) problems.push('hnswEf must be a positive integer');
  if (problems.length > 0) throw new ConfigurationError(`Qdrant vector index: ${problems.join('; ')}`);
  return {
    ...(config.url === undefined ? {} : { url: config.url }),
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    ...(config.client === undefined ? {} : { client: config.client }),
    collection,
    model: { id: config.model.id, dimension: config.model.dimension },
    denseVector,
    sparseVector,
    bm25,
    timeoutMs,
    ...(hnswEf === undefined ? {} : { hnswEf }),
  };
}
