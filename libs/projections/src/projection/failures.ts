import { MemfabricError } from '@memfabric/errors';

/** Longest dead-letter reason kept, in characters. */
export const MAX_DEAD_LETTER_REASON = 2048;

/**
 * True for a failure that must not dead-letter an event because it is not about the event: an
 * error with `retriable: true` (a dependency is down: the batch is retried) or a configuration
 * error (the handler itself is wrong: processing stops). Every other error thrown by `prepare`
 * or `apply` is about the events and isolates them (see `ProjectionHandler`).
 */
export function isBatchFailure(error: unknown): boolean {
  if (MemfabricError.is(error)) return error.retriable || error.code === 'configuration_invalid';
  return (error as { retriable?: unknown } | null)?.retriable === true;
}

/** The dead-letter reason of an error: `code: message` (or `Name: message`), at most {@link MAX_DEAD_LETTER_REASON} characters. */
export function deadLetterReason(error: unknown): string {
  const text = MemfabricError.is(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
  return text.slice(0, MAX_DEAD_LETTER_REASON);
}
