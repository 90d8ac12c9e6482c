import {
  ConfigurationError,
  ForbiddenError,
  IdempotencyConflictError,
  ImmutableHistoryError,
  KeyUnavailableError,
  MemfabricError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
  type ErrorCode,
  type FieldProblem,
} from './generated/errors/index.js';
import type { ProblemDetails } from './generated/api-types.js';

export type { ProblemDetails } from './generated/api-types.js';

/** Prefix of every memfabric problem `type` URI; the stable code follows it. */
export const PROBLEM_TYPE_PREFIX = 'urn:memfabric:problem:';

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'validation_failed',
  'payload_too_large',
  'not_found',
  'idempotency_conflict',
  'immutable_history',
  'chain_broken',
  'key_unavailable',
  'configuration_invalid',
  'unavailable',
  'unauthenticated',
  'forbidden',
  'rate_limited',
  'internal',
]);

/** Problem codes the HTTP layer raises for a request it could not parse: all mean "fix the request". */
const REQUEST_CODES: ReadonlySet<string> = new Set(['malformed_json', 'unsupported_media_type', 'request_aborted', 'bad_request']);

const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

/**
 * The {@link ErrorCode} of the `@memfabric/errors` hierarchy a problem maps to: the problem's own
 * `code` when it is one, else by meaning and status — a request the server could not parse
 * (`malformed_json`, 400, 415, 422) is `validation_failed`, 401 `unauthenticated` (send or fix
 * the API key), 403 `forbidden` (the key lacks the scope or the tenant), 404/405 `not_found`,
 * 413 `payload_too_large`, 429 `rate_limited`, 408/502/503/504 `unavailable`, anything else
 * `internal`.
 */
export function errorCodeOf(problemCode: string | undefined, status: number): ErrorCode {
  if (problemCode !== undefined && ERROR_CODES.has(problemCode)) return problemCode as ErrorCode;
  if (problemCode !== undefined && REQUEST_CODES.has(problemCode)) return 'validation_failed';
  if (status === 400 || status === 415 || status === 422) return 'validation_failed';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'rate_limited';
  if (status === 404 || status === 405) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (RETRIABLE_STATUSES.has(status)) return 'unavailable';
  return 'internal';
}

/** Where the failed call went. */
export interface ApiCallInfo {
  /** HTTP method. */
  readonly method: string;
  /** Full request URL. */
  readonly url: string;
  /** Attempts made, including the one that failed (1 when not retried). */
  readonly attempts: number;
}

const API_ERROR_MARK = Symbol.for('memfabric.client.api-error');

/**
 * An error response of the memfabric REST API: the RFC 9457 problem details it carried
 * (`type`, `title`, `status`, `detail`, `instance`, the extension members `code` and
 * `retriable`, and for validation failures every bad field as `problems`).
 *
 * It is a {@link MemfabricError}: `code` is the `@memfabric/errors` code the problem maps to
 * ({@link errorCodeOf}), so `switch (error.code)` works the same for local and remote failures;
 * `problemCode` keeps the wire code (`malformed_json`, `http_409`, ...). Use
 * {@link MemfabricApiError.toMemfabricError} when a caller needs the hierarchy's own class
 * (`instanceof ValidationError`).
 *
 * A response that is not problem+json (a proxy's HTML 502) gets a synthesised problem with
 * `type` `about:blank` and the status text as `title`.
 */
export class MemfabricApiError extends MemfabricError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  /** Problem type URI (`urn:memfabric:problem:<code>`, or `about:blank`). */
  readonly type: string;
  /** Short summary of the problem type. */
  readonly title: string;
  /** What went wrong in this occurrence, when the server said. */
  readonly detail: string | undefined;
  /** Path of the request that failed, as the server reported it. */
  readonly instance: string | undefined;
  /** The problem's own `code` as sent (`validation_failed`, `malformed_json`, `http_409`, ...). */
  readonly problemCode: string;
  /** Every bad field of a `validation_failed` problem (JSON Pointers relative to the request body, or `/path/<name>`, `/query/<name>`). */
  readonly problems: readonly FieldProblem[];
  /** The problem details body as received (or synthesised). */
  readonly problem: ProblemDetails;
  readonly method: string;
  readonly url: string;
  readonly attempts: number;

  constructor(problem: ProblemDetails, call: ApiCallInfo) {
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    super(`${call.method} ${call.url} failed with ${problem.status} ${problem.title}${detail === undefined ? '' : `: ${detail}`}`, {
      context: { method: call.method, url: call.url, status: problem.status, problemCode: problem.code, attempts: call.attempts },
    });
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = detail;
    this.instance = typeof problem.instance === 'string' ? problem.instance : undefined;
    this.problemCode = problem.code;
    this.code = errorCodeOf(problem.code, problem.status);
    this.retriable = problem.retriable;
    this.problems = (problem.errors ?? []).map((e) => ({ pointer: e.pointer, detail: e.detail }));
    this.method = call.method;
    this.url = call.url;
    this.attempts = call.attempts;
    Object.defineProperty(this, API_ERROR_MARK, { value: true });
  }

  /** True for a {@link MemfabricApiError}, also one thrown by another copy of this package. */
  static isApiError(value: unknown): value is MemfabricApiError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[API_ERROR_MARK] === true;
  }

  /**
   * The same failure as the `@memfabric/errors` class its {@link code} names (`ValidationError`
   * with the field problems, `NotFoundError`, `UnavailableError`, ...), with this error as `cause`.
   * `internal` and `chain_broken` have no remote equivalent a caller could act on: they stay this error.
   */
  toMemfabricError(): MemfabricError {
    const options = { cause: this, context: this.context };
    const message = this.detail ?? this.title;
    switch (this.code) {
      case 'validation_failed':
        return new ValidationError(message, this.problems, options);
      case 'payload_too_large': {
        const limit = (this.problem as { limit?: unknown }).limit;
        return new PayloadTooLargeError(message, typeof limit === 'number' ? limit : 0, undefined, options);
      }
      case 'not_found':
        return new NotFoundError(message, options);
      case 'idempotency_conflict':
        return new IdempotencyConflictError(message, options);
      case 'immutable_history':
        return new ImmutableHistoryError(message, options);
      case 'key_unavailable':
        return new KeyUnavailableError(message, options);
      case 'configuration_invalid':
        return new ConfigurationError(message, options);
      case 'unavailable':
        return new UnavailableError(message, options);
      case 'unauthenticated':
        return new UnauthenticatedError(message, options);
      case 'forbidden':
        return new ForbiddenError(message, options);
      case 'rate_limited': {
        const retryAfter = (this.problem as { retryAfterMs?: unknown }).retryAfterMs;
        return new RateLimitedError(message, typeof retryAfter === 'number' ? retryAfter : 1000, options);
      }
      default:
        return this;
    }
  }
}

function isProblemShape(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the problem details of an error response, filling in what a non-conforming server left
 * out: `status` from the response, `title` from the status text, `code` from the `type` URI (or
 * `http_<status>`), `retriable` true for 408/429/502/503/504.
 *
 * @param status - HTTP status of the response (400..599).
 * @param statusText - the response's reason phrase (may be empty).
 * @param body - the response body as text.
 */
export function readProblem(status: number, statusText: string, body: string): ProblemDetails {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const raw = isProblemShape(parsed) ? parsed : {};
  const type = typeof raw.type === 'string' ? raw.type : 'about:blank';
  const fromType = type.startsWith(PROBLEM_TYPE_PREFIX) ? type.slice(PROBLEM_TYPE_PREFIX.length) : undefined;
  const code = typeof raw.code === 'string' ? raw.code : (fromType ?? `http_${status}`);
  const title = typeof raw.title === 'string' ? raw.title : statusText || `HTTP ${status}`;
  let detail: string | undefined = typeof raw.detail === 'string' ? raw.detail : undefined;
  if (detail === undefined && !isProblemShape(parsed) && body.trim() !== '') detail = body.trim().slice(0, 500);
  const errors = Array.isArray(raw.errors)
    ? raw.errors
        .filter((e): e is { pointer: string; detail: string } => isProblemShape(e) && typeof e.pointer === 'string' && typeof e.detail === 'string')
        .map((e) => ({ pointer: e.pointer, detail: e.detail }))
    : undefined;
  const problem: ProblemDetails = {
    ...raw,
    type,
    title,
    status: typeof raw.status === 'number' && raw.status >= 400 && raw.status <= 599 ? raw.status : status,
    code,
    retriable: typeof raw.retriable === 'boolean' ? raw.retriable : RETRIABLE_STATUSES.has(status),
  };
  if (detail !== undefined) problem.detail = detail;
  else delete problem.detail;
  if (errors !== undefined) problem.errors = errors;
  else delete problem.errors;
  return problem;
}
