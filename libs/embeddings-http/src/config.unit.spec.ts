import { describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { HttpEmbedder, backoffDelayMs, parseRetryAfter, resolveHttpEmbedderConfig, type HttpEmbedderConfig } from './index.js';

const valid: HttpEmbedderConfig = { baseUrl: 'http://127.0.0.1:8080', model: 'BAAI/bge-small-en-v1.5', dimensions: 384 };

function configError(config: unknown): string {
  try {
    resolveHttpEmbedderConfig(config as HttpEmbedderConfig);
  } catch (error) {
    expect(MemfabricError.is(error) && error.code).toBe('configuration_invalid');
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('HttpEmbedder configuration', () => {
  it('applies documented defaults and builds the endpoint URL', () => {
    const c = resolveHttpEmbedderConfig(valid);
    expect(c).toMatchObject({ url: 'http://127.0.0.1:8080/v1/embeddings', timeoutMs: 30_000, maxBatch: 32, maxRetries: 3, concurrency: 1, requestDimensions: false });
    expect(resolveHttpEmbedderConfig({ ...valid, baseUrl: 'https://api.openai.com/v1/', path: '/embeddings' }).url).toBe('https://api.openai.com/v1/embeddings');
  });

  it('names the model, its size and its pinned revision in modelId', () => {
    expect(new HttpEmbedder(valid).modelId).toBe('http:BAAI/bge-small-en-v1.5:384@unpinned');
    expect(new HttpEmbedder({ ...valid, modelRevision: '5c38ec7c' }).modelId).toBe('http:BAAI/bge-small-en-v1.5:384@5c38ec7c');
  });

  it('says what to fix for each bad field', () => {
    expect(configError({ ...valid, baseUrl: 'localhost:8080' })).toMatch(/baseUrl must (be an absolute|use http)/);
    expect(configError({ ...valid, baseUrl: 'ftp://host' })).toMatch(/baseUrl must use http or https/);
    expect(configError({ ...valid, baseUrl: 'http://user:pw@host' })).toMatch(/put the key in apiKey/);
    expect(configError({ ...valid, baseUrl: 'http://host?x=1' })).toMatch(/query or fragment/);
    expect(configError({ ...valid, baseUrl: undefined })).toMatch(/baseUrl is required/);
    expect(configError({ ...valid, model: '' })).toMatch(/model must be a non-empty model name/);
    expect(configError({ ...valid, apiKey: '' })).toMatch(/apiKey, when given/);
    expect(configError({ ...valid, dimensions: 0 })).toMatch(/dimensions must be an integer in 1..65536/);
    expect(configError({ ...valid, timeoutMs: -5 })).toMatch(/timeoutMs must be/);
    expect(configError({ ...valid, maxBatch: 5000 })).toMatch(/maxBatch must be an integer in 1..2048/);
    expect(configError({ ...valid, maxRetries: 11 })).toMatch(/maxRetries must be an integer in 0..10/);
    expect(configError({ ...valid, path: 'v1/embeddings' })).toMatch(/path must start with/);
    expect(configError({ ...valid, retryBaseDelayMs: 100, retryMaxDelayMs: 10 })).toMatch(/at least retryBaseDelayMs/);
    expect(configError({ ...valid, headers: { a: 1 } })).toMatch(/headers must map/);
    expect(configError({ ...valid, modelRevision: 'a b' })).toMatch(/modelRevision/);
  });

  it('reports every problem at once', () => {
    const message = configError({ baseUrl: 'nope', model: '', dimensions: -1 });
    for (const field of ['baseUrl', 'model', 'dimensions']) expect(message).toContain(field);
  });
});

describe('backoffDelayMs (full jitter)', () => {
  it('draws uniformly below min(max, base × 2^attempt)', () => {
    expect(backoffDelayMs(0, 100, 1000, undefined, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, 100, 1000, undefined, () => 0.5)).toBe(400);
    expect(backoffDelayMs(10, 100, 1000, undefined, () => 0.999)).toBe(999);
    expect(backoffDelayMs(2, 100, 1000, undefined, () => 0)).toBe(0);
  });

  it('waits at least Retry-After, capped at the maximum delay', () => {
    expect(backoffDelayMs(0, 100, 1000, 700, () => 0)).toBe(700);
    expect(backoffDelayMs(0, 100, 1000, 60_000, () => 0)).toBe(1000);
  });
});

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    const now = Date.parse('2024-05-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 01 May 2024 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 30 Apr 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
