import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ChainBrokenError, IdempotencyConflictError, PayloadTooLargeError, UnavailableError, ValidationError } from '@memfabric/errors';
import { toProblemDetails } from './problem-details.js';

describe('toProblemDetails', () => {
  it('keeps a validation error field by field', () => {
    const problem = toProblemDetails(new ValidationError('2 invalid field(s)', [{ pointer: '/0/actor', detail: 'is required' }, { pointer: '/1/time', detail: 'must match format "date-time"' }]), '/v1/events');
    expect(problem).toEqual({
      type: 'urn:memfabric:problem:validation_failed',
      title: 'Request validation failed',
      status: 400,
      detail: '2 invalid field(s)',
      instance: '/v1/events',
      code: 'validation_failed',
      retriable: false,
      errors: [
        { pointer: '/0/actor', detail: 'is required' },
        { pointer: '/1/time', detail: 'must match format "date-time"' },
      ],
    });
  });

  it('maps memfabric errors by code, status and retriable', () => {
    expect(toProblemDetails(new PayloadTooLargeError('too big', 10, 11))).toMatchObject({ status: 413, code: 'payload_too_large', retriable: false });
    expect(toProblemDetails(new IdempotencyConflictError('reused'))).toMatchObject({ status: 409, code: 'idempotency_conflict' });
    expect(toProblemDetails(new UnavailableError('broker down'))).toMatchObject({ status: 503, code: 'unavailable', retriable: true, detail: 'broker down' });
  });

  it('recognises a memfabric error from another copy of the package', () => {
    const foreign = Object.assign(new Error('gone'), { code: 'not_found', status: 404, retriable: false, context: {} });
    Object.defineProperty(foreign, Symbol.for('memfabric.error'), { value: true });
    expect(toProblemDetails(foreign)).toMatchObject({ status: 404, code: 'not_found', detail: 'gone' });
  });

  it('never leaks the message of a server-side failure', () => {
    const unknown = toProblemDetails(new Error('SQLITE_CORRUPT at /secret/path/memfabric.db'));
    expect(unknown).toMatchObject({ status: 500, code: 'internal', retriable: false });
    expect(JSON.stringify(unknown)).not.toContain('secret');
    expect(JSON.stringify(toProblemDetails(new ChainBrokenError('stream x at /secret')))).not.toContain('secret');
    expect(toProblemDetails('a string was thrown')).toMatchObject({ status: 500, code: 'internal' });
  });

  it('maps body-parser errors', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, expose: true, limit: 2048 });
    expect(toProblemDetails(tooLarge)).toMatchObject({ status: 413, code: 'payload_too_large', detail: 'request body exceeds the limit of 2048 bytes' });
    const parse = Object.assign(new SyntaxError('Unexpected end of JSON input'), { type: 'entity.parse.failed', status: 400, expose: true });
    expect(toProblemDetails(parse)).toMatchObject({ status: 400, code: 'malformed_json', type: 'urn:memfabric:problem:malformed_json' });
    const charset = Object.assign(new Error('unsupported charset "LATIN1"'), { type: 'charset.unsupported', status: 415, expose: true });
    expect(toProblemDetails(charset)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    const undecodable = Object.assign(new Error('request body could not be decoded as Content-Encoding gzip: incorrect header check'), { type: 'encoding.invalid', status: 400, expose: true });
    expect(toProblemDetails(undecodable)).toMatchObject({ status: 400, code: 'bad_request', retriable: false, detail: expect.stringContaining('Content-Encoding gzip') as string });
    const encoding = Object.assign(new Error('unsupported content encoding "zstd"'), { type: 'encoding.unsupported', status: 415, expose: true });
    expect(toProblemDetails(encoding)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toProblemDetails(new NotFoundException('Cannot GET /x'))).toMatchObject({ status: 404, code: 'not_found', detail: 'Cannot GET /x', title: 'Not found' });
    expect(toProblemDetails(new BadRequestException(['a', 'b']))).toMatchObject({ status: 400, code: 'bad_request', detail: 'a; b' });
    expect(toProblemDetails(new ServiceUnavailableException())).toMatchObject({ status: 503, code: 'unavailable', retriable: true });
  });
});
