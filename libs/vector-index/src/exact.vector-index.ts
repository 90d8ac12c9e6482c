import { ConfigurationError } from '@memfabric/errors';
import { IndexClosedError } from './errors.js';
import { matchesFilter } from './filter.js';
import type { VectorIndex } from './port.js';
import type { EmbeddingModelRef, SearchHit, UnitPayload, UnitStatus, VectorPoint, VectorQuery } from './types.js';
import { modelProblems, prepareIds, preparePoints, prepareTenant, prepareVectorQuery, type PreparedPoint } from './validation.js';
import { dotAt, TopK } from './vector-math.js';

/** Options of {@link ExactVectorIndex}. */
export interface ExactVectorIndexOptions {
  /** The embedding model whose vectors the index holds. */
  readonly model: EmbeddingModelRef;
}


/**
 * Exact (brute-force) cosine search in memory: every search scores every point of the tenant
 * that passes the filter, so its results are the ground truth approximate indexes are measured
 * against (recall@k), and it is fast enough for small tenants (about 2 ms per 2,000 512-d
 * points on one core). Pure: no I/O, nothing persisted.
 */
export class ExactVectorIndex implements VectorIndex {
  readonly model: EmbeddingModelRef;
  private readonly tenants = new Map<string, Map<string, PreparedPoint>>();
  private closed = false;

  /** @throws ConfigurationError when `options.model` is missing or malformed. */
  constructor(options: ExactVectorIndexOptions) {
    const problems = modelProblems(options?.model);
    if (problems.length > 0) throw new ConfigurationError(`ExactVectorIndex: ${problems.join('; ')}`);
    this.model = { id: options.model.id, dimension: options.model.dimension };
  }

  upsert(points: readonly VectorPoint[]): Promise<void> {
    return this.run(() => {
      for (const p of preparePoints(points, this.model)) {
        let tenant = this.tenants.get(p.tenant);
        if (!tenant) this.tenants.set(p.tenant, (tenant = new Map<string, PreparedPoint>()));
        tenant.set(p.id, p);
      }
    });
  }

  delete(tenant: string, ids: readonly string[]): Promise<void> {
    return this.run(() => {
      const unique = prepareIds(tenant, ids);
      const points = this.tenants.get(tenant);
      if (!points) return;
      for (const id of unique) points.delete(id);
      if (points.size === 0) this.tenants.delete(tenant);
    });
  }

  setStatus(tenant: string, ids: readonly string[], status: UnitStatus): Promise<void> {
    return this.run(() => {
      const unique = prepareIds(tenant, ids, { value: status });
      const points = this.tenants.get(tenant);
      if (!points) return;
      for (const id of unique) {
        const p = points.get(id);
        if (p) points.set(id, { ...p, status });
      }
    });
  }

  search(query: VectorQuery): Promise<SearchHit[]> {
    return this.run(() => {
      const q = prepareVectorQuery(query, this.model);
      const points = this.tenants.get(q.tenant);
      if (!points) return [];
      const top = new TopK(q.k);
      for (const p of points.values()) {
        if (!matchesFilter(p, q.filter)) continue;
        top.offer(p.id, dotAt(q.vector, p.vector));
      }
      return top.hits();
    });
  }

  get(tenant: string, ids: readonly string[]): Promise<UnitPayload[]> {
    return this.run(() => {
      prepareIds(tenant, ids);
      const points = this.tenants.get(tenant);
      const out: UnitPayload[] = [];
      if (!points) return out;
      for (const id of ids) {
        const p = points.get(id);
        if (p) out.push(payloadOf(p));
      }
      return out;
    });
  }

  count(tenant: string): Promise<number> {
    return this.run(() => this.tenants.get(prepareTenant(tenant))?.size ?? 0);
  }

  close(): Promise<void> {
    this.closed = true;
    this.tenants.clear();
    return Promise.resolve();
  }

  private run<T>(body: () => T): Promise<T> {
    try {
      if (this.closed) throw new IndexClosedError('ExactVectorIndex is closed');
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** The payload part of a point (drops the vector). */
export function payloadOf(p: UnitPayload): UnitPayload {
  return {
    id: p.id,
    tenant: p.tenant,
    stream: p.stream,
    actor: p.actor,
    worldTime: p.worldTime,
    txTime: p.txTime,
    offset: p.offset,
    status: p.status,
    text: p.text,
  };
}
