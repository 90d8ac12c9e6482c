import type {
  EmbeddingModelRef,
  LexicalDoc,
  LexicalQuery,
  SearchHit,
  UnitPayload,
  UnitStatus,
  VectorPoint,
  VectorQuery,
} from './types.js';

/**
 * The dense side of the vector projection: one point per memory unit, searched by cosine
 * similarity, scoped to one tenant per call.
 *
 * Rules every adapter keeps (the contract suite in `@memfabric/vector-index/testing` checks
 * them):
 * - tenant isolation: no call ever reads or changes another tenant's points, also when two
 *   tenants use the same unit id;
 * - one embedding model per index: the index records `model` when first opened; opening it
 *   with, or upserting points of, another model fails with `EmbeddingModelMismatchError`
 *   (rebuild the projection instead of mixing vectors);
 * - upserts are idempotent (same id = replace), so replaying the log is safe;
 * - a search returns at most `k` hits that pass the filter (active units only by default),
 *   best first, with `score` = cosine similarity and `rank` from 1.
 */
export interface VectorIndex {
  /** The embedding model whose vectors the index holds. */
  readonly model: EmbeddingModelRef;

  /**
   * Inserts or replaces points (by tenant and id). Vectors are stored normalised.
   * @throws EmbeddingModelMismatchError when a point's `modelId` is not `model.id`.
   * @throws ValidationError naming every bad field (`/points/<i>/vector`, ...); nothing is written.
   */
  upsert(points: readonly VectorPoint[]): Promise<void>;

  /**
   * Removes points and their text for good (erasure purges derived data). Unknown ids are ignored.
   * @throws ValidationError on an empty tenant or a bad id.
   */
  delete(tenant: string, ids: readonly string[]): Promise<void>;

  /**
   * Sets the status of existing points (supersede, retract, roll back, revert a rollback).
   * Unknown ids are ignored.
   * @throws ValidationError on an empty tenant, a bad id or an unknown status.
   */
  setStatus(tenant: string, ids: readonly string[], status: UnitStatus): Promise<void>;

  /**
   * The `k` nearest points of `query.tenant` to `query.vector` that pass `query.filter`.
   * @throws ValidationError on a bad tenant, `k` or filter, or a vector of the wrong dimension.
   * @throws EmbeddingModelMismatchError when `query.modelId` is given and is not `model.id`.
   */
  search(query: VectorQuery): Promise<SearchHit[]>;

  /**
   * Payloads (without vectors) of the given units of one tenant, in the order of `ids`;
   * unknown ids are left out.
   * @throws ValidationError on an empty tenant or a bad id.
   */
  get(tenant: string, ids: readonly string[]): Promise<UnitPayload[]>;

  /** Number of points the tenant has, whatever their status. */
  count(tenant: string): Promise<number>;

  /** Releases resources (persists caches where the adapter has any). Further calls fail. */
  close(): Promise<void>;
}

/**
 * The lexical side of the projection: the same units ranked by BM25 (Robertson & Zaragoza,
 * "The Probabilistic Relevance Framework: BM25 and Beyond", Foundations and Trends in IR 3(4),
 * 2009), scoped to one tenant per call. Same isolation, idempotency and filter rules as
 * {@link VectorIndex}; text is tokenised with Unicode word boundaries, case and diacritics
 * folded, and Porter stemming (Porter, "An algorithm for suffix stripping", 1980). Query text
 * is plain words: no query syntax is interpreted, any word may match (OR), and documents
 * matching more and rarer words rank higher.
 */
export interface LexicalIndex {
  /**
   * Inserts or replaces documents (by tenant and id).
   * @throws ValidationError naming every bad field; nothing is written.
   */
  upsert(docs: readonly LexicalDoc[]): Promise<void>;

  /**
   * Removes documents and their text for good. Unknown ids are ignored.
   * @throws ValidationError on an empty tenant or a bad id.
   */
  delete(tenant: string, ids: readonly string[]): Promise<void>;

  /**
   * Sets the status of existing documents. Unknown ids are ignored.
   * @throws ValidationError on an empty tenant, a bad id or an unknown status.
   */
  setStatus(tenant: string, ids: readonly string[], status: UnitStatus): Promise<void>;

  /**
   * The `k` best BM25 matches of `query.text` among the tenant's documents passing the filter;
   * a text without any word returns no hits.
   * @throws ValidationError on a bad tenant, `k` or filter.
   */
  search(query: LexicalQuery): Promise<SearchHit[]>;

  /** Number of documents the tenant has, whatever their status. */
  count(tenant: string): Promise<number>;

  /** Releases resources. Further calls fail. */
  close(): Promise<void>;
}
