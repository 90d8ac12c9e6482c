import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { EmbeddingCache } from '../embedding-cache.js';
import { textKey } from '../caching.embedder.js';

/** What an adapter's test provides to {@link embeddingCacheContract}. */
export interface EmbeddingCacheFixture {
  readonly cache: EmbeddingCache;
  teardown?(): Promise<void>;
}

/** Options of {@link embeddingCacheContract}. */
export interface EmbeddingCacheContractOptions {
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
}

let counter = 0;
/** A model id no other test uses (so suites can share one store). */
function uniqueModel(): string {
  counter += 1;
  return `contract-model-${Date.now().toString(36)}-${counter}@test`;
}

/**
 * The contract every {@link EmbeddingCache} passes: round trip, misses, keys scoped by model id,
 * order of answers, replacement, the dimension filter of `get`, deletion (scoped by model id).
 * The cache must hold at least 16 entries.
 */
export function embeddingCacheContract(adapter: string, setup: () => Promise<EmbeddingCacheFixture>, options: EmbeddingCacheContractOptions = {}): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${adapter}] embedding cache contract skipped: ${options.skipReason}`);

  suite(`EmbeddingCache contract: ${adapter}`, () => {
    let fixture: EmbeddingCacheFixture;
    let cache: EmbeddingCache;
    beforeAll(async () => {
      fixture = await setup();
      cache = fixture.cache;
    });
    afterAll(async () => {
      await fixture?.teardown?.();
    });

    it('returns what was set, in the order asked, and undefined for misses', async () => {
      const model = uniqueModel();
      const [a, b, c] = ['alpha', 'beta', 'gamma'].map(textKey);
      await cache.set(model, [
        { key: a!, vector: Float32Array.of(1, 0, 0) },
        { key: b!, vector: Float32Array.of(0, 1, 0) },
      ]);
      const got = await cache.get(model, [b!, c!, a!]);
      expect(got.map((v) => (v ? Array.from(v) : undefined))).toEqual([[0, 1, 0], undefined, [1, 0, 0]]);
      expect(await cache.get(model, [])).toEqual([]);
    });

    it('scopes keys by model id', async () => {
      const one = uniqueModel();
      const two = uniqueModel();
      const key = textKey('same text');
      await cache.set(one, [{ key, vector: Float32Array.of(1, 0) }]);
      expect(await cache.get(two, [key])).toEqual([undefined]);
      await cache.set(two, [{ key, vector: Float32Array.of(0, 1) }]);
      expect(Array.from((await cache.get(one, [key]))[0]!)).toEqual([1, 0]);
      expect(Array.from((await cache.get(two, [key]))[0]!)).toEqual([0, 1]);
    });

    it('replaces an entry set again under the same key', async () => {
      const model = uniqueModel();
      const key = textKey('x');
      await cache.set(model, [{ key, vector: Float32Array.of(1, 2) }]);
      await cache.set(model, [{ key, vector: Float32Array.of(3, 4) }]);
      expect(Array.from((await cache.get(model, [key]))[0]!)).toEqual([3, 4]);
    });

    it('answers a vector of another length than the dimensions asked for as a miss', async () => {
      const model = uniqueModel();
      const [two, three] = ['two', 'three'].map(textKey);
      await cache.set(model, [
        { key: two!, vector: Float32Array.of(1, 0) },
        { key: three!, vector: Float32Array.of(1, 0, 0) },
      ]);
      const got = await cache.get(model, [two!, three!], 3);
      expect(got.map((v) => (v ? Array.from(v) : undefined))).toEqual([undefined, [1, 0, 0]]);
      expect((await cache.get(model, [two!]))[0]?.length).toBe(2);
    });

    it('deletes the entries of the keys given, for that model only, and counts them', async () => {
      const model = uniqueModel();
      const other = uniqueModel();
      const [a, b, c] = ['erase a', 'erase b', 'keep c'].map(textKey);
      await cache.set(model, [a!, b!, c!].map((key) => ({ key, vector: Float32Array.of(1, 0) })));
      await cache.set(other, [{ key: a!, vector: Float32Array.of(0, 1) }]);
      expect(await cache.delete(model, [a!, b!, textKey('never set')])).toBe(2);
      expect((await cache.get(model, [a!, b!, c!])).map((v) => v !== undefined)).toEqual([false, false, true]);
      expect(Array.from((await cache.get(other, [a!]))[0]!)).toEqual([0, 1]);
      expect(await cache.delete(model, [a!])).toBe(0);
      expect(await cache.delete(model, [])).toBe(0);
    });

    it('is not changed by a later mutation of the array that was set', async () => {
      const model = uniqueModel();
      const key = textKey('y');
      const vector = Float32Array.of(0.5, 0.5);
      await cache.set(model, [{ key, vector }]);
      vector.fill(9);
      expect(Array.from((await cache.get(model, [key]))[0]!)).toEqual([0.5, 0.5]);
    });
  });
}
