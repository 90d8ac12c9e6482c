/**
 * Factories the WorkerPoolEmbedder specs run in worker threads: feature hashing (fast, exact),
 * and embedders that fail in the ways a pool must report.
 */
import { ValidationError, UnavailableError } from '@memfabric/errors';
import { HashEmbedder, type Embedder } from '@memfabric/embeddings';
import { threadId } from 'node:worker_threads';

/** The worker module's URL (the specs pass it as `module`). */
export const WORKER_EMBEDDERS = import.meta.url;

/** `HashEmbedder` with these options. */
export function createHashEmbedder(options: { dimensions?: number } = {}): Embedder {
  return new HashEmbedder(options);
}

/**
 * `HashEmbedder` that fails on marked texts: `boom` throws UnavailableError, `invalid` throws
 * ValidationError pointing at the text, `crash` ends the worker thread (exit code 3), `thread`
 * answers a vector whose first component is the worker's threadId (the rest zero) unnormalised
 * (the spec reads which worker served a text).
 */
export function createFaultyEmbedder(): Embedder {
  const inner = new HashEmbedder();
  return {
    modelId: inner.modelId,
    dimensions: inner.dimensions,
    async embed(texts) {
      const i = texts.findIndex((t) => t.includes('invalid'));
      if (i >= 0) throw new ValidationError('text is marked invalid', [{ pointer: `/${i}`, detail: 'marked invalid' }]);
      if (texts.some((t) => t.includes('boom'))) throw new UnavailableError('the model broke on boom', { context: { texts: texts.length } });
      if (texts.some((t) => t.includes('crash'))) process.exit(3);
      const vectors = await inner.embed(texts);
      return texts.map((t, k) => (t.includes('thread') ? Float32Array.from({ length: inner.dimensions }, (_, j) => (j === 0 ? threadId : 0)) : vectors[k]!));
    },
  };
}

/** A factory that cannot build its embedder. */
export function createBrokenFactory(): Embedder {
  throw new Error('weights not found at /nowhere');
}
