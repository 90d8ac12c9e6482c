import { ConfigurationError } from './generated/errors/index.js';

/** Retry policy of idempotent calls (see {@link MemfabricClientOptions.retry}). */
export interface RetryOptions {
  /** Retries after the first attempt, 0..10 (default 3; 0 disables retrying). */
  readonly maxRetries?: number;
  /** Ceiling of the first retry's delay in ms; doubles per retry (0..60000, default 100). */
  readonly baseDelayMs?: number;
  /** Largest delay before one retry in ms, also the cap on a server's `Retry-After` (0..300000, default 5000). */
  readonly maxDelayMs?: number;
}

/** Configuration of {@link MemfabricClient}. */
export interface MemfabricClientOptions {
  /**
   * Base URL every memfabric route shares (ingest, recall, audit, health), absolute http(s)
   * without query or credentials: `http://127.0.0.1:8081` (the embedded fabric's default), or a
   * gateway prefix such as `https://memfabric.example.com/api`. A trailing `/` is ignored.
   */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; omit for a fabric without auth. Never logged nor put in errors. */
  readonly apiKey?: string;
  /**
   * Timeout of one HTTP attempt (request and body) in ms, 1..600000 (default 10000). A recall
   * with a consistency token gets its `consistencyTimeoutMs` added, so the server's wait is not
   * cut short.
   */
  readonly timeoutMs?: number;
  /** The fetch implementation; default the global `fetch` (Node 18+). */
  readonly fetch?: typeof fetch;
  /** Retry policy of idempotent calls. */
  readonly retry?: RetryOptions;
  /** CloudEvents `source` of the events the helper methods build (URI-reference); default `urn:memfabric:client`. */
  readonly source?: string;
  /** Extra headers sent with every request (a gateway key, a tenant routing header, ...). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Who reads (agent, user or service principal), 1..256 printable ASCII characters without
   * spaces: sent as `X-Memfabric-Caller` on every request (the audit service records it in its
   * read audit) and as a recall's `caller` when the request names none.
   */
  readonly caller?: string;
}

/** {@link MemfabricClientOptions} with defaults applied. */
export interface ResolvedClientOptions {
  /** Base URL without trailing `/`. */
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly source: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly caller: string | undefined;
}

/** Defaults of the optional fields of {@link MemfabricClientOptions}. */
export const CLIENT_DEFAULTS = {
  timeoutMs: 10_000,
  maxRetries: 3,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5_000,
  source: 'urn:memfabric:client',
} as const;

/** Request header naming the reading principal. */
export const CALLER_HEADER = 'x-memfabric-caller';

/** What a caller name may look like (it travels in a header): 1..256 printable ASCII characters, no spaces. */
export const CALLER_PATTERN = /^[\x21-\x7e]{1,256}$/;

/** Headers the client sets itself; `headers` may not override them. */
const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'accept', 'content-length', CALLER_HEADER]);

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Checks client options and applies the defaults.
 * @throws ConfigurationError listing every bad field and how to fix it.
 */
export function resolveClientOptions(options: MemfabricClientOptions): ResolvedClientOptions {
  const problems: string[] = [];
  const o = (options ?? {}) as Partial<MemfabricClientOptions>;
  let baseUrl = '';
  if (typeof o.baseUrl !== 'string' || o.baseUrl.trim() === '') {
    problems.push('baseUrl is required: the fabric URL such as http://127.0.0.1:8081');
  } else {
    let parsed: URL | undefined;
    try {
      parsed = new URL(o.baseUrl);
    } catch {
      problems.push(`baseUrl must be an absolute http(s) URL such as http://127.0.0.1:8081 (got '${o.baseUrl}')`);
    }
    if (parsed) {
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problems.push(`baseUrl must use http or https (got '${parsed.protocol}')`);
      if (parsed.username !== '' || parsed.password !== '') problems.push('baseUrl must not contain credentials: put the key in apiKey');
      if (parsed.search !== '' || parsed.hash !== '') problems.push('baseUrl must not contain a query or fragment');
      baseUrl = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    }
  }
  if (o.apiKey !== undefined && (typeof o.apiKey !== 'string' || o.apiKey.trim() === '' || /[\r\n]/.test(o.apiKey))) {
    problems.push('apiKey, when given, must be a non-empty single-line string (omit it for a fabric without auth)');
  }
  const timeoutMs = o.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs;
  if (!isInteger(timeoutMs, 1, 600_000)) problems.push(`timeoutMs must be an integer number of ms in 1..600000 (got ${String(timeoutMs)})`);
  const retry = o.retry ?? {};
  const maxRetries = retry.maxRetries ?? CLIENT_DEFAULTS.maxRetries;
  if (!isInteger(maxRetries, 0, 10)) problems.push(`retry.maxRetries must be an integer in 0..10 (got ${String(maxRetries)})`);
  const retryBaseDelayMs = retry.baseDelayMs ?? CLIENT_DEFAULTS.retryBaseDelayMs;
  if (!isInteger(retryBaseDelayMs, 0, 60_000)) problems.push(`retry.baseDelayMs must be an integer in 0..60000 (got ${String(retryBaseDelayMs)})`);
  const retryMaxDelayMs = retry.maxDelayMs ?? CLIENT_DEFAULTS.retryMaxDelayMs;
  if (!isInteger(retryMaxDelayMs, 0, 300_000)) problems.push(`retry.maxDelayMs must be an integer in 0..300000 (got ${String(retryMaxDelayMs)})`);
  else if (typeof retryBaseDelayMs === 'number' && retryMaxDelayMs < retryBaseDelayMs) {
    problems.push(`retry.maxDelayMs (${retryMaxDelayMs}) must be at least retry.baseDelayMs (${retryBaseDelayMs})`);
  }
  const source = o.source ?? CLIENT_DEFAULTS.source;
  if (typeof source !== 'string' || source.length === 0 || source.length > 512 || /\s/.test(source)) {
    problems.push(`source must be a URI-reference of 1..512 characters without spaces, e.g. urn:agent:travel-planner (got '${String(source)}')`);
  }
  const headers = o.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) {
    problems.push('headers must map header names to string values');
  } else {
    const reserved = Object.keys(headers).filter((name) => RESERVED_HEADERS.has(name.toLowerCase()));
    if (reserved.length > 0) problems.push(`headers must not set ${reserved.join(', ')}: the client sets them (use apiKey for Authorization, caller for X-Memfabric-Caller)`);
  }
  if (o.caller !== undefined && (typeof o.caller !== 'string' || !CALLER_PATTERN.test(o.caller))) {
    problems.push(`caller must be 1..256 printable ASCII characters without spaces, e.g. agent:planner (got '${String(o.caller)}')`);
  }
  const fetchImpl: typeof fetch | undefined = o.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') problems.push('no fetch implementation: run on Node.js 18+ or pass fetch');
  if (problems.length > 0) {
    throw new ConfigurationError(`MemfabricClient options are invalid: ${problems.join('; ')}`, { context: { problems } });
  }
  return { baseUrl, apiKey: o.apiKey, timeoutMs, fetch: fetchImpl, maxRetries, retryBaseDelayMs, retryMaxDelayMs, source, headers, caller: o.caller };
}
