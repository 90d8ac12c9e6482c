import { ConfigurationError, MemfabricError, type MemfabricErrorOptions } from '@memfabric/errors';
import type { EmbeddingModelRef } from './types.js';

/**
 * The index holds vectors of another embedding model (or dimension) than the caller's. Vectors
 * of two models are not comparable, so the index never mixes them: rebuild the vector
 * projection from the log with the new model (into a new generation) instead.
 *
 * Code `configuration_invalid` (HTTP 500, not retriable); `context` carries `expected` and
 * `actual` model ids and dimensions.
 */
export class EmbeddingModelMismatchError extends ConfigurationError {
  constructor(
    readonly expected: EmbeddingModelRef,
    readonly actual: { readonly id: string; readonly dimension?: number },
    where: string,
    options: MemfabricErrorOptions = {},
  ) {
    const actualText = actual.dimension === undefined ? `"${actual.id}"` : `"${actual.id}" (${actual.dimension}-d)`;
    super(
      `${where}: the vector index holds embeddings of model "${expected.id}" (${expected.dimension}-d) but got ${actualText}; ` +
        'vectors of two models cannot be mixed: rebuild the vector projection from the log with the new model ' +
        '(a new index generation) or configure the model the index was built with',
      { ...options, context: { ...options.context, expected, actual } },
    );
  }
}

/**
 * Throws when `actual` is not the model the index was built with.
 * @param where - what was being done ("opening vec.db", "upsert"), for the message.
 * @throws EmbeddingModelMismatchError when the id or (when given) the dimension differs.
 */
export function assertSameModel(expected: EmbeddingModelRef, actual: { readonly id: string; readonly dimension?: number }, where: string): void {
  if (actual.id !== expected.id || (actual.dimension !== undefined && actual.dimension !== expected.dimension)) {
    throw new EmbeddingModelMismatchError(expected, actual, where);
  }
}

/**
 * A call reached an index after `close()`. Code `unavailable` (HTTP 503) but not retriable:
 * the same object will never serve again; open a new one.
 */
export class IndexClosedError extends MemfabricError {
  readonly code = 'unavailable' as const;
  readonly status = 503;
  readonly retriable = false;
}
