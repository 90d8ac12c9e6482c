import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemfabricError, type PayloadTooLargeError, type ValidationError } from '@memfabric/errors';
import { HashEmbedder, dot, l2Norm } from '@memfabric/embeddings';
import { embedderContract } from '@memfabric/embeddings/testing';
import { HttpEmbedder, type HttpEmbedderConfig } from './index.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from './testing/index.js';

/** Fast retries so the suites never wait on backoff. */
const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 5 } as const;

async function failure(promise: Promise<unknown>): Promise<MemfabricError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MemfabricError.is(error)) throw new Error(`expected a MemfabricError, got ${String(error)}`);
  return error;
}

embedderContract(
  'HttpEmbedder (fake OpenAI-compatible server, maxBatch 8, concurrency 2)',
  async () => {
    const server = await startFakeEmbeddingsServer({ dimensions: 96 });
    const embedder = new HttpEmbedder({ baseUrl: server.baseUrl, model: 'fake-hash', dimensions: 96, maxBatch: 8, concurrency: 2, timeoutMs: 10_000, ...fast });
    return { embedder, teardown: () => server.close() };
  },
  { semantic: false },
);

embedderContract(
  'HttpEmbedder (reordered data, base64 vectors, /embeddings path, API key)',
  async () => {
    const server = await startFakeEmbeddingsServer({ dimensions: 32, reverseData: true, forceBase64: true, apiKey: 'sk-test' });
    const embedder = new HttpEmbedder({ baseUrl: `${server.baseUrl}/`, path: '/embeddings', model: 'fake-hash', apiKey: 'sk-test', dimensions: 32, ...fast });
    return { embedder, teardown: () => server.close() };
  },
  { semantic: false },
);

describe('HttpEmbedder against a loopback OpenAI-compatible server', () => {
  let server: FakeEmbeddingsServer;
  const config = (overrides: Partial<HttpEmbedderConfig> = {}): HttpEmbedderConfig => ({
    baseUrl: server.baseUrl,
    model: 'fake-hash',
    dimensions: 64,
    timeoutMs: 5_000,
    maxBatch: 8,
    maxRetries: 2,
    ...fast,
    ...overrides,
  });

  beforeAll(async () => {
    server = await startFakeEmbeddingsServer({ dimensions: 64 });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    server.requests.length = 0;
  });

  it('sends the OpenAI request shape and returns the server vectors normalised, in order', async () => {
    const embedder = new HttpEmbedder(config({ apiKey: 'sk-abc', headers: { 'x-tenant': 'acme' } }));
    const vectors = await embedder.embed(['first text', 'second text']);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.path).toBe('/v1/embeddings');
    expect(request!.body).toEqual({ model: 'fake-hash', input: ['first text', 'second text'], encoding_format: 'float' });
    expect(request!.headers.authorization).toBe('Bearer sk-abc');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-tenant']).toBe('acme');
    const expected = await new HashEmbedder({ dimensions: 64 }).embed(['first text', 'second text']);
    vectors.forEach((v, i) => {
      expect(l2Norm(v)).toBeCloseTo(1, 5);
      expect(dot(v, expected[i]!)).toBeGreaterThan(0.99999);
    });
  });

  it('asks for `dimensions` only when requestDimensions is set', async () => {
    const vectors = await new HttpEmbedder(config({ dimensions: 16, requestDimensions: true })).embed(['short please']);
    expect((server.requests[0]!.body as { dimensions?: number }).dimensions).toBe(16);
    expect(vectors[0]).toHaveLength(16);
  });

  it('splits a call into requests of at most maxBatch inputs', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `turn ${i}`);
    const vectors = await new HttpEmbedder(config({ maxBatch: 8 })).embed(texts);
    expect(server.requests.map((r) => (r.body as { input: string[] }).input.length)).toEqual([8, 8, 4]);
    expect(server.requests.flatMap((r) => (r.body as { input: string[] }).input)).toEqual(texts);
    expect(vectors).toHaveLength(20);
  });

  it('sends nothing for an empty input or a blank text', async () => {
    const embedder = new HttpEmbedder(config());
    expect(await embedder.embed([])).toEqual([]);
    expect((await failure(embedder.embed(['ok', ' ']))).code).toBe('validation_failed');
    expect(server.requests).toHaveLength(0);
  });

  it('retries a 429 after its Retry-After and then succeeds', async () => {
    server.enqueue({ status: 429, retryAfter: '0', message: 'Rate limit reached' });
    const vectors = await new HttpEmbedder(config()).embed(['rate limited once']);
    expect(vectors).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('retries 503 and 502 and then succeeds', async () => {
    server.enqueue({ status: 503 }, { status: 502 });
    expect(await new HttpEmbedder(config({ maxRetries: 2 })).embed(['flaky'])).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after maxRetries on repeated 500s with a retriable UnavailableError keeping the cause', async () => {
    server.enqueue({ status: 500, message: 'CUDA out of memory' }, { status: 500, message: 'CUDA out of memory' }, { status: 500, message: 'CUDA out of memory' });
    const error = await failure(new HttpEmbedder(config({ maxRetries: 2 })).embed(['doomed']));
    expect(error.code).toBe('unavailable');
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('500');
    expect(error.message).toContain('CUDA out of memory');
    expect((error.cause as Error).message).toBe('HTTP 500: CUDA out of memory');
    expect(error.context).toMatchObject({ status: 500, attempt: 3, url: `${server.baseUrl}/v1/embeddings` });
    expect(server.requests).toHaveLength(3);
  });

  it('reports vectors of the wrong length as a ConfigurationError saying what to set, without retrying', async () => {
    server.enqueue({ wrongDimensions: 48 });
    const error = await failure(new HttpEmbedder(config()).embed(['wrong size']));
    expect(error.code).toBe('configuration_invalid');
    expect(error.message).toContain('set dimensions to 48');
    expect(server.requests).toHaveLength(1);
  });

  it('times out a request that gets no answer and reports it as unavailable', async () => {
    server.enqueue({ hang: true });
    const error = await failure(new HttpEmbedder(config({ timeoutMs: 150, maxRetries: 0 })).embed(['no answer']));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('timed out after 150 ms');
    expect(error.context).toMatchObject({ timedOut: true });
    expect((error.cause as Error).name).toBe('TimeoutError');
  });

  it('retries after a timeout and succeeds when the server answers', async () => {
    server.enqueue({ hang: true });
    expect(await new HttpEmbedder(config({ timeoutMs: 150, maxRetries: 1 })).embed(['slow then fine'])).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('maps a 400 to a ValidationError with the server message and does not retry', async () => {
    server.enqueue({ status: 400, message: "This model's maximum context length is 8192 tokens" });
    const error = await failure(new HttpEmbedder(config()).embed(['too long']));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('maximum context length');
    expect((error as ValidationError).problems[0]!.pointer).toBe('/input');
    expect(server.requests).toHaveLength(1);
  });

  it('maps 401 and 404 to ConfigurationErrors saying what to check', async () => {
    server.enqueue({ status: 401, message: 'Incorrect API key provided' });
    expect((await failure(new HttpEmbedder(config()).embed(['x']))).message).toMatch(/check apiKey/);
    const wrongPath = await failure(new HttpEmbedder(config({ path: '/v2/embed' })).embed(['x']));
    expect(wrongPath.code).toBe('configuration_invalid');
    expect(wrongPath.message).toMatch(/check baseUrl and path/);
  });

  it('maps a 413 to PayloadTooLargeError pointing at maxBatch', async () => {
    server.enqueue({ status: 413, message: 'batch size 8 > maximum allowed batch size 4' });
    const error = await failure(new HttpEmbedder(config()).embed(['a', 'b']));
    expect(error.code).toBe('payload_too_large');
    expect(error.message).toContain('lower maxBatch');
    expect((error as PayloadTooLargeError).limit).toBe(8);
  });

  it('rejects malformed 200 answers as unavailable', async () => {
    server.enqueue({ rawBody: '<html>bad gateway</html>' }, { rawBody: '{"object":"list"}' }, { rawBody: JSON.stringify({ data: [{ index: 0, embedding: new Array(64).fill(0) }] }) });
    const embedder = new HttpEmbedder(config());
    expect((await failure(embedder.embed(['x']))).message).toContain('not JSON');
    expect((await failure(embedder.embed(['x']))).message).toContain('no `data` array');
    expect((await failure(embedder.embed(['x']))).message).toContain('zero vector');
  });

  it('reports a refused connection as unavailable after its retries', async () => {
    const gone = await startFakeEmbeddingsServer();
    await gone.close();
    const error = await failure(new HttpEmbedder(config({ baseUrl: gone.baseUrl, maxRetries: 1 })).embed(['anyone?']));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/request failed/);
    expect(error.context).toMatchObject({ attempt: 2 });
  });

  it('never puts the API key in an error', async () => {
    server.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
    const error = await failure(new HttpEmbedder(config({ apiKey: 'sk-secret-123' })).embed(['x']));
    expect(JSON.stringify({ message: error.message, context: error.context })).not.toContain('sk-secret-123');
  });
});
