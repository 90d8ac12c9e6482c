import { ConfigurationError } from '@memfabric/errors';
import { assertEmbeddableTexts, normalizeL2, type Embedder } from './embedder.js';
import { murmur3 } from './murmur3.js';

/** Version of the {@link HashEmbedder} algorithm; part of its `modelId`, bumped on any change of output. */
export const HASH_EMBEDDER_VERSION = 1;

/** Options of {@link HashEmbedder}; every field has a default. */
export interface HashEmbedderOptions {
  /** Vector length N (default 256, range 2..65536). */
  readonly dimensions?: number;
  /** Shortest character n-gram, in code points, counting the `<`/`>` word boundary marks (default 3). */
  readonly minN?: number;
  /** Longest character n-gram (default 5, at most 16; `charWeight: 0` disables n-grams). */
  readonly maxN?: number;
  /** Weight of one word-unigram occurrence (default 1). */
  readonly wordWeight?: number;
  /** Weight of one character n-gram occurrence (default 0.25). */
  readonly charWeight?: number;
  /** Seed of the hash function (default 0); another seed gives an unrelated vector space. */
  readonly seed?: number;
}

const WORD = /[\p{L}\p{N}]+/gu;
const SYMBOL = /[^\s\p{L}\p{N}]/gu;

/**
 * Deterministic, dependency-free embedder by feature hashing — for unit tests and as a lexical
 * fallback, not a semantic model.
 *
 * Each text is NFKC-normalised and lower-cased, split into words (runs of letters and digits;
 * a text without any uses its symbols, so `"?!"` and emoji still embed), and turned into
 * features: every word (weight `wordWeight`) and every character n-gram of `<word>` for
 * n in [`minN`, `maxN`] (weight `charWeight`; subword n-grams with boundary marks as in
 * Bojanowski et al. 2017, "Enriching Word Vectors with Subword Information"). Features are
 * hashed into N signed buckets — the hashing trick of Weinberger et al. 2009, "Feature Hashing
 * for Large Scale Multitask Learning" (ICML): bucket `|h| mod N`, sign `+1` when the signed
 * 32-bit MurmurHash3 `h` of the feature is non-negative, else `-1` (the single-hash variant of
 * scikit-learn's `HashingVectorizer(alternate_sign=True)`), which keeps inner products unbiased.
 * The sum is L2-normalised. Texts sharing words and word pieces get close vectors;
 * paraphrases without shared words do not.
 *
 * Pure JavaScript, no I/O; same vectors on every platform and run.
 */
export class HashEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  private readonly minN: number;
  private readonly maxN: number;
  private readonly wordWeight: number;
  private readonly charWeight: number;
  private readonly seed: number;

  /** @throws ConfigurationError when an option is out of range (the message says which and why). */
  constructor(options: HashEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    this.minN = options.minN ?? 3;
    this.maxN = options.maxN ?? 5;
    this.wordWeight = options.wordWeight ?? 1;
    this.charWeight = options.charWeight ?? 0.25;
    this.seed = options.seed ?? 0;
    const problems: string[] = [];
    if (!Number.isInteger(this.dimensions) || this.dimensions < 2 || this.dimensions > 65_536) problems.push(`dimensions must be an integer in 2..65536 (got ${this.dimensions})`);
    if (!Number.isInteger(this.minN) || this.minN < 1) problems.push(`minN must be an integer >= 1 (got ${this.minN})`);
    if (!Number.isInteger(this.maxN) || this.maxN < this.minN || this.maxN > 16) problems.push(`maxN must be an integer in minN..16 (got ${this.maxN})`);
    if (!(this.wordWeight >= 0) || !Number.isFinite(this.wordWeight)) problems.push(`wordWeight must be a finite number >= 0 (got ${this.wordWeight})`);
    if (!(this.charWeight >= 0) || !Number.isFinite(this.charWeight)) problems.push(`charWeight must be a finite number >= 0 (got ${this.charWeight})`);
    if (this.wordWeight === 0 && this.charWeight === 0) problems.push('wordWeight and charWeight cannot both be 0');
    if (!Number.isInteger(this.seed) || this.seed < 0 || this.seed > 0xffffffff) problems.push(`seed must be an unsigned 32-bit integer (got ${this.seed})`);
    if (problems.length > 0) throw new ConfigurationError(`HashEmbedder: ${problems.join('; ')}`, { context: { problems } });
    this.modelId = `hash-${this.dimensions}:n${this.minN}-${this.maxN}:w${this.wordWeight}:c${this.charWeight}:s${this.seed}@memfabric-hash-v${HASH_EMBEDDER_VERSION}`;
  }

  /**
   * Embeds each text (see the class comment for the features).
   * @returns one L2-normalised `Float32Array` of length `dimensions` per text, in input order.
   * @throws ValidationError when a text is not a string or is blank.
   */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return new Promise((resolve) => {
      assertEmbeddableTexts(texts);
      resolve(texts.map((text) => this.embedOne(text)));
    });
  }

  /** The vector of one (non-blank) text, synchronously. */
  embedOne(text: string): Float32Array {
    const sums = new Float64Array(this.dimensions);
    const normalized = text.normalize('NFKC').toLowerCase();
    let words = normalized.match(WORD) ?? [];
    if (words.length === 0) words = normalized.match(SYMBOL) ?? [];
    for (const word of words) {
      if (this.wordWeight > 0) this.add(sums, `w\u0001${word}`, this.wordWeight);
      if (this.charWeight > 0) {
        const chars = Array.from(`<${word}>`);
        for (let n = this.minN; n <= this.maxN && n <= chars.length; n++) {
          for (let start = 0; start + n <= chars.length; start++) this.add(sums, `c\u0001${chars.slice(start, start + n).join('')}`, this.charWeight);
        }
      }
    }
    const vector = normalizeL2(sums);
    if (vector) return vector;
    // Colliding features of opposite sign cancelled out (or no feature at all): fall back to a
    // one-hot vector chosen by the whole text, so the result stays unit-length and deterministic.
    const fallback = new Float32Array(this.dimensions);
    fallback[murmur3(normalized, this.seed) % this.dimensions] = 1;
    return fallback;
  }

  private add(sums: Float64Array, feature: string, weight: number): void {
    const h = murmur3(feature, this.seed) | 0;
    const bucket = Math.abs(h) % this.dimensions;
    sums[bucket] = sums[bucket]! + (h >= 0 ? weight : -weight);
  }
}
