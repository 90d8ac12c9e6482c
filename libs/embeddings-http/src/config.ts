import { ConfigurationError } from '@memfabric/errors';

/**
 * Configuration of {@link HttpEmbedder}: one OpenAI-compatible embeddings endpoint (OpenAI, Text
 * Embeddings Inference, Ollama, vLLM, LiteLLM, ...).
 */
export interface HttpEmbedderConfig {
  /**
   * Origin (and optional path prefix) of the server, absolute http(s) URL without query or
   * credentials: `http://127.0.0.1:8080` (TEI), `http://127.0.0.1:11434` (Ollama),
   * `http://127.0.0.1:8000` (vLLM), `https://api.openai.com`. A trailing `/` is ignored.
   */
  readonly baseUrl: string;
  /** Model name sent in the request body (`text-embedding-3-small`, `BAAI/bge-small-en-v1.5`, `nomic-embed-text`). */
  readonly model: string;
  /** Bearer token sent as `Authorization: Bearer <apiKey>`; omit for servers without auth. Never logged. */
  readonly apiKey?: string;
  /** Length of the vectors the server returns (checked on every response), 1..65536. */
  readonly dimensions: number;
  /** Timeout of one HTTP attempt, request and body, in ms (1..600000, default 30000). */
  readonly timeoutMs?: number;
  /** Most texts per request (1..2048, default 32: TEI's default `max_client_batch_size`). */
  readonly maxBatch?: number;
  /** Retries after a 408, 429, 5xx, timeout or connection failure (0..10, default 3). */
  readonly maxRetries?: number;
  /** Request path appended to `baseUrl`: `/v1/embeddings` (default) or `/embeddings` for a base URL that already ends in `/v1`. */
  readonly path?: string;
  /**
   * Send `dimensions` in the body to ask the server to shorten vectors (OpenAI
   * `text-embedding-3-*` and other Matryoshka models). Default false: many servers reject or
   * ignore the field.
   */
  readonly requestDimensions?: boolean;
  /** Most requests in flight for one `embed` call (1..16, default 1). */
  readonly concurrency?: number;
  /** First retry delay ceiling in ms; doubles per retry (0..60000, default 250). */
  readonly retryBaseDelayMs?: number;
  /** Largest delay before one retry in ms, also the cap on a server's `Retry-After` (0..300000, default 8000). */
  readonly retryMaxDelayMs?: number;
  /**
   * Revision of the served weights (for example TEI's `model_sha` from `GET /info`). Part of
   * `modelId`, so pinning it makes an upgrade of the served model visible to caches and indexes.
   */
  readonly modelRevision?: string;
  /** Extra request headers (for example an `OpenAI-Organization` or a gateway key). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch implementation; default the global `fetch` (Node 18+). */
  readonly fetch?: typeof fetch;
}

/** {@link HttpEmbedderConfig} with defaults applied and the URL resolved. */
export interface ResolvedHttpEmbedderConfig {
  readonly url: string;
  readonly model: string;
  readonly apiKey: string | undefined;
  readonly dimensions: number;
  readonly timeoutMs: number;
  readonly maxBatch: number;
  readonly maxRetries: number;
  readonly requestDimensions: boolean;
  readonly concurrency: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly modelRevision: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch;
}

/** Defaults of the optional fields of {@link HttpEmbedderConfig}. */
export const HTTP_EMBEDDER_DEFAULTS = {
  timeoutMs: 30_000,
  maxBatch: 32,
  maxRetries: 3,
  path: '/v1/embeddings',
  requestDimensions: false,
  concurrency: 1,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 8_000,
} as const;

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Checks a configuration and applies the defaults.
 * @throws ConfigurationError listing every bad field and how to fix it.
 */
export function resolveHttpEmbedderConfig(config: HttpEmbedderConfig): ResolvedHttpEmbedderConfig {
  const problems: string[] = [];
  const c = (config ?? {}) as Partial<HttpEmbedderConfig>;
  let url = '';
  if (typeof c.baseUrl !== 'string' || c.baseUrl.trim() === '') {
    problems.push('baseUrl is required: the server origin such as http://127.0.0.1:8080');
  } else {
    let parsed: URL | undefined;
    try {
      parsed = new URL(c.baseUrl);
    } catch {
      problems.push(`baseUrl must be an absolute http(s) URL such as http://127.0.0.1:8080 (got '${c.baseUrl}')`);
    }
    if (parsed) {
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problems.push(`baseUrl must use http or https (got '${parsed.protocol}')`);
      if (parsed.username !== '' || parsed.password !== '') problems.push('baseUrl must not contain credentials: put the key in apiKey');
      if (parsed.search !== '' || parsed.hash !== '') problems.push('baseUrl must not contain a query or fragment');
      const path = c.path ?? HTTP_EMBEDDER_DEFAULTS.path;
      if (typeof path !== 'string' || !path.startsWith('/')) problems.push(`path must start with '/', e.g. /v1/embeddings or /embeddings (got '${String(path)}')`);
      else url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}${path}`;
    }
  }
  if (typeof c.model !== 'string' || c.model.trim() === '' || c.model !== c.model.trim()) problems.push(`model must be a non-empty model name without surrounding spaces (got '${String(c.model)}')`);
  if (c.apiKey !== undefined && (typeof c.apiKey !== 'string' || c.apiKey.trim() === '')) problems.push('apiKey, when given, must be a non-empty string (omit it for servers without auth)');
  if (!isInteger(c.dimensions, 1, 65_536)) problems.push(`dimensions must be an integer in 1..65536: the length of the model's vectors (got ${String(c.dimensions)})`);
  const timeoutMs = c.timeoutMs ?? HTTP_EMBEDDER_DEFAULTS.timeoutMs;
  if (!isInteger(timeoutMs, 1, 600_000)) problems.push(`timeoutMs must be an integer in 1..600000 (got ${String(timeoutMs)})`);
  const maxBatch = c.maxBatch ?? HTTP_EMBEDDER_DEFAULTS.maxBatch;
  if (!isInteger(maxBatch, 1, 2048)) problems.push(`maxBatch must be an integer in 1..2048, at most the server's batch limit (got ${String(maxBatch)})`);
  const maxRetries = c.maxRetries ?? HTTP_EMBEDDER_DEFAULTS.maxRetries;
  if (!isInteger(maxRetries, 0, 10)) problems.push(`maxRetries must be an integer in 0..10 (got ${String(maxRetries)})`);
  const concurrency = c.concurrency ?? HTTP_EMBEDDER_DEFAULTS.concurrency;
  if (!isInteger(concurrency, 1, 16)) problems.push(`concurrency must be an integer in 1..16 (got ${String(concurrency)})`);
  const retryBaseDelayMs = c.retryBaseDelayMs ?? HTTP_EMBEDDER_DEFAULTS.retryBaseDelayMs;
  if (!isInteger(retryBaseDelayMs, 0, 60_000)) problems.push(`retryBaseDelayMs must be an integer in 0..60000 (got ${String(retryBaseDelayMs)})`);
  const retryMaxDelayMs = c.retryMaxDelayMs ?? HTTP_EMBEDDER_DEFAULTS.retryMaxDelayMs;
  if (!isInteger(retryMaxDelayMs, 0, 300_000)) problems.push(`retryMaxDelayMs must be an integer in 0..300000 (got ${String(retryMaxDelayMs)})`);
  else if (typeof retryBaseDelayMs === 'number' && retryMaxDelayMs < retryBaseDelayMs) problems.push(`retryMaxDelayMs (${retryMaxDelayMs}) must be at least retryBaseDelayMs (${retryBaseDelayMs})`);
  const requestDimensions = c.requestDimensions ?? HTTP_EMBEDDER_DEFAULTS.requestDimensions;
  if (typeof requestDimensions !== 'boolean') problems.push('requestDimensions must be true or false');
  if (c.modelRevision !== undefined && (typeof c.modelRevision !== 'string' || !/^\S+$/.test(c.modelRevision))) problems.push('modelRevision, when given, must be a non-empty string without spaces');
  const headers = c.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) problems.push('headers must map header names to string values');
  const fetchImpl: typeof fetch | undefined = c.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') problems.push('no fetch implementation: run on Node.js 18+ or pass fetch');
  if (problems.length > 0) {
    throw new ConfigurationError(`HttpEmbedder configuration is invalid: ${problems.join('; ')}`, { context: { problems } });
  }
  return {
    url,
    model: c.model!,
    apiKey: c.apiKey,
    dimensions: c.dimensions!,
    timeoutMs,
    maxBatch,
    maxRetries,
    requestDimensions,
    concurrency,
    retryBaseDelayMs,
    retryMaxDelayMs,
    modelRevision: c.modelRevision,
    headers,
    fetch: fetchImpl,
  };
}
