// Copied from libs/errors/src/thread-boundary.ts by libs/client/scripts/generate-wire.ts. Do not edit.
import { ConfigurationError, MemfabricError, UnavailableError, ValidationError, type FieldProblem } from './memfabric-error.js';

// Errors crossing a worker-thread boundary: structured clone keeps an Error's message and name
// but drops `code`, `problems` and `context`, so a pool would turn every worker failure into a
// plain Error. A worker sends `describeError(error)`; the pool throws `reviveError(where, it)`.

/** An error as it crosses the thread boundary: the fields that the pool rebuilds it from. */
export interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly problems?: readonly FieldProblem[];
  readonly context?: Readonly<Record<string, unknown>>;
  readonly stack?: string;
}

/** The cloneable fields of a thrown value (its `context` only when it survives structured clone). */
export function describeError(error: unknown): WorkerError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const described: { -readonly [K in keyof WorkerError]: WorkerError[K] } = { name: error.name, message: error.message };
  if (error.stack !== undefined) described.stack = error.stack;
  if (MemfabricError.is(error)) {
    described.code = error.code;
    try {
      described.context = structuredClone(error.context);
    } catch {
      // not cloneable: leave it out
    }
    if (error instanceof ValidationError || Array.isArray((error as { problems?: unknown }).problems)) {
      described.problems = (error as ValidationError).problems.map((p) => ({ pointer: p.pointer, detail: p.detail }));
    }
  }
  return described;
}

/**
 * Rebuilds a worker's error on the pool's side with the same `code` (so `retriable` and the
 * HTTP status are the same as in the worker): `message` is prefixed with `where`, `cause` is a
 * plain `Error` holding the worker's name, message and stack. `validation_failed` (with its
 * `problems`) and `configuration_invalid` keep their class; anything else (an `UnavailableError`,
 * an error without a memfabric code) becomes `UnavailableError` (retriable), as an inference
 * failure of a model does.
 */
export function reviveError(where: string, error: WorkerError): MemfabricError {
  const cause = Object.assign(new Error(error.message), { name: error.name, ...(error.stack === undefined ? {} : { stack: error.stack }) });
  const message = `${where}: ${error.message}`;
  const options = { cause, context: { ...(error.context ?? {}), workerError: error.name } };
  switch (error.code) {
    case 'validation_failed':
      return new ValidationError(message, error.problems ?? [], options);
    case 'configuration_invalid':
      return new ConfigurationError(message, options);
    default:
      return new UnavailableError(message, options);
  }
}
