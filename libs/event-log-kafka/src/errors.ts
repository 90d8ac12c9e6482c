import { MemfabricError, UnavailableError } from '@memfabric/errors';

/**
 * Turns a kafkajs (or network) failure into a retriable {@link UnavailableError} that keeps the
 * original error as `cause`; memfabric errors pass through unchanged.
 * @param operation - what was being done, for the message and `context.operation`.
 */
export function toUnavailable(error: unknown, operation: string, topic: string): MemfabricError {
  if (MemfabricError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const kafka = error as { name?: unknown; retriable?: unknown; type?: unknown };
  return new UnavailableError(`Kafka ${operation} failed on topic ${topic}: ${message}`, {
    cause: error,
    context: {
      operation,
      topic,
      ...(typeof kafka.name === 'string' ? { kafkaError: kafka.name } : {}),
      ...(typeof kafka.type === 'string' ? { kafkaErrorType: kafka.type } : {}),
      ...(typeof kafka.retriable === 'boolean' ? { kafkaRetriable: kafka.retriable } : {}),
    },
  });
}
