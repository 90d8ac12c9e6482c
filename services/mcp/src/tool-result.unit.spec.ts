import { describe, expect, it } from 'vitest';
import { MemfabricApiError, readProblem } from '@memfabric/client';
import { UnavailableError, ValidationError } from '@memfabric/errors';
import { resolveTenant, safely, toolError } from './tool-result.js';

describe('resolveTenant', () => {
  it('applies the tenant policy', () => {
    expect(resolveTenant({ mode: 'fixed', tenant: 'acme' }, undefined)).toBe('acme');
    expect(resolveTenant({ mode: 'fixed', tenant: 'acme' }, 'acme')).toBe('acme');
    expect(() => resolveTenant({ mode: 'fixed', tenant: 'acme' }, 'other')).toThrow(/bound to tenant acme/);
    expect(resolveTenant({ mode: 'default', tenant: 'acme' }, 'other')).toBe('other');
    expect(resolveTenant({ mode: 'default', tenant: 'acme' }, undefined)).toBe('acme');
    expect(() => resolveTenant({ mode: 'per-call' }, undefined)).toThrow(ValidationError);
  });
});

describe('toolError', () => {
  it('carries the problem details of an API error, with every bad field', () => {
    const problem = readProblem(
      400,
      'Bad Request',
      JSON.stringify({ type: 'urn:memfabric:problem:validation_failed', title: 'Request validation failed', status: 400, detail: '1 invalid field(s)', code: 'validation_failed', retriable: false, errors: [{ pointer: '/k', detail: 'must be at most 100' }] }),
    );
    const result = toolError(new MemfabricApiError(problem, { method: 'POST', url: 'http://x/v1/recall', attempts: 1 }));
    expect(result.isError).toBe(true);
    expect(result.content[0]).toEqual({ type: 'text', text: 'memfabric answered 400 Request validation failed: 1 invalid field(s) (code validation_failed).\n- /k: must be at most 100' });
    expect(JSON.parse((result.content[1] as { text: string }).text)).toEqual({ problem });
    expect(result.structuredContent).toBeUndefined();
  });

  it('says when retrying may help, and survives anything thrown', async () => {
    expect((toolError(new UnavailableError('GET http://x could not be sent (ECONNREFUSED)')).content[0] as { text: string }).text).toBe(
      'GET http://x could not be sent (ECONNREFUSED) (code unavailable). Retrying later may succeed.',
    );
    const result = await safely(() => Promise.reject(new Error('boom')));
    expect(result).toEqual({ isError: true, content: [{ type: 'text', text: 'internal error: boom' }] });
  });
});
