import { describe, expect, it } from 'vitest';
import { MemfabricError, NotFoundError, UnavailableError, ValidationError } from './generated/errors/index.js';
import { errorCodeOf, MemfabricApiError, readProblem } from './api-error.js';

const call = { method: 'POST', url: 'http://127.0.0.1:1/v1/events', attempts: 1 };

describe('readProblem', () => {
  it('keeps a memfabric problem as sent', () => {
    const body = {
      type: 'urn:memfabric:problem:validation_failed',
      title: 'Request validation failed',
      status: 400,
      detail: '1 invalid field(s) in batch',
      instance: '/v1/events',
      code: 'validation_failed',
      retriable: false,
      errors: [{ pointer: '/0/data/content', detail: 'is required' }],
    };
    expect(readProblem(400, 'Bad Request', JSON.stringify(body))).toEqual(body);
  });

  it('synthesises a problem for a body that is not problem+json', () => {
    const problem = readProblem(502, 'Bad Gateway', '<html>upstream down</html>');
    expect(problem).toEqual({ type: 'about:blank', title: 'Bad Gateway', status: 502, code: 'http_502', retriable: true, detail: '<html>upstream down</html>' });
  });

  it('derives the code from the type URI when the code member is missing', () => {
    const problem = readProblem(404, '', JSON.stringify({ type: 'urn:memfabric:problem:not_found', title: 'Not found' }));
    expect(problem.code).toBe('not_found');
    expect(problem.retriable).toBe(false);
  });
});

describe('MemfabricApiError', () => {
  it('maps wire codes onto the @memfabric/errors codes', () => {
    expect(errorCodeOf('validation_failed', 400)).toBe('validation_failed');
    expect(errorCodeOf('malformed_json', 400)).toBe('validation_failed');
    expect(errorCodeOf('unsupported_media_type', 415)).toBe('validation_failed');
    expect(errorCodeOf('http_401', 401)).toBe('unauthenticated');
    expect(errorCodeOf('http_403', 403)).toBe('forbidden');
    expect(errorCodeOf('http_429', 429)).toBe('rate_limited');
    expect(errorCodeOf('method_not_allowed', 405)).toBe('not_found');
    expect(errorCodeOf('http_502', 502)).toBe('unavailable');
    expect(errorCodeOf('http_418', 418)).toBe('internal');
  });

  it('is a MemfabricError carrying every problem member', () => {
    const problem = readProblem(400, 'Bad Request', JSON.stringify({ type: 'urn:memfabric:problem:validation_failed', title: 'Request validation failed', status: 400, detail: 'bad', code: 'validation_failed', retriable: false, errors: [{ pointer: '/k', detail: 'must be at most 100' }] }));
    const error = new MemfabricApiError(problem, call);
    expect(MemfabricError.is(error)).toBe(true);
    expect(MemfabricApiError.isApiError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'validation_failed', status: 400, retriable: false, title: 'Request validation failed', detail: 'bad', problemCode: 'validation_failed' });
    expect(error.problems).toEqual([{ pointer: '/k', detail: 'must be at most 100' }]);
    expect(error.message).toBe('POST http://127.0.0.1:1/v1/events failed with 400 Request validation failed: bad');
  });

  it('converts to the hierarchy class its code names, keeping itself as the cause', () => {
    const validation = new MemfabricApiError(readProblem(400, '', JSON.stringify({ code: 'validation_failed', errors: [{ pointer: '/query', detail: 'is required' }] })), call).toMemfabricError();
    expect(validation).toBeInstanceOf(ValidationError);
    expect((validation as ValidationError).problems).toEqual([{ pointer: '/query', detail: 'is required' }]);
    expect(validation.cause).toBeInstanceOf(MemfabricApiError);
    expect(new MemfabricApiError(readProblem(404, 'Not Found', ''), call).toMemfabricError()).toBeInstanceOf(NotFoundError);
    expect(new MemfabricApiError(readProblem(503, 'Service Unavailable', ''), call).toMemfabricError()).toBeInstanceOf(UnavailableError);
    const internal = new MemfabricApiError(readProblem(500, 'Internal Server Error', ''), call);
    expect(internal.toMemfabricError()).toBe(internal);
  });
});
