import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { assertEmbeddableTexts, assertEmbeddings, closeEmbedder, forgetTexts, type Embedder } from './embedder.js';
import type { EmbeddingCache } from './embedding-cache.js';

/** SHA-256 (FIPS 180-4) of the UTF-8 bytes of `text`, as 64 lower-case hex characters (pure JS, @noble/hashes). */
export function textKey(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** Options of {@link CachingEmbedder}. */
export interface CachingOptions {
  /** Where vectors are kept. */
  readonly cache: EmbeddingCache;
  /** Cache key of a text; default {@link textKey} (SHA-256 hex). An adapter may pass a native SHA-256 giving the same hex. */
  readonly keyOf?: (text: string) => string;
}

/** Counters of a {@link CachingEmbedder} since creation (texts, not calls). */
export interface CacheStats {
  /** Texts answered from the cache (including repeats of a text inside one call). */
  readonly hits: number;
  /** Texts sent to the inner embedder. */
  readonly misses: number;
}

/**
 * Decorator that answers texts already embedded for the same `modelId` from an
 * {@link EmbeddingCache} keyed by (modelId, SHA-256 of the text) and sends only the others —
 * each distinct text once per call — to the inner embedder in one call, then stores them.
 * Vectors handed out are fresh copies, so callers may mutate them.
 *
 * Replays of a projection re-embed the same texts; with a cache that outlives the process that
 * costs a hash and a lookup instead of a model call.
 */
export class CachingEmbedder implements Embedder {
  private readonly cache: EmbeddingCache;
  private readonly keyOf: (text: string) => string;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly inner: Embedder,
    options: CachingOptions,
  ) {
    this.cache = options.cache;
    this.keyOf = options.keyOf ?? textKey;
  }

  get modelId(): string {
    return this.inner.modelId;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  /** Hit and miss counts since creation. */
  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses };
  }

  /**
   * Embeds `texts`, answering repeats from the cache.
   * @throws ValidationError for a bad text (before any lookup).
   * @throws whatever the cache or the inner embedder throws; UnavailableError when the inner
   *   embedder returns the wrong number or length of vectors (nothing is cached then).
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    assertEmbeddableTexts(texts);
    if (texts.length === 0) return [];
    const modelId = this.inner.modelId;
    const dimensions = this.inner.dimensions;
    const keys = texts.map((text) => this.keyOf(text));
    const textOf = new Map<string, string>();
    keys.forEach((key, i) => {
      if (!textOf.has(key)) textOf.set(key, texts[i]!);
    });
    const distinct = [...textOf.keys()];
    const found = await this.cache.get(modelId, distinct, dimensions);
    const byKey = new Map<string, Float32Array>();
    const missing: { key: string; text: string }[] = [];
    distinct.forEach((key, i) => {
      const vector = found[i];
      if (vector !== undefined && vector.length === dimensions) byKey.set(key, vector);
      else missing.push({ key, text: textOf.get(key)! });
    });
    if (missing.length > 0) {
      const vectors = await this.inner.embed(missing.map((m) => m.text));
      assertEmbeddings(vectors, missing.length, dimensions, modelId);
      const entries = missing.map((m, i) => ({ key: m.key, vector: vectors[i]! }));
      for (const entry of entries) byKey.set(entry.key, entry.vector);
      await this.cache.set(modelId, entries);
    }
    this.misses += missing.length;
    this.hits += texts.length - missing.length;
    return keys.map((key) => Float32Array.from(byKey.get(key)!));
  }

  /**
   * Deletes the cache entries of `texts` for this model, then forwards the call to the inner
   * embedder (which may hold a cache of its own). Used at erasure: afterwards no vector of these
   * texts is answered or kept by this cache.
   * @throws ValidationError for a text that is not a string; whatever the cache throws.
   */
  async forget(texts: readonly string[]): Promise<void> {
    if (texts.some((t) => typeof t !== 'string')) assertEmbeddableTexts(texts);
    if (texts.length === 0) return;
    await this.cache.delete(this.inner.modelId, [...new Set(texts.map((text) => this.keyOf(text)))]);
    await forgetTexts(this.inner, texts);
  }

  /** Forwards {@link Embedder.close} to the inner embedder (the cache is the caller's: it stays open). */
  async close(): Promise<void> {
    await closeEmbedder(this.inner);
  }
}
