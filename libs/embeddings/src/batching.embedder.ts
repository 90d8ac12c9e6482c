import { assertEmbeddableTexts, assertEmbeddings, closeEmbedder, forgetTexts, type Embedder } from './embedder.js';
import { checkBatchLimits, mapInBatches } from './batches.js';

/** Options of {@link BatchingEmbedder}. */
export interface BatchingOptions {
  /** Most texts per call of the inner embedder (1..100000). */
  readonly maxBatch: number;
  /** Most inner calls in flight at once (1..64, default 1). */
  readonly concurrency?: number;
}

/**
 * Decorator that splits one `embed` call into calls of at most `maxBatch` texts on an inner
 * embedder, with at most `concurrency` of them in flight, and returns the vectors in input
 * order. Use it in front of a backend with a request-size limit or a model whose memory grows
 * with the batch. `modelId` and `dimensions` are the inner embedder's (batching does not change
 * vectors).
 */
export class BatchingEmbedder implements Embedder {
  readonly maxBatch: number;
  readonly concurrency: number;

  /** @throws ConfigurationError when `maxBatch` or `concurrency` is out of range. */
  constructor(
    private readonly inner: Embedder,
    options: BatchingOptions,
  ) {
    this.maxBatch = options.maxBatch;
    this.concurrency = options.concurrency ?? 1;
    checkBatchLimits('BatchingEmbedder', this.maxBatch, this.concurrency);
  }

  get modelId(): string {
    return this.inner.modelId;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  /**
   * Embeds `texts` in batches of at most `maxBatch`.
   * @throws ValidationError for a bad text (before any inner call).
   * @throws the first error of an inner call (no further batch is started after it);
   *   UnavailableError when the inner embedder returns the wrong number or length of vectors.
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    assertEmbeddableTexts(texts);
    return mapInBatches(texts, this.maxBatch, this.concurrency, async (batch) => {
      const vectors = await this.inner.embed(batch);
      assertEmbeddings(vectors, batch.length, this.inner.dimensions, this.inner.modelId);
      return vectors;
    });
  }

  /** Forwards {@link Embedder.forget} to the inner embedder (batching keeps nothing itself). */
  async forget(texts: readonly string[]): Promise<void> {
    await forgetTexts(this.inner, texts);
  }

  /** Forwards {@link Embedder.close} to the inner embedder. */
  async close(): Promise<void> {
    await closeEmbedder(this.inner);
  }
}
