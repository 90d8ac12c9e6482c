import { ValidationError, UnavailableError, type FieldProblem } from '@memfabric/errors';

/**
 * The port through which memfabric turns text into dense vectors (the vector projection and the
 * dense channel of the query gateway use it).
 *
 * Contract every adapter keeps (checked by `embedderContract` in `@memfabric/embeddings/testing`):
 * - `embed(texts)` returns exactly one vector per text, in input order; `embed([])` returns `[]`.
 * - Every vector is a `Float32Array` of length {@link Embedder.dimensions}, **L2-normalised**
 *   (Euclidean norm 1 within float32 rounding), so cosine similarity equals the dot product and
 *   an index may use inner-product or cosine distance interchangeably.
 * - The same text gives the same vector (up to float rounding) for the same `modelId`, whatever
 *   else is in the batch.
 * - The arrays returned belong to the caller: mutating one never changes a later result.
 * - A text that is not a string or holds no non-whitespace character is rejected as a whole call
 *   with a `ValidationError` (code `validation_failed`) whose `problems` point at `/<index>`.
 */
export interface Embedder {
  /**
   * Stable identifier of the model *and its version*, e.g. `use-lite-512@energetic-ai-0.2.0`.
   * Vectors from different ids are not comparable: caches key on it and an index records it so
   * that a model change triggers a rebuild instead of mixing vector spaces.
   */
  readonly modelId: string;
  /** Length of every vector this embedder returns. */
  readonly dimensions: number;
  /**
   * Embeds a batch of texts.
   * @param texts - texts to embed; each must contain a non-whitespace character.
   * @returns one L2-normalised vector per text, in input order.
   * @throws ValidationError when a text is not a string or is blank (nothing is embedded).
   * @throws UnavailableError when the model or backend cannot answer (retriable).
   * @throws ConfigurationError when the adapter is misconfigured (for example the backend's
   *   vectors have another length than `dimensions`).
   */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /**
   * Optional: drops whatever this embedder (or a decorator chain under it) keeps that was derived
   * from `texts` — cached vectors above all — so no vector of an erased text stays recoverable.
   * Called by the vector projection when the memory units holding these texts are erased
   * (crypto-erasure of a data subject). Embedders that keep nothing need not implement it;
   * decorators forward the call to their inner embedder. Texts never embedded are ignored.
   * @throws whatever the underlying store throws (the erasure is then retried).
   */
  forget?(texts: readonly string[]): Promise<void>;
  /**
   * Optional: releases what the embedder holds open (worker threads, connections), after which
   * `embed` fails. The embedded fabric calls it on close. Idempotent; decorators forward it.
   */
  close?(): Promise<void>;
}

/** Calls {@link Embedder.close} when the embedder has it. */
export async function closeEmbedder(embedder: Embedder): Promise<void> {
  await embedder.close?.();
}

/**
 * Calls {@link Embedder.forget} when the embedder has it.
 * @returns whether the embedder had anything to call.
 */
export async function forgetTexts(embedder: Embedder, texts: readonly string[]): Promise<boolean> {
  if (!embedder.forget || texts.length === 0) return embedder.forget !== undefined;
  await embedder.forget(texts);
  return true;
}

const NON_WHITESPACE = /\S/u;

/**
 * Checks the input of {@link Embedder.embed}: an array whose every element is a string holding
 * at least one non-whitespace character. Every adapter calls it first so that all of them reject
 * the same inputs the same way.
 * @throws ValidationError naming each bad element by JSON Pointer (`/3`).
 */
export function assertEmbeddableTexts(texts: readonly unknown[]): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) {
    throw new ValidationError('texts must be an array of strings', [{ pointer: '', detail: 'not an array' }]);
  }
  const problems: FieldProblem[] = [];
  texts.forEach((text, index) => {
    if (typeof text !== 'string') problems.push({ pointer: `/${index}`, detail: `expected a string, got ${text === null ? 'null' : typeof text}` });
    else if (!NON_WHITESPACE.test(text)) problems.push({ pointer: `/${index}`, detail: 'text is empty or whitespace only: filter it out before embedding' });
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new ValidationError(`cannot embed ${problems.length} of ${texts.length} texts (first: ${first.pointer} ${first.detail})`, problems, {
      context: { texts: texts.length },
    });
  }
}

/** Euclidean (L2) norm of a vector. */
export function l2Norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i]!;
    sum += x * x;
  }
  return Math.sqrt(sum);
}

/**
 * Copies `values` into a new `Float32Array` scaled to unit Euclidean norm.
 * @returns the normalised copy, or `undefined` when the norm is 0 or not finite (a zero vector
 *   has no direction; callers decide whether that is an error).
 */
export function normalizeL2(values: ArrayLike<number>): Float32Array | undefined {
  const norm = l2Norm(values);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / norm;
  return out;
}

/** Dot product of two vectors of the same length (= cosine similarity for L2-normalised ones). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Cosine similarity of two non-zero vectors of the same length, in [-1, 1]. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const denominator = l2Norm(a) * l2Norm(b);
  return denominator === 0 ? 0 : dot(a, b) / denominator;
}

/**
 * Checks what an inner embedder or backend returned for a batch: `count` vectors of `dimensions`
 * finite numbers each. Decorators and adapters use it before trusting a result.
 * @throws UnavailableError when the count or a length is wrong (the backend broke the contract).
 */
export function assertEmbeddings(vectors: readonly Float32Array[], count: number, dimensions: number, modelId: string): void {
  if (!Array.isArray(vectors) || vectors.length !== count) {
    throw new UnavailableError(`embedder ${modelId} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${count} texts`, {
      context: { modelId, expected: count },
    });
  }
  vectors.forEach((vector, index) => {
    if (!(vector instanceof Float32Array) || vector.length !== dimensions) {
      throw new UnavailableError(`embedder ${modelId} returned a vector of length ${(vector as { length?: unknown } | undefined)?.length as number} at ${index}, expected ${dimensions}`, {
        context: { modelId, index, dimensions },
      });
    }
  });
}
