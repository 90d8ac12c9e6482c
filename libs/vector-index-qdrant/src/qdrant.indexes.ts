import { QdrantClient } from '@qdrant/js-client-rest';
import { ConfigurationError } from '@memfabric/errors';
import {
  bm25DocumentVector,
  bm25QueryVector,
  EmbeddingModelMismatchError,
  IndexClosedError,
  prepareDocs,
  prepareIds,
  prepareLexicalQuery,
  preparePoints,
  prepareTenant,
  prepareVectorQuery,
  rankHits,
  type EmbeddingModelRef,
  type LexicalDoc,
  type LexicalIndex,
  type LexicalQuery,
  type SearchHit,
  type SparseVector,
  type UnitPayload,
  type UnitStatus,
  type VectorIndex,
  type VectorPoint,
  type VectorQuery,
} from '@memfabric/vector-index';
import { resolveQdrantConfig, type QdrantApi, type QdrantIndexConfig, type ResolvedQdrantConfig } from './config.js';
import { translateQdrantError } from './errors.js';
import { FIELDS, fromPointPayload, tenantCondition, toPointPayload, toQdrantFilter, type UnitPointPayload } from './filter.js';
import { MODEL_POINT_ID, pointId } from './point-id.js';

/** Payload indexes created with the collection: field name and schema. */
export const PAYLOAD_INDEXES = [
  [FIELDS.tenant, { type: 'keyword', is_tenant: true }],
  [FIELDS.unitId, { type: 'keyword' }],
  [FIELDS.status, { type: 'keyword' }],
  [FIELDS.stream, { type: 'keyword' }],
  [FIELDS.actor, { type: 'keyword' }],
  [FIELDS.worldTime, { type: 'integer', lookup: false, range: true }],
  [FIELDS.txTime, { type: 'integer', lookup: false, range: true }],
  [FIELDS.offset, { type: 'integer', lookup: false, range: true }],
] as const;

/** Payload of the reserved point that records the collection's embedding model. */
interface ModelPayload {
  memfabric_reserved: 'embedding-model';
  model_id: string;
  dimension: number;
}

/** Shared state of the two index facades over one collection. */
class Collection {
  closed = false;
  constructor(
    readonly api: QdrantApi,
    readonly config: ResolvedQdrantConfig,
  ) {}

  get name(): string {
    return this.config.collection;
  }

  /** Runs one Qdrant call and translates its failure. */
  async call<T>(operation: string, body: () => Promise<T>, facadeClosed = false): Promise<T> {
    if (this.closed || facadeClosed) throw new IndexClosedError(`Qdrant index on ${this.name} is closed`);
    try {
      return await body();
    } catch (error) {
      throw translateQdrantError(error, operation, this.name);
    }
  }

  sparse(text: string): SparseVector {
    return bm25DocumentVector(text, this.config.bm25.avgDocLength, this.config.bm25);
  }
}

/**
 * Opens a Qdrant collection that serves both {@link VectorIndex} (named dense vector, cosine)
 * and {@link LexicalIndex} (named sparse vector with `modifier: idf`, BM25 term weights computed
 * here: Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009).
 *
 * One point per unit, id = UUIDv5 of tenant and unit id ({@link pointId}); payload = the unit
 * (`tenant`, `unit_id`, `stream`, `actor`, `world_time`, `tx_time`, `log_offset`, `status`,
 * `text`) with payload indexes (tenant as keyword with `is_tenant: true`, so Qdrant organises
 * storage per tenant). Every request filters on the tenant.
 *
 * The embedding model is recorded in a reserved point (Qdrant 1.13 has no collection
 * metadata); opening with another model or dimension fails with
 * `EmbeddingModelMismatchError`.
 */
export class QdrantIndexes {
  /** Dense search over the collection. */
  readonly vector: QdrantVectorIndex;
  /** BM25 search over the same points. */
  readonly lexical: QdrantLexicalIndex;

  private constructor(private readonly state: Collection) {
    this.vector = new QdrantVectorIndex(state);
    this.lexical = new QdrantLexicalIndex(state);
  }

  /** Name of the collection in use. */
  get collection(): string {
    return this.state.name;
  }

  /**
   * Connects, creates the collection and its payload indexes when missing, and checks the
   * collection's vectors and recorded model against the configuration.
   * @throws ConfigurationError on invalid configuration or a collection whose vectors are not
   *   what this adapter writes (no dense cosine vector / no sparse vector with IDF).
   * @throws EmbeddingModelMismatchError when the collection holds another model's vectors.
   * @throws UnavailableError (retriable) when Qdrant cannot be reached.
   */
  static async open(config: QdrantIndexConfig): Promise<QdrantIndexes> {
    const resolved = resolveQdrantConfig(config);
    const api: QdrantApi =
      resolved.client ??
      new QdrantClient({
        url: resolved.url!,
        ...(resolved.apiKey === undefined ? {} : { apiKey: resolved.apiKey }),
        timeout: resolved.timeoutMs,
        // the REST calls used here exist unchanged from Qdrant 1.13 on; the client's version
        // check would only warn about a newer client
        checkCompatibility: false,
      });
    const state = new Collection(api, resolved);
    await ensureCollection(state);
    return new QdrantIndexes(state);
  }

  /** Stops both facades (the REST client holds no connection to close). Idempotent. */
  close(): Promise<void> {
    this.state.closed = true;
    return Promise.resolve();
  }
}

async function ensureCollection(state: Collection): Promise<void> {
  const { api, config } = state;
  const name = state.name;
  const exists = await state.call('collectionExists', () => api.collectionExists(name));
  if (!exists.exists) {
    try {
      await state.call('createCollection', () =>
        api.createCollection(name, {
          vectors: { [config.denseVector]: { size: config.model.dimension, distance: 'Cosine' } },
          sparse_vectors: { [config.sparseVector]: { modifier: 'idf' } },
        }),
      );
    } catch (error) {
      // another process created it meanwhile: fine, checked below
      if (!(await state.call('collectionExists', () => api.collectionExists(name))).exists) throw error;
    }
  }
  for (const [field, schema] of PAYLOAD_INDEXES) {
    await state.call('createPayloadIndex', () => api.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true }));
  }
  const info = await state.call('getCollection', () => api.getCollection(name));
  const vectors = info.config?.params?.vectors as Record<string, { size?: number; distance?: string }> | undefined;
  const dense = vectors?.[config.denseVector];
  if (!dense || typeof dense.size !== 'number') {
    throw new ConfigurationError(`Qdrant collection ${name} has no named dense vector "${config.denseVector}": use another collection or set denseVector`);
  }
  if (dense.size !== config.model.dimension) {
    throw new EmbeddingModelMismatchError(
      { id: '(recorded in the collection)', dimension: dense.size },
      config.model,
      `opening Qdrant collection ${name}`,
    );
  }
  if (dense.distance !== 'Cosine') {
    throw new ConfigurationError(`Qdrant collection ${name}: vector "${config.denseVector}" uses ${dense.distance} distance; memfabric needs Cosine`);
  }
  const sparse = (info.config?.params?.sparse_vectors as Record<string, { modifier?: string | null }> | undefined)?.[config.sparseVector];
  if (!sparse || sparse.modifier !== 'idf') {
    throw new ConfigurationError(`Qdrant collection ${name} has no sparse vector "${config.sparseVector}" with modifier idf: use another collection or set sparseVector`);
  }
  const [marker] = await state.call('retrieve', () => api.retrieve(name, { ids: [MODEL_POINT_ID], with_payload: true, with_vector: false }));
  if (marker) {
    const recorded = marker.payload as unknown as ModelPayload;
    const stored: EmbeddingModelRef = { id: String(recorded.model_id), dimension: Number(recorded.dimension) };
    if (stored.id !== config.model.id || stored.dimension !== config.model.dimension) {
      throw new EmbeddingModelMismatchError(stored, config.model, `opening Qdrant collection ${name}`);
    }
    return;
  }
  const units = await state.call('count', () => api.count(name, { exact: true }));
  if (units.count > 0) {
    throw new ConfigurationError(
      `Qdrant collection ${name} holds ${units.count} points but no record of their embedding model: ` +
        'it was not written by memfabric (or by a version before the model record); use a new collection',
    );
  }
  // the marker is the only point without a tenant, so no tenant-filtered request ever sees it;
  // its dense vector is a unit vector because a dense vector must be valid for cosine
  const unit = new Array<number>(config.model.dimension).fill(0);
  unit[0] = 1;
  const payload: ModelPayload = { memfabric_reserved: 'embedding-model', model_id: config.model.id, dimension: config.model.dimension };
  await state.call('upsert', () =>
    api.upsert(name, { wait: true, points: [{ id: MODEL_POINT_ID, vector: { [config.denseVector]: unit }, payload: { ...payload } }] }),
  );
}

function hitsOf(points: readonly { score: number; payload?: Record<string, unknown> | null }[]): SearchHit[] {
  return rankHits(points.map((p) => ({ id: String(p.payload?.[FIELDS.unitId]), score: p.score })));
}

/**
 * {@link VectorIndex} over a Qdrant collection (open it with {@link QdrantIndexes.open}). An
 * upsert writes the whole point: dense vector, BM25 sparse vector of the text and payload, so
 * the lexical index serves the same units. `delete` removes the point (text included).
 */
export class QdrantVectorIndex implements VectorIndex {
  private closed = false;

  /** @internal created by {@link QdrantIndexes.open} */
  constructor(private readonly state: Collection) {}

  private call<T>(operation: string, body: () => Promise<T>): Promise<T> {
    return this.state.call(operation, body, this.closed);
  }

  get model(): EmbeddingModelRef {
    return this.state.config.model;
  }

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    const prepared = preparePoints(points, this.model);
    if (prepared.length === 0) return;
    const { denseVector, sparseVector } = this.state.config;
    await this.call('upsert', () =>
      this.state.api.upsert(this.state.name, {
        wait: true,
        points: prepared.map((p) => ({
          id: pointId(p.tenant, p.id),
          vector: { [denseVector]: Array.from(p.vector), [sparseVector]: this.state.sparse(p.text) },
          payload: { ...toPointPayload(p) },
        })),
      }),
    );
  }

  async delete(tenant: string, ids: readonly string[]): Promise<void> {
    const unique = prepareIds(tenant, ids);
    if (unique.length === 0) return;
    await this.call('delete', () => this.state.api.delete(this.state.name, { wait: true, points: unique.map((id) => pointId(tenant, id)) }));
  }

  async setStatus(tenant: string, ids: readonly string[], status: UnitStatus): Promise<void> {
    await setStatus(this.state, tenant, ids, status, this.closed);
  }

  async search(query: VectorQuery): Promise<SearchHit[]> {
    const q = prepareVectorQuery(query, this.model);
    const { denseVector, hnswEf } = this.state.config;
    const result = await this.call('query', () =>
      this.state.api.query(this.state.name, {
        query: Array.from(q.vector),
        using: denseVector,
        filter: toQdrantFilter(q.tenant, q.filter),
        limit: q.k,
        with_payload: [FIELDS.unitId],
        with_vector: false,
        ...(hnswEf === undefined ? {} : { params: { hnsw_ef: hnswEf } }),
      }),
    );
    return hitsOf(result.points);
  }

  async get(tenant: string, ids: readonly string[]): Promise<UnitPayload[]> {
    prepareIds(tenant, ids);
    if (ids.length === 0) return [];
    const records = await this.call('retrieve', () =>
      this.state.api.retrieve(this.state.name, { ids: [...new Set(ids)].map((id) => pointId(tenant, id)), with_payload: true, with_vector: false }),
    );
    const byId = new Map<string, UnitPayload>();
    for (const r of records) {
      const payload = r.payload as unknown as UnitPointPayload | undefined;
      if (payload?.tenant === tenant) byId.set(payload.unit_id, fromPointPayload(payload));
    }
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async count(tenant: string): Promise<number> {
    prepareTenant(tenant);
    const { count } = await this.call('count', () =>
      this.state.api.count(this.state.name, { exact: true, filter: { must: [tenantCondition(tenant), { has_vector: this.state.config.denseVector }] } }),
    );
    return count;
  }

  /** Stops this facade (the other one over the same collection keeps working). */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

async function setStatus(state: Collection, tenant: string, ids: readonly string[], status: UnitStatus, closed: boolean): Promise<void> {
  const unique = prepareIds(tenant, ids, { value: status });
  if (unique.length === 0) return;
  // a filter (not a list of points) so unknown ids are skipped instead of failing the call
  await state.call(
    'setPayload',
    () =>
      state.api.setPayload(state.name, {
        wait: true,
        payload: { [FIELDS.status]: status },
        filter: { must: [tenantCondition(tenant), { has_id: unique.map((id) => pointId(tenant, id)) }] },
      }),
    closed,
  );
}

/**
 * {@link LexicalIndex} over the same Qdrant collection: BM25 with the document side computed
 * here (term frequency saturated by k1 and normalised by b against a fixed average length) and
 * IDF applied by Qdrant (`modifier: idf`, over the whole collection). Query terms are weighted 1,
 * so the score is Σ idf(t) · w(t, d) over the query's distinct terms.
 *
 * An upsert of a unit that already has a dense vector keeps it (the sparse vector and payload
 * are replaced); a new unit gets the sparse vector only. `delete` removes the point.
 */
export class QdrantLexicalIndex implements LexicalIndex {
  private closed = false;

  /** @internal created by {@link QdrantIndexes.open} */
  constructor(private readonly state: Collection) {}

  private call<T>(operation: string, body: () => Promise<T>): Promise<T> {
    return this.state.call(operation, body, this.closed);
  }

  async upsert(docs: readonly LexicalDoc[]): Promise<void> {
    const prepared = prepareDocs(docs);
    if (prepared.length === 0) return;
    const { name, api, config } = this.state;
    const ids = prepared.map((d) => pointId(d.tenant, d.id));
    const existing = await this.call('retrieve', () => api.retrieve(name, { ids, with_payload: false, with_vector: false }));
    const present = new Set(existing.map((r) => String(r.id)));
    const fresh = prepared.filter((_, i) => !present.has(ids[i]!));
    const known = prepared.filter((_, i) => present.has(ids[i]!));
    const operations: Parameters<QdrantApi['batchUpdate']>[1]['operations'] = [];
    if (fresh.length > 0) {
      operations.push({
        upsert: {
          points: fresh.map((d) => ({
            id: pointId(d.tenant, d.id),
            vector: { [config.sparseVector]: this.state.sparse(d.text) },
            payload: { ...toPointPayload(d) },
          })),
        },
      });
    }
    if (known.length > 0) {
      operations.push({
        update_vectors: { points: known.map((d) => ({ id: pointId(d.tenant, d.id), vector: { [config.sparseVector]: this.state.sparse(d.text) } })) },
      });
      for (const d of known) operations.push({ overwrite_payload: { payload: { ...toPointPayload(d) }, points: [pointId(d.tenant, d.id)] } });
    }
    await this.call('batchUpdate', () => api.batchUpdate(name, { wait: true, operations }));
  }

  async delete(tenant: string, ids: readonly string[]): Promise<void> {
    const unique = prepareIds(tenant, ids);
    if (unique.length === 0) return;
    await this.call('delete', () => this.state.api.delete(this.state.name, { wait: true, points: unique.map((id) => pointId(tenant, id)) }));
  }

  async setStatus(tenant: string, ids: readonly string[], status: UnitStatus): Promise<void> {
    await setStatus(this.state, tenant, ids, status, this.closed);
  }

  async search(query: LexicalQuery): Promise<SearchHit[]> {
    const q = prepareLexicalQuery(query);
    const sparse = bm25QueryVector(q.text);
    if (sparse.indices.length === 0) return [];
    const result = await this.call('query', () =>
      this.state.api.query(this.state.name, {
        query: { indices: sparse.indices, values: sparse.values },
        using: this.state.config.sparseVector,
        filter: toQdrantFilter(q.tenant, q.filter),
        limit: q.k,
        with_payload: [FIELDS.unitId],
        with_vector: false,
      }),
    );
    // a point matching no query term scores 0 and is no hit
    return hitsOf(result.points.filter((p) => p.score > 0));
  }

  async count(tenant: string): Promise<number> {
    prepareTenant(tenant);
    const { count } = await this.call('count', () => this.state.api.count(this.state.name, { exact: true, filter: { must: [tenantCondition(tenant)] } }));
    return count;
  }

  /** Stops this facade (the other one over the same collection keeps working). */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
