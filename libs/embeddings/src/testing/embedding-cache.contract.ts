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
 * order of answers, replacement. The cache must hold at least 16 entries.
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
