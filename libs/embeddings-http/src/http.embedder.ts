import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelayMs, ConfigurationError, parseRetryAfter, PayloadTooLargeError, UnavailableError, ValidationError, type MemfabricError } from '@memfabric/errors';
import { assertEmbeddableTexts, mapInBatches, type Embedder } from '@memfabric/embeddings';
import { resolveHttpEmbedderConfig, type HttpEmbedderConfig, type ResolvedHttpEmbedderConfig } from './config.js';
import { readEmbeddingsResponse } from './openai-response.js';

/** Most characters of a server's error body kept in an error message. */
const MAX_ERROR_BODY_CHARS = 2_000;

/** The outcome of one HTTP attempt that may be retried. */
interface RetriableFailure {
  readonly retriable: true;
  readonly error: UnavailableError;
  readonly retryAfterMs?: number;
}

/** Extracts the human message from an OpenAI (`{error:{message}}`), TEI (`{error}`) or plain error body. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    const error = body?.error;
    if (typeof error === 'string') return error;
    if (typeof (error as { message?: unknown } | undefined)?.message === 'string') return (error as { message: string }).message;
    if (typeof body?.message === 'string') return body.message;
    if (typeof body?.detail === 'string') return body.detail;
  } catch {
    // not JSON: use the text itself
  }
  return text.slice(0, MAX_ERROR_BODY_CHARS);
}

/**
 * {@link Embedder} over an OpenAI-compatible embeddings endpoint: OpenAI, Hugging Face Text
 * Embeddings Inference, Ollama, vLLM, or any gateway speaking the same API.
 *
 * Each `embed` call is split into requests of at most `maxBatch` texts (at most `concurrency` in
 * flight), each `POST {baseUrl}{path}` with JSON `{ model, input: string[], encoding_format:
 * 'float' }` (plus `dimensions` when `requestDimensions`), `Authorization: Bearer <apiKey>` when
 * a key is set, and a per-attempt timeout (`AbortSignal.timeout(timeoutMs)`). Responses are
 * checked (shape, count, indices, vector length) and every vector is L2-normalised.
 *
 * Failures: 408, 429, 5xx, timeouts and connection errors are retried up to `maxRetries` times
 * with full-jitter exponential backoff honouring `Retry-After` (see `backoffDelayMs`), then
 * surface as `UnavailableError` (retriable; `cause` is the last failure, `context` has url,
 * status, attempts). 401/403/404 are `ConfigurationError` (key, URL or model name to fix), 413
 * is `PayloadTooLargeError` (lower `maxBatch`), any other 4xx is `ValidationError` carrying the
 * server's message; none of these is retried.
 */
export class HttpEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  private readonly config: ResolvedHttpEmbedderConfig;

  /** @throws ConfigurationError naming every bad field of `config` and how to fix it. */
  constructor(config: HttpEmbedderConfig) {
    this.config = resolveHttpEmbedderConfig(config);
    this.dimensions = this.config.dimensions;
    this.modelId = `http:${this.config.model}:${this.config.dimensions}@${this.config.modelRevision ?? 'unpinned'}`;
  }

  /** The endpoint requests go to (`baseUrl` + `path`). */
  get url(): string {
    return this.config.url;
  }

  /**
   * Embeds texts through the server.
   * @returns one L2-normalised `Float32Array` of `dimensions` per text, in input order.
   * @throws ValidationError for a blank or non-string text (nothing is sent) or a 4xx answer.
   * @throws UnavailableError when retries are exhausted or the response is malformed.
   * @throws ConfigurationError on 401/403/404 or vectors of the wrong length.
   * @throws PayloadTooLargeError on 413.
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    assertEmbeddableTexts(texts);
    return mapInBatches(texts, this.config.maxBatch, this.config.concurrency, (batch) => this.request(batch));
  }

  private async request(batch: readonly string[]): Promise<Float32Array[]> {
    const { maxRetries, retryBaseDelayMs, retryMaxDelayMs } = this.config;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(batch, attempt + 1);
      if (Array.isArray(outcome)) return outcome;
      if (attempt >= maxRetries) throw outcome.error;
      await sleep(backoffDelayMs(attempt, retryBaseDelayMs, retryMaxDelayMs, outcome.retryAfterMs));
    }
  }

  /** One HTTP attempt: the vectors, a retriable failure, or a thrown non-retriable error. */
  private async attempt(batch: readonly string[], attempt: number): Promise<Float32Array[] | RetriableFailure> {
    const { url, model, apiKey, timeoutMs, dimensions, requestDimensions, headers } = this.config;
    const context = { url, model, attempt, inputs: batch.length };
    const body: Record<string, unknown> = { model, input: batch, encoding_format: 'float' };
    if (requestDimensions) body.dimensions = dimensions;
    let response: Response;
    let text: string;
    try {
      response = await this.config.fetch(url, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          accept: 'application/json',
          ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      const why = timedOut ? `timed out after ${timeoutMs} ms` : `request failed: ${(error as Error)?.message ?? String(error)}`;
      return { retriable: true, error: new UnavailableError(`embeddings server ${url} ${why} (attempt ${attempt})`, { cause: error, context: { ...context, timedOut } }) };
    }

    const { status } = response;
    if (status >= 200 && status < 300) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new UnavailableError(`embeddings server ${url} answered ${status} with a body that is not JSON`, { cause: error, context: { ...context, status } });
      }
      return readEmbeddingsResponse(parsed, batch.length, dimensions, { ...context, status });
    }

    const message = serverMessage(text);
    const cause = new Error(`HTTP ${status}: ${message}`);
    const failureContext = { ...context, status, serverMessage: message };
    if (status === 408 || status === 429 || status >= 500) {
      return {
        retriable: true,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        error: new UnavailableError(`embeddings server ${url} answered ${status} after ${attempt} attempt(s): ${message}`, { cause, context: failureContext }),
      };
    }
    throw this.clientError(status, message, cause, failureContext, batch.length);
  }

  private clientError(status: number, message: string, cause: Error, context: Readonly<Record<string, unknown>>, inputs: number): MemfabricError {
    const { url, model } = this.config;
    if (status === 401 || status === 403) {
      return new ConfigurationError(`embeddings server ${url} refused the credentials (${status}: ${message}): check apiKey`, { cause, context });
    }
    if (status === 404) {
      return new ConfigurationError(`embeddings server answered 404 for ${url} (${message}): check baseUrl and path, and that model '${model}' is served`, { cause, context });
    }
    if (status === 413) {
      return new PayloadTooLargeError(`embeddings server ${url} rejected a request of ${inputs} inputs as too large (${message}): lower maxBatch`, this.config.maxBatch, inputs, { cause, context });
    }
    return new ValidationError(`embeddings server ${url} rejected the request (${status}): ${message}`, [{ pointer: '/input', detail: message }], { cause, context });
  }
}
