import { ConfigurationError } from '@memfabric/errors';

/** One cached vector: `key` is the SHA-256 of the text (64 lower-case hex characters). */
export interface CachedEmbedding {
  readonly key: string;
  readonly vector: Float32Array;
}

/**
 * Port of a store of computed embeddings, keyed by (model id, SHA-256 of the text). It is a
 * cache of derived data: an entry may vanish at any time, and callers treat returned vectors as
 * read-only (the {@link CachingEmbedder} copies them before handing them out).
 */
export interface EmbeddingCache {
  /**
   * Looks keys up for one model.
   * @param dimensions - when given, an entry whose vector has another length is a miss (a model
   *   id reused for another dimension, a damaged entry).
   * @returns one entry per key, in order: the vector, or `undefined` on a miss.
   */
  get(modelId: string, keys: readonly string[], dimensions?: number): Promise<(Float32Array | undefined)[]>;
  /** Stores vectors for one model, replacing an entry with the same key. */
  set(modelId: string, entries: readonly CachedEmbedding[]): Promise<void>;
  /**
   * Removes the entries of `keys` for one model, for good (erasure: an adapter that persists
   * entries makes the deleted vectors unrecoverable from its files, see its documentation).
   * Absent keys are ignored.
   * @returns the number of entries removed.
   */
  delete(modelId: string, keys: readonly string[]): Promise<number>;
}

/** Options of {@link LruEmbeddingCache}. */
export interface LruEmbeddingCacheOptions {
  /** Most entries kept, over all models (1..10 000 000); the least recently used go first. */
  readonly maxEntries: number;
}

/**
 * In-memory {@link EmbeddingCache} bounded by entry count with least-recently-used eviction (a
 * `Map` in access order: a hit moves the entry to the end, an insert past the bound drops the
 * first). Memory is about `maxEntries × (4 × dimensions + ~150)` bytes. Stores a copy of each
 * vector it is given.
 */
export class LruEmbeddingCache implements EmbeddingCache {
  readonly maxEntries: number;
  private readonly entries = new Map<string, Float32Array>();
  private evictions = 0;

  /** @throws ConfigurationError when `maxEntries` is not an integer in 1..10 000 000. */
  constructor(options: LruEmbeddingCacheOptions) {
    this.maxEntries = options.maxEntries;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1 || this.maxEntries > 10_000_000) {
      throw new ConfigurationError(`LruEmbeddingCache: maxEntries must be an integer in 1..10000000 (got ${this.maxEntries})`);
    }
  }

  /** Number of entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Entries dropped to stay within `maxEntries` since creation. */
  get evicted(): number {
    return this.evictions;
  }

  get(modelId: string, keys: readonly string[], dimensions?: number): Promise<(Float32Array | undefined)[]> {
    return Promise.resolve(
      keys.map((key) => {
        const id = entryId(modelId, key);
        const vector = this.entries.get(id);
        if (vector !== undefined && dimensions !== undefined && vector.length !== dimensions) return undefined;
        if (vector !== undefined) {
          this.entries.delete(id);
          this.entries.set(id, vector);
        }
        return vector;
      }),
    );
  }

  set(modelId: string, entries: readonly CachedEmbedding[]): Promise<void> {
    for (const { key, vector } of entries) {
      const id = entryId(modelId, key);
      this.entries.delete(id);
      this.entries.set(id, Float32Array.from(vector));
      if (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) {
          this.entries.delete(oldest.value);
          this.evictions++;
        }
      }
    }
    return Promise.resolve();
  }

  delete(modelId: string, keys: readonly string[]): Promise<number> {
    let removed = 0;
    for (const key of keys) if (this.entries.delete(entryId(modelId, key))) removed++;
    return Promise.resolve(removed);
  }

  /** Drops every entry (derived data only; the next calls recompute). */
  clear(): void {
    this.entries.clear();
  }
}

function entryId(modelId: string, key: string): string {
  return `${modelId}\u0000${key}`;
}
