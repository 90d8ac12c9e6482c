import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './generated/errors/index.js';
import { CLIENT_DEFAULTS, resolveClientOptions, type MemfabricClientOptions } from './config.js';

function problems(options: Partial<MemfabricClientOptions>): string {
  try {
    resolveClientOptions(options as MemfabricClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('resolveClientOptions', () => {
  it('applies the defaults and drops a trailing slash of the base URL', () => {
    const resolved = resolveClientOptions({ baseUrl: 'http://127.0.0.1:8081/api/' });
    expect(resolved.baseUrl).toBe('http://127.0.0.1:8081/api');
    expect(resolved.timeoutMs).toBe(CLIENT_DEFAULTS.timeoutMs);
    expect(resolved.maxRetries).toBe(CLIENT_DEFAULTS.maxRetries);
    expect(resolved.source).toBe('urn:memfabric:client');
    expect(resolved.apiKey).toBeUndefined();
    expect(typeof resolved.fetch).toBe('function');
  });

  it('names every bad option and how to fix it', () => {
    const message = problems({ baseUrl: 'ftp://user:pw@host/x?y=1', apiKey: '', timeoutMs: 0, retry: { maxRetries: 11, baseDelayMs: 10, maxDelayMs: 5 }, source: 'has space', caller: 'two words' });
    expect(message).toMatch(/baseUrl must use http or https/);
    expect(message).toMatch(/must not contain credentials: put the key in apiKey/);
    expect(message).toMatch(/must not contain a query/);
    expect(message).toMatch(/apiKey, when given, must be a non-empty/);
    expect(message).toMatch(/timeoutMs must be an integer number of ms in 1\.\.600000 \(got 0\)/);
    expect(message).toMatch(/retry\.maxRetries must be an integer in 0\.\.10/);
    expect(message).toMatch(/retry\.maxDelayMs \(5\) must be at least retry\.baseDelayMs \(10\)/);
    expect(message).toMatch(/source must be a URI-reference/);
    expect(message).toMatch(/caller must be 1\.\.256 printable ASCII/);
  });

  it('requires an absolute base URL', () => {
    expect(problems({})).toMatch(/baseUrl is required/);
    expect(problems({ baseUrl: '/relative' })).toMatch(/absolute http\(s\) URL/);
  });

  it('refuses headers the client sets itself', () => {
    expect(problems({ baseUrl: 'http://x', headers: { Authorization: 'Bearer k' } })).toMatch(/must not set Authorization.*use apiKey/);
  });
});
