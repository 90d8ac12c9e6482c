import { createRequire } from 'node:module';
import type * as Usearch from 'usearch';
import type { Index as UsearchIndex } from 'usearch';

// usearch 2.21.4's ESM entry cannot locate its native build (it walks up from a file: URL
// until the stack overflows); its CommonJS entry works, so load that one.
const usearch = createRequire(import.meta.url)('usearch') as typeof Usearch;

/** HNSW construction and search parameters (Malkov & Yashunin, IEEE TPAMI 2020). */
export interface HnswParams {
  /** M: links per node and layer ("connectivity"). Default 16. */
  readonly connectivity: number;
  /** efConstruction: candidate list size while inserting. Default 128. */
  readonly expansionAdd: number;
  /** ef: candidate list size while searching (raised to the number of candidates asked for). Default 128. */
  readonly expansionSearch: number;
  /**
   * Threads of a bulk graph build: 1 (default) inserts the rows one after another in key order,
   * so the same rows build the same graph every time and a replay of the log reproduces every
   * approximate search; 0 = every core, several times faster on a large tenant, but the threads
   * insert in a scheduling-dependent order, so the graph (and which near neighbour an
   * approximate search misses) varies between builds.
   */
  readonly buildThreads?: number;
}

/**
 * The parameters chosen by measurement (docs/vector-index-choice.md): recall@10 0.9998 on the
 * LoCoMo turns (2,760 points) and 0.993 on 50,000 synthetic sentence vectors.
 */
export const DEFAULT_HNSW: HnswParams = { connectivity: 16, expansionAdd: 128, expansionSearch: 128 };

/**
 * One tenant's HNSW graph in usearch (Unum), cosine metric, f32, one vector per key. Keys are
 * the SQLite row keys of the points. A thin wrapper so the adapter names one small surface.
 */
export class UsearchGraph {
  private constructor(
    private readonly index: UsearchIndex,
    readonly dimension: number,
  ) {}

  /** An empty graph. */
  static create(dimension: number, params: HnswParams): UsearchGraph {
    return new UsearchGraph(
      new usearch.Index({
        dimensions: dimension,
        metric: usearch.MetricKind.Cos,
        quantization: usearch.ScalarKind.F32,
        connectivity: params.connectivity,
        expansion_add: params.expansionAdd,
        expansion_search: params.expansionSearch,
        multi: false,
      }),
      dimension,
    );
  }

  /**
   * Loads a graph saved by {@link save}.
   * @throws Error when the file is missing, truncated or of another dimension.
   */
  static load(file: string, dimension: number, params: HnswParams): UsearchGraph {
    const graph = UsearchGraph.create(dimension, params);
    graph.index.load(file);
    if (graph.index.dimensions() !== dimension) throw new Error(`${file} holds ${graph.index.dimensions()}-d vectors, expected ${dimension}`);
    return graph;
  }

  get size(): number {
    return this.index.size();
  }

  has(key: number): boolean {
    return this.index.contains(BigInt(key)) as boolean;
  }

  /** Adds or replaces the vector of `key`. */
  set(key: number, vector: Float32Array): void {
    const k = BigInt(key);
    if (this.index.contains(k) as boolean) this.index.remove(k);
    this.index.add(k, vector, 1);
  }

  /**
   * Adds many new keys at once with `threads` threads (1 = in the given order, deterministic;
   * 0 = all cores, order up to the scheduler); keys must not be present.
   */
  addBatch(keys: readonly number[], vectors: Float32Array, threads = 1): void {
    if (keys.length === 0) return;
    this.index.add(BigUint64Array.from(keys, (k) => BigInt(k)), vectors, threads);
  }

  remove(key: number): void {
    const k = BigInt(key);
    if (this.index.contains(k) as boolean) this.index.remove(k);
  }

  /**
   * The `k` approximate nearest keys with their cosine similarity (1 - cosine distance).
   */
  search(query: Float32Array, k: number): { key: number; score: number }[] {
    if (this.index.size() === 0) return [];
    const found = this.index.search(query, k, 1);
    const out: { key: number; score: number }[] = [];
    for (let i = 0; i < found.keys.length; i++) out.push({ key: Number(found.keys[i]), score: 1 - found.distances[i]! });
    return out;
  }

  /** Writes the graph (with its vectors) to `file`. */
  save(file: string): void {
    this.index.save(file);
  }
}
