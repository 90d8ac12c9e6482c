import { dotAt, matchesFilter, type NormalizedFilter, type TopK, type UnitStatus } from '@memfabric/vector-index';
import type { UsearchGraph } from './usearch-graph.js';

/** What a search filters on, per live point (everything but the text). */
export interface PointMeta {
  readonly id: string;
  readonly stream: string;
  readonly actor: string;
  readonly worldTime: number;
  readonly txTime: number;
  readonly offset: number;
  readonly status: UnitStatus;
}

/**
 * Vectors of a small tenant in one row-major matrix (slot i = floats `i*dim .. (i+1)*dim`), so
 * exact search is a tight loop over memory instead of reading rows. Removal moves the last
 * slot into the hole.
 */
export class VectorMatrix {
  private data: Float32Array;
  private readonly keys: number[] = [];
  /** Payload of the point in each slot (kept in step with the tenant's payload map). */
  private readonly metas: PointMeta[] = [];
  private readonly slotOf = new Map<number, number>();

  constructor(
    readonly dimension: number,
    capacity = 64,
  ) {
    this.data = new Float32Array(Math.max(1, capacity) * dimension);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Adds or replaces the vector (copied) and payload of `key`. */
  set(key: number, vector: Float32Array, meta: PointMeta): void {
    let slot = this.slotOf.get(key);
    if (slot === undefined) {
      slot = this.keys.length;
      if ((slot + 1) * this.dimension > this.data.length) {
        const grown = new Float32Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
      this.keys.push(key);
      this.metas.push(meta);
      this.slotOf.set(key, slot);
    }
    this.metas[slot] = meta;
    this.data.set(vector, slot * this.dimension);
  }

  /** Replaces the payload of `key` (a status change); no-op for an unknown key. */
  setMeta(key: number, meta: PointMeta): void {
    const slot = this.slotOf.get(key);
    if (slot !== undefined) this.metas[slot] = meta;
  }

  remove(key: number): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    const last = this.keys.length - 1;
    if (slot !== last) {
      const moved = this.keys[last]!;
      this.data.copyWithin(slot * this.dimension, last * this.dimension, (last + 1) * this.dimension);
      this.keys[slot] = moved;
      this.metas[slot] = this.metas[last]!;
      this.slotOf.set(moved, slot);
    }
    this.keys.pop();
    this.metas.pop();
    this.slotOf.delete(key);
  }

  /** Offers every point that passes `filter` to `top`, scored by dot product with `query` (unit vectors: cosine). */
  scan(query: Float32Array, filter: NormalizedFilter, top: TopK): void {
    for (let slot = 0; slot < this.keys.length; slot++) {
      const m = this.metas[slot]!;
      if (!matchesFilter(m, filter)) continue;
      const score = dotAt(query, this.data, slot * this.dimension);
      if (score >= top.threshold) top.offer(m.id, score);
    }
  }
}

/** One tenant's HNSW graph and what it reflects. */
export interface CachedGraph {
  graph: UsearchGraph;
  /** The tenant `seq` the graph reflects. */
  seq: number;
  /** Vectors removed or replaced since the graph was built. */
  churn: number;
  /**
   * Points deleted since the graph was built. usearch keeps a removed vector's bytes in its
   * slot, also in a saved file, so a graph with deletions is rebuilt from the rows before it is
   * saved: an erased unit's embedding never reaches a file.
   */
  removed: number;
  /** Changed since loaded or last saved. */
  dirty: boolean;
  /** The file the graph was last loaded from or saved to. */
  file?: string;
  /** Where the graph came from when this process first needed it. */
  source: 'file' | 'rows';
}

/**
 * What this process keeps of one tenant, rebuilt from the rows at any time: the filterable
 * payload of each live point, and either the vectors (tenant below the exact-search
 * threshold) or the HNSW graph (at or above it). `seq` is the tenant's change sequence the
 * cache reflects; a search replays the rows changed since.
 */
export interface TenantCache {
  seq: number;
  readonly meta: Map<number, PointMeta>;
  vectors?: VectorMatrix;
  graph?: CachedGraph;
}
