// Copied from libs/errors/src/memfabric-error.ts by libs/client/scripts/generate-wire.ts. Do not edit.
/**
 * The typed error hierarchy shared by every memfabric package.
 *
 * Each error has a stable `code` (safe to switch on across package copies, unlike `instanceof`),
 * the HTTP status it maps to, whether retrying the same call can succeed, context fields for
 * logs, and the underlying `cause`. Services render them as RFC 9457 problem+json.
 */

/** Stable error codes. Never renumber or reuse one. */
export type ErrorCode =
  | 'validation_failed'
  | 'payload_too_large'
  | 'not_found'
  | 'idempotency_conflict'
  | 'immutable_history'
  | 'chain_broken'
  | 'key_unavailable'
  | 'configuration_invalid'
  | 'unavailable'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'internal';

/** One problem with one field of the input, addressed by a JSON Pointer (RFC 6901). */
export interface FieldProblem {
  /** JSON Pointer to the bad value, relative to the request body (for example `/0/data/content`). */
  readonly pointer: string;
  /** What is wrong, in words. */
  readonly detail: string;
}

/** Options every memfabric error accepts. */
export interface MemfabricErrorOptions {
  readonly cause?: unknown;
  readonly context?: Readonly<Record<string, unknown>>;
}

const MARK = Symbol.for('memfabric.error');

/** Base class of every error memfabric throws on purpose. */
export abstract class MemfabricError extends Error {
  abstract readonly code: ErrorCode;
  /** HTTP status the error maps to. */
  abstract readonly status: number;
  /** True when the same call may succeed if retried later unchanged. */
  abstract readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: MemfabricErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
    Object.defineProperty(this, MARK, { value: true });
  }

  /** True for any memfabric error, also one thrown by another copy of this package. */
  static is(value: unknown): value is MemfabricError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARK] === true;
  }
}

/** Input does not match its schema; `problems` names every bad field. HTTP 400. */
export class ValidationError extends MemfabricError {
  readonly code = 'validation_failed' as const;
  readonly status = 400;
  readonly retriable = false;
  constructor(
    message: string,
    readonly problems: readonly FieldProblem[],
    options: MemfabricErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** Input exceeds an explicit limit (bytes, batch size). HTTP 413. */
export class PayloadTooLargeError extends MemfabricError {
  readonly code = 'payload_too_large' as const;
  readonly status = 413;
  readonly retriable = false;
  constructor(
    message: string,
    readonly limit: number,
    readonly actual: number | undefined,
    options: MemfabricErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A tenant, stream or event does not exist. HTTP 404. */
export class NotFoundError extends MemfabricError {
  readonly code = 'not_found' as const;
  readonly status = 404;
  readonly retriable = false;
}

/** An idempotency key was reused for a different event. HTTP 409. */
export class IdempotencyConflictError extends MemfabricError {
  readonly code = 'idempotency_conflict' as const;
  readonly status = 409;
  readonly retriable = false;
}

/** Someone tried to update or delete an event. HTTP 409. */
export class ImmutableHistoryError extends MemfabricError {
  readonly code = 'immutable_history' as const;
  readonly status = 409;
  readonly retriable = false;
}

/** A stream's hash chain does not verify. HTTP 500: stored history was altered. */
export class ChainBrokenError extends MemfabricError {
  readonly code = 'chain_broken' as const;
  readonly status = 500;
  readonly retriable = false;
}

/** A content key is missing or was destroyed. HTTP 410 (the data is gone on purpose). */
export class KeyUnavailableError extends MemfabricError {
  readonly code = 'key_unavailable' as const;
  readonly status = 410;
  readonly retriable = false;
}

/** Configuration is invalid; the message says what to fix. */
export class ConfigurationError extends MemfabricError {
  readonly code = 'configuration_invalid' as const;
  readonly status = 500;
  readonly retriable = false;
}

/** A backend (broker, database) is unreachable or timed out. HTTP 503, retriable. */
export class UnavailableError extends MemfabricError {
  readonly code = 'unavailable' as const;
  readonly status = 503;
  readonly retriable = true;
}

/**
 * The request carries no usable credential (none, malformed, unknown, revoked or expired).
 * HTTP 401; the HTTP layer adds `WWW-Authenticate: Bearer` (RFC 6750).
 */
export class UnauthenticatedError extends MemfabricError {
  readonly code = 'unauthenticated' as const;
  readonly status = 401;
  readonly retriable = false;
}

/**
 * The authenticated principal may not do this: a scope it lacks, a tenant it was not granted, or
 * an event type only a memfabric service may write. HTTP 403.
 */
export class ForbiddenError extends MemfabricError {
  readonly code = 'forbidden' as const;
  readonly status = 403;
  readonly retriable = false;
}

/** Too many requests for a key or a tenant. HTTP 429, retriable after {@link retryAfterMs}. */
export class RateLimitedError extends MemfabricError {
  readonly code = 'rate_limited' as const;
  readonly status = 429;
  readonly retriable = true;
  constructor(
    message: string,
    /** Milliseconds until the limit admits the next request (rendered as `Retry-After`, in seconds). */
    readonly retryAfterMs: number,
    options: MemfabricErrorOptions = {},
  ) {
    super(message, options);
  }
}
