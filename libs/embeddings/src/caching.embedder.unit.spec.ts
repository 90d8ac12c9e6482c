import { describe, it, expect } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { embedderContract, embeddingCacheContract } from './testing/index.js';
import { BatchingEmbedder, CachingEmbedder, forgetTexts, HashEmbedder, LruEmbeddingCache, textKey, type Embedder } from './index.js';

/** Counts the texts an inner embedder is asked for. */
class CountingEmbedder implements Embedder {
  readonly asked: string[][] = [];
  constructor(
    private readonly inner: Embedder = new HashEmbedder({ dimensions: 16 }),
    private readonly wrongLength = false,
  ) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  get dimensions(): number {
    return this.inner.dimensions;
  }
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.asked.push([...texts]);
    const vectors = await this.inner.embed(texts);
    return this.wrongLength ? vectors.map((v) => v.subarray(1)) : vectors;
  }
}

embedderContract('CachingEmbedder(HashEmbedder, LRU 1000)', () =>
  Promise.resolve({ embedder: new CachingEmbedder(new HashEmbedder(), { cache: new LruEmbeddingCache({ maxEntries: 1000 }) }) }), { semantic: false });
embedderContract('CachingEmbedder(HashEmbedder, LRU 5: constant eviction)', () =>
  Promise.resolve({ embedder: new CachingEmbedder(new HashEmbedder(), { cache: new LruEmbeddingCache({ maxEntries: 5 }) }) }), { semantic: false });
embeddingCacheContract('LruEmbeddingCache', () => Promise.resolve({ cache: new LruEmbeddingCache({ maxEntries: 100 }) }));

describe('textKey', () => {
  it('is the SHA-256 of the UTF-8 text in hex (FIPS 180-4 test vector)', () => {
    expect(textKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(textKey('é')).toBe(textKey('\u00e9'));
    expect(textKey('é')).not.toBe(textKey('e\u0301'));
  });
});

describe('CachingEmbedder', () => {
  it('embeds each distinct missing text once and answers repeats from the cache', async () => {
    const inner = new CountingEmbedder();
    const cached = new CachingEmbedder(inner, { cache: new LruEmbeddingCache({ maxEntries: 100 }) });
    const first = await cached.embed(['a cat', 'a dog', 'a cat']);
    expect(inner.asked).toEqual([['a cat', 'a dog']]);
    expect(cached.stats()).toEqual({ hits: 1, misses: 2 });
    const second = await cached.embed(['a dog', 'a bird', 'a cat']);
    expect(inner.asked).toEqual([['a cat', 'a dog'], ['a bird']]);
    expect(cached.stats()).toEqual({ hits: 3, misses: 3 });
    const direct = await new HashEmbedder({ dimensions: 16 }).embed(['a cat', 'a dog', 'a bird']);
    expect(Array.from(first[0]!)).toEqual(Array.from(direct[0]!));
    expect(Array.from(first[2]!)).toEqual(Array.from(direct[0]!));
    expect(Array.from(second[0]!)).toEqual(Array.from(direct[1]!));
    expect(Array.from(second[1]!)).toEqual(Array.from(direct[2]!));
    expect(first[0]).not.toBe(first[2]);
  });

  it('does not share entries between models that use the same cache', async () => {
    const cache = new LruEmbeddingCache({ maxEntries: 100 });
    const small = new CountingEmbedder(new HashEmbedder({ dimensions: 16, seed: 1 }));
    const other = new CountingEmbedder(new HashEmbedder({ dimensions: 16, seed: 2 }));
    await new CachingEmbedder(small, { cache }).embed(['same']);
    await new CachingEmbedder(other, { cache }).embed(['same']);
    expect([small.asked, other.asked]).toEqual([[['same']], [['same']]]);
    expect(cache.size).toBe(2);
  });

  it('caches nothing when the inner embedder breaks the contract', async () => {
    const cache = new LruEmbeddingCache({ maxEntries: 100 });
    const error = await new CachingEmbedder(new CountingEmbedder(undefined, true), { cache }).embed(['x']).catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('unavailable');
    expect(cache.size).toBe(0);
  });

  it('uses the key function it is given', async () => {
    const cache = new LruEmbeddingCache({ maxEntries: 100 });
    const inner = new CountingEmbedder();
    const cached = new CachingEmbedder(inner, { cache, keyOf: (t) => t.toLowerCase() });
    await cached.embed(['Hello', 'HELLO']);
    expect(inner.asked).toEqual([['Hello']]);
  });
});

describe('LruEmbeddingCache', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = new LruEmbeddingCache({ maxEntries: 2 });
    await cache.set('m', [{ key: 'a', vector: Float32Array.of(1) }]);
    await cache.set('m', [{ key: 'b', vector: Float32Array.of(2) }]);
    await cache.get('m', ['a']);
    await cache.set('m', [{ key: 'c', vector: Float32Array.of(3) }]);
    expect((await cache.get('m', ['a', 'b', 'c'])).map((v) => v?.[0])).toEqual([1, undefined, 3]);
    expect([cache.size, cache.evicted]).toEqual([2, 1]);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('rejects a bad bound with a ConfigurationError', () => {
    expect(() => new LruEmbeddingCache({ maxEntries: 0 })).toThrow(/maxEntries must be an integer/);
  });
});

describe('CachingEmbedder.forget', () => {
  it('deletes the texts’ entries from its cache and forwards to an inner caching embedder', async () => {
    const counting = new CountingEmbedder();
    const innerCache = new LruEmbeddingCache({ maxEntries: 100 });
    const outerCache = new LruEmbeddingCache({ maxEntries: 100 });
    const cached = new CachingEmbedder(new BatchingEmbedder(new CachingEmbedder(counting, { cache: innerCache }), { maxBatch: 10 }), { cache: outerCache });
    await cached.embed(['erase me', 'keep me']);
    expect(outerCache.size).toBe(2);
    expect(innerCache.size).toBe(2);
    await cached.forget(['erase me', 'erase me', 'never embedded']);
    expect(outerCache.size).toBe(1);
    expect(innerCache.size).toBe(1);
    const [key] = [textKey('erase me')];
    expect(await outerCache.get(counting.modelId, [key])).toEqual([undefined]);
    expect(await innerCache.get(counting.modelId, [key])).toEqual([undefined]);
    // the kept text is still answered from the cache, the erased one is embedded again
    await cached.embed(['keep me', 'erase me']);
    expect(counting.asked).toEqual([['erase me', 'keep me'], ['erase me']]);
  });

  it('forgetTexts reports whether the embedder can forget', async () => {
    expect(await forgetTexts(new HashEmbedder(), ['x'])).toBe(false);
    expect(await forgetTexts(new CachingEmbedder(new HashEmbedder(), { cache: new LruEmbeddingCache({ maxEntries: 2 }) }), ['x'])).toBe(true);
  });
});
