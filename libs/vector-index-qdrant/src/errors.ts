import { MemfabricError, UnavailableError } from '@memfabric/errors';

/**
 * Qdrant refused a request as malformed or conflicting (HTTP 4xx other than 429): a bug or a
 * collection configured outside memfabric. Code `internal`, HTTP 500, not retriable.
 */
export class QdrantRequestError extends MemfabricError {
  readonly code = 'internal' as const;
  readonly status = 500;
  readonly retriable = false;
}

interface HttpLikeError {
  status?: unknown;
  data?: { status?: { error?: unknown } };
  name?: unknown;
}

/**
 * Turns a Qdrant client failure into a memfabric error that keeps it as `cause`: network
 * failures, timeouts, 429 and 5xx become a retriable {@link UnavailableError}; other HTTP
 * errors a {@link QdrantRequestError} carrying Qdrant's own message. Memfabric errors pass
 * through unchanged.
 * @param operation - what was being done (`upsert`, `query`, ...), for the message and context.
 */
export function translateQdrantError(error: unknown, operation: string, collection: string): MemfabricError {
  if (MemfabricError.is(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as HttpLikeError;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const detail = typeof e.data?.status?.error === 'string' ? e.data.status.error : error instanceof Error ? error.message : String(error);
  const context = { operation, collection, ...(status === undefined ? {} : { httpStatus: status }) };
  if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
    return new QdrantRequestError(`Qdrant ${operation} on ${collection} was refused (HTTP ${status}): ${detail}`, { cause: error, context });
  }
  return new UnavailableError(`Qdrant ${operation} on ${collection} failed: ${detail}`, { cause: error, context });
}
