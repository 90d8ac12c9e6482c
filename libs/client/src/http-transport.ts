import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelayMs, parseRetryAfter, UnavailableError } from './generated/errors/index.js';
import { MemfabricApiError, readProblem } from './api-error.js';
import { CALLER_HEADER, type ResolvedClientOptions } from './config.js';

/** Options every client call accepts. */
export interface CallOptions {
  /** Aborts the call (all attempts); the abort reason is thrown as is. */
  readonly signal?: AbortSignal;
  /** Timeout of one attempt in ms, overriding the client's `timeoutMs`. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt, overriding the client's `retry.maxRetries` (idempotent calls only). */
  readonly maxRetries?: number;
}

/** One HTTP request as the client methods describe it. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  /** Path below the base URL, starting with `/`, segments already encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON body (serialised here). */
  readonly body?: unknown;
  /** Content type of the body; default `application/json`. */
  readonly contentType?: string;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The call may be repeated without a second effect: a GET, a read-only POST (recall), or an
   * append whose every event carries an id or idempotency key. Only such calls are retried.
   */
  readonly idempotent: boolean;
  readonly options?: CallOptions;
}

/** A successful response: status and the parsed JSON body (`undefined` when empty). */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Connection error codes after which nothing reached the server, so an idempotent retry is safe. */
const RETRIABLE_CONNECT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED']);

/** Every `code` on the error, its `cause` chain and an `AggregateError`'s members (undici nests them), outermost first. */
function networkCodes(error: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 5) return out;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.push(code);
  if (error instanceof AggregateError) for (const member of error.errors) networkCodes(member, out, depth + 1);
  networkCodes((error as { cause?: unknown }).cause, out, depth + 1);
  return out;
}

/** The connection error code of a fetch failure: a retriable one when present, else the innermost. */
function networkCode(error: unknown): string | undefined {
  const codes = networkCodes(error);
  return codes.find((c) => RETRIABLE_CONNECT_CODES.has(c)) ?? codes.at(-1);
}

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The HTTP layer of {@link MemfabricClient}: builds URLs and headers, applies the per-attempt
 * timeout, retries idempotent calls, and turns failures into typed errors.
 *
 * Retries (idempotent calls only, at most `maxRetries`): a 503 or 429 answer (honouring
 * `Retry-After`) and a refused connection (`ECONNREFUSED`: nothing reached the server).
 * Delays are full-jitter exponential backoff (M. Brooker, "Exponential Backoff And Jitter",
 * AWS Architecture Blog, 2015). Nothing else is retried: a timeout or a reset connection may
 * have been applied by the server.
 *
 * Errors: an HTTP error status becomes {@link MemfabricApiError} carrying the problem details;
 * a network failure or timeout becomes `UnavailableError` (retriable; `context` has method,
 * url, attempts, timedOut, networkCode; `cause` is the fetch error); a 2xx body that is not JSON
 * becomes `UnavailableError` too. The caller's own abort is rethrown unchanged.
 */
export class HttpTransport {
  constructor(private readonly config: ResolvedClientOptions) {}

  /** Full URL of a request. */
  url(path: string, query?: ApiRequest['query']): string {
    const url = `${this.config.baseUrl}${path}`;
    if (query === undefined) return url;
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const search = params.toString();
    return search === '' ? url : `${url}?${search}`;
  }

  /**
   * Sends a request, retrying per the class rules.
   * @throws MemfabricApiError for an error status; UnavailableError for network failures,
   *   timeouts and unreadable 2xx bodies; the abort reason when `options.signal` aborts.
   */
  async send(request: ApiRequest): Promise<ApiResponse> {
    const maxRetries = request.idempotent ? (request.options?.maxRetries ?? this.config.maxRetries) : 0;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(request, attempt);
      if (!('retry' in outcome)) return outcome;
      if (attempt > maxRetries) throw outcome.error;
      const delay = backoffDelayMs(attempt - 1, this.config.retryBaseDelayMs, this.config.retryMaxDelayMs, outcome.retryAfterMs);
      const signal = request.options?.signal;
      try {
        await sleep(delay, undefined, signal === undefined ? undefined : { signal });
      } catch (error) {
        throw signal?.aborted === true ? signal.reason : error;
      }
    }
  }

  private async attempt(request: ApiRequest, attempt: number): Promise<ApiResponse | { retry: true; error: Error; retryAfterMs?: number }> {
    const { method } = request;
    const url = this.url(request.path, request.query);
    const timeoutMs = request.options?.timeoutMs ?? this.config.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const callerSignal = request.options?.signal;
    const signal = callerSignal === undefined ? timeout : AbortSignal.any([callerSignal, timeout]);
    const headers: Record<string, string> = { ...this.config.headers, ...request.headers, accept: 'application/json, application/problem+json' };
    if (this.config.apiKey !== undefined) headers.authorization = `Bearer ${this.config.apiKey}`;
    if (this.config.caller !== undefined) headers[CALLER_HEADER] = this.config.caller;
    if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await this.config.fetch(url, {
        method,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (callerSignal?.aborted === true) throw callerSignal.reason;
      const timedOut = timeout.aborted || errorName(error) === 'TimeoutError';
      const code = networkCode(error);
      const why = timedOut
        ? `timed out after ${timeoutMs} ms`
        : `could not be sent (${code ?? (error instanceof Error ? error.message : String(error))})`;
      const failure = new UnavailableError(`${method} ${url} ${why}; attempt ${attempt}`, {
        cause: error,
        context: { method, url, attempts: attempt, timedOut, networkCode: code },
      });
      if (!timedOut && code !== undefined && RETRIABLE_CONNECT_CODES.has(code)) return { retry: true, error: failure };
      throw failure;
    }

    if (response.status >= 400) {
      const error = new MemfabricApiError(readProblem(response.status, response.statusText, text), { method, url, attempts: attempt });
      if (response.status === 503 || response.status === 429) return { retry: true, error, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) };
      throw error;
    }
    if (text.trim() === '') return { status: response.status, body: undefined };
    try {
      return { status: response.status, body: JSON.parse(text) as unknown };
    } catch (cause) {
      throw new UnavailableError(`${method} ${url} answered ${response.status} with a body that is not JSON: is baseUrl a memfabric fabric?`, {
        cause,
        context: { method, url, status: response.status, attempts: attempt },
      });
    }
  }
}
