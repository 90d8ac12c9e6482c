import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { MemfabricError, type ValidationError } from '@memfabric/errors';
import { dot, l2Norm, type Embedder } from '../embedder.js';
import { LEXICAL_TRIPLES, SEMANTIC_TRIPLES, VARIED_TEXTS } from './sentences.js';

/** What an adapter's test provides to the contract suite. */
export interface EmbedderFixture {
  readonly embedder: Embedder;
  /** Releases what the fixture created (servers, models). */
  teardown?(): Promise<void>;
}

/** Options of {@link embedderContract}. */
export interface EmbedderContractOptions {
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
  /** Per-test timeout in ms (default 30 000; model-backed embedders may need more). */
  readonly timeoutMs?: number;
  /**
   * Check that paraphrases without shared words are closer than unrelated sentences (default
   * true). Set false for lexical embedders such as feature hashing, which cannot pass it.
   */
  readonly semantic?: boolean;
  /**
   * Least cosine similarity between two embeddings of the same text, alone or inside another
   * batch (default 0.9999). Exact embedders give 1; float kernels may differ in the last bits.
   */
  readonly sameTextCosine?: number;
  /** Largest allowed |norm − 1| of a vector (default 1e-3). */
  readonly normTolerance?: number;
}

/**
 * The one contract every {@link Embedder} adapter passes: shape and length of vectors, unit
 * norm, determinism, order preserved across batches, empty input, uniform input validation,
 * caller-owned results, and (optionally) semantic similarity.
 *
 * @param adapter - name printed in the suite title.
 * @param setup - creates the embedder (once, before the suite).
 */
export function embedderContract(adapter: string, setup: () => Promise<EmbedderFixture>, options: EmbedderContractOptions = {}): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${adapter}] embedder contract skipped: ${options.skipReason}`);
  const sameTextCosine = options.sameTextCosine ?? 0.9999;
  const normTolerance = options.normTolerance ?? 1e-3;

  suite(`Embedder contract: ${adapter}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: EmbedderFixture;
    let embedder: Embedder;
    beforeAll(async () => {
      fixture = await setup();
      embedder = fixture.embedder;
    });
    afterAll(async () => {
      await fixture?.teardown?.();
    });

    const expectUnit = (vector: Float32Array): void => {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(embedder.dimensions);
      expect(vector.every((x) => Number.isFinite(x))).toBe(true);
      expect(Math.abs(l2Norm(vector) - 1)).toBeLessThan(normTolerance);
    };

    it('names its model with a stable id and a positive integer dimension', () => {
      expect(typeof embedder.modelId).toBe('string');
      expect(embedder.modelId.length).toBeGreaterThan(0);
      expect(embedder.modelId).toBe(embedder.modelId.trim());
      expect(Number.isInteger(embedder.dimensions) && embedder.dimensions > 0).toBe(true);
    });

    it('returns an empty array for an empty input', async () => {
      expect(await embedder.embed([])).toEqual([]);
    });

    it('returns one L2-normalised Float32Array of `dimensions` per text', async () => {
      const vectors = await embedder.embed(VARIED_TEXTS);
      expect(vectors).toHaveLength(VARIED_TEXTS.length);
      for (const vector of vectors) expectUnit(vector);
    });

    it('is deterministic for the same text, within a batch and across calls', async () => {
      const text = 'Caroline is researching adoption agencies.';
      const [a, b] = await embedder.embed([text, text]);
      const [c] = await embedder.embed([text]);
      expect(dot(a!, b!)).toBeGreaterThanOrEqual(sameTextCosine);
      expect(dot(a!, c!)).toBeGreaterThanOrEqual(sameTextCosine);
    });

    it('preserves input order: each batched vector matches its text embedded alone', async () => {
      const texts = VARIED_TEXTS.slice(0, 10);
      const batched = await embedder.embed(texts);
      const alone = await Promise.all(texts.map(async (t) => (await embedder.embed([t]))[0]!));
      batched.forEach((vector, i) => {
        const similarities = alone.map((other) => dot(vector, other));
        expect(similarities[i]).toBeGreaterThanOrEqual(sameTextCosine);
        expect(similarities.indexOf(Math.max(...similarities))).toBe(i);
      });
    });

    it('preserves order over a large batch (adapters that split batches keep it)', async () => {
      const short = VARIED_TEXTS.filter((t) => t.length < 200);
      const texts = Array.from({ length: 70 }, (_, i) => `${short[i % short.length]!} (turn ${i})`);
      const whole = await embedder.embed(texts);
      const parts: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += 9) parts.push(...(await embedder.embed(texts.slice(i, i + 9))));
      expect(whole).toHaveLength(texts.length);
      whole.forEach((vector, i) => expect(dot(vector, parts[i]!)).toBeGreaterThanOrEqual(sameTextCosine));
    });

    it('hands out vectors the caller owns: mutating one does not change later results', async () => {
      const text = 'We went camping by the lake.';
      const [first] = await embedder.embed([text]);
      const copy = Float32Array.from(first!);
      first!.fill(Number.NaN);
      const [again] = await embedder.embed([text]);
      expectUnit(again!);
      expect(dot(again!, copy)).toBeGreaterThanOrEqual(sameTextCosine);
    });

    it('ranks near-duplicates closer than unrelated sentences', async () => {
      for (const [anchor, close, unrelated] of LEXICAL_TRIPLES) {
        const [a, c, u] = await embedder.embed([anchor, close, unrelated]);
        expect(dot(a!, c!), `${anchor} / ${close}`).toBeGreaterThan(dot(a!, u!));
      }
    });

    it.skipIf(options.semantic === false)('ranks paraphrases without shared words closer than unrelated sentences', async () => {
      for (const [anchor, close, unrelated] of SEMANTIC_TRIPLES) {
        const [a, c, u] = await embedder.embed([anchor, close, unrelated]);
        expect(dot(a!, c!), `${anchor} / ${close}`).toBeGreaterThan(dot(a!, u!));
      }
    });

    it('rejects a blank or non-string text with validation_failed naming its index', async () => {
      for (const bad of [['fine', ''], ['fine', '  \n\t'], ['fine', 42 as unknown as string]]) {
        const error = await embedder.embed(bad).catch((e: unknown) => e);
        expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
        expect((error as ValidationError).problems.map((p) => p.pointer)).toEqual(['/1']);
      }
    });
  });
}
