import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HashEmbedder } from '@memfabric/embeddings';

/** A scripted answer the fake server gives to the next request instead of embedding it. */
export type FakeFault =
  /** Answer with this status and an OpenAI-style error body; `retryAfter` sets `Retry-After`. */
  | { readonly status: number; readonly message?: string; readonly retryAfter?: string }
  /** Never answer (until the client gives up or the server closes): a timeout. */
  | { readonly hang: true }
  /** Answer 200 with vectors of this length instead of the configured one. */
  | { readonly wrongDimensions: number }
  /** Answer 200 with this raw body text. */
  | { readonly rawBody: string };

/** One request the fake server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** Parsed JSON body, or the raw text when it was not JSON. */
  readonly body: unknown;
}

/** Options of {@link startFakeEmbeddingsServer}. */
export interface FakeEmbeddingsServerOptions {
  /** Vector length when the request has no `dimensions` (default 64). */
  readonly dimensions?: number;
  /** Bearer token required in `Authorization`; none required when absent. */
  readonly apiKey?: string;
  /** Vectors are multiplied by this before sending (default 3), so clients must normalise. */
  readonly scale?: number;
  /** Return `data` in reverse order (each item keeps its correct `index`). */
  readonly reverseData?: boolean;
  /** Always answer with base64 float32 embeddings, whatever `encoding_format` asked. */
  readonly forceBase64?: boolean;
}

/** A running fake server. */
export interface FakeEmbeddingsServer {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Queues faults: each of the next requests gets the next fault instead of an answer. */
  enqueue(...faults: FakeFault[]): void;
  /** Stops listening and drops every open connection (hung requests included). */
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function openAiError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', param: null, code: null } }, headers);
}

function toBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString('base64');
}

/**
 * Starts an OpenAI-compatible embeddings server on 127.0.0.1 (random port) for tests: `POST
 * /v1/embeddings` and `POST /embeddings` with `{ model, input: string | string[], dimensions?,
 * encoding_format? }`, answered with deterministic feature-hashing vectors (the
 * `HashEmbedder` of `@memfabric/embeddings`, one space per requested length), scaled so that
 * clients must normalise, plus `usage`. Requests are validated as OpenAI does (400 with an
 * `{ error: { message } }` body). Faults queued with `enqueue` script 429s, 5xx, timeouts and
 * malformed answers.
 */
export async function startFakeEmbeddingsServer(options: FakeEmbeddingsServerOptions = {}): Promise<FakeEmbeddingsServer> {
  const defaultDimensions = options.dimensions ?? 64;
  const scale = options.scale ?? 3;
  const embedders = new Map<number, HashEmbedder>();
  const embedderFor = (dimensions: number): HashEmbedder => {
    let e = embedders.get(dimensions);
    if (!e) embedders.set(dimensions, (e = new HashEmbedder({ dimensions })));
    return e;
  };
  const faults: FakeFault[] = [];
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      if (req.method !== 'POST' || (path !== '/v1/embeddings' && path !== '/embeddings')) return openAiError(res, 404, `no route for ${req.method} ${path}`);
      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) return openAiError(res, 401, 'Incorrect API key provided');

      const fault = faults.shift();
      if (fault && 'hang' in fault) return; // never answer
      if (fault && 'status' in fault) {
        return openAiError(res, fault.status, fault.message ?? `scripted ${fault.status}`, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
      }
      if (fault && 'rawBody' in fault) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(fault.rawBody);
      }

      const request = body as { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown } | null;
      if (typeof request !== 'object' || request === null) return openAiError(res, 400, 'body must be a JSON object');
      if (typeof request.model !== 'string' || request.model === '') return openAiError(res, 400, "'model' is required");
      const input = typeof request.input === 'string' ? [request.input] : request.input;
      if (!Array.isArray(input) || input.length === 0 || input.some((t) => typeof t !== 'string' || t === '')) {
        return openAiError(res, 400, "'input' must be a non-empty string or array of non-empty strings");
      }
      if (request.encoding_format !== undefined && request.encoding_format !== 'float' && request.encoding_format !== 'base64') {
        return openAiError(res, 400, "'encoding_format' must be 'float' or 'base64'");
      }
      const requested = request.dimensions;
      if (requested !== undefined && !(Number.isInteger(requested) && (requested as number) >= 2)) return openAiError(res, 400, "'dimensions' must be an integer >= 2");
      const dimensions = fault && 'wrongDimensions' in fault ? fault.wrongDimensions : ((requested as number | undefined) ?? defaultDimensions);
      const base64 = options.forceBase64 === true || request.encoding_format === 'base64';
      const embedder = embedderFor(dimensions);
      const data = (input as string[]).map((t, index) => {
        const vector = embedder.embedOne(t).map((x) => x * scale);
        return { object: 'embedding', index, embedding: base64 ? toBase64(vector) : Array.from(vector) };
      });
      if (options.reverseData) data.reverse();
      const tokens = (input as string[]).reduce((n, t) => n + t.split(/\s+/).length, 0);
      sendJson(res, 200, { object: 'list', data, model: request.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...more) => faults.push(...more),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
