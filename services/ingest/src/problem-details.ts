import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import { MemfabricError, type ErrorCode, type FieldProblem } from '@memfabric/errors';
import type { ProblemDetails } from '@memfabric/events';

export type { ProblemDetails } from '@memfabric/events';

/** Media type of every error response (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Prefix of every problem `type` URI; the stable code follows it. */
export const PROBLEM_TYPE_PREFIX = 'urn:memfabric:problem:';

/**
 * Codes of problems the HTTP layer raises itself, next to the {@link ErrorCode}s of the domain:
 * a body that is not JSON, a media type the route does not take, an aborted upload, or another
 * HTTP status (`http_<status>`).
 */
export type HttpProblemCode = 'malformed_json' | 'unsupported_media_type' | 'request_aborted' | 'bad_request' | 'method_not_allowed' | `http_${number}`;

/** Every `code` a problem response can carry. */
export type ProblemCode = ErrorCode | HttpProblemCode;

const TITLES: Readonly<Record<string, string>> = {
  validation_failed: 'Request validation failed',
  payload_too_large: 'Payload too large',
  not_found: 'Not found',
  idempotency_conflict: 'Idempotency key conflict',
  immutable_history: 'History is immutable',
  chain_broken: 'Hash chain broken',
  key_unavailable: 'Content key unavailable',
  configuration_invalid: 'Server misconfigured',
  unavailable: 'Service unavailable',
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  rate_limited: 'Too many requests',
  internal: 'Internal server error',
  malformed_json: 'Malformed JSON',
  unsupported_media_type: 'Unsupported media type',
  request_aborted: 'Request aborted',
  bad_request: 'Bad request',
  method_not_allowed: 'Method not allowed',
};

const HIDDEN_DETAIL = 'The server could not handle the request; the error has been logged.';

function problem(
  code: ProblemCode,
  status: number,
  detail: string,
  instance: string | undefined,
  retriable: boolean,
  errors?: readonly FieldProblem[],
): ProblemDetails {
  const body: ProblemDetails = {
    type: `${PROBLEM_TYPE_PREFIX}${code}`,
    title: TITLES[code] ?? STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    retriable,
  };
  if (instance !== undefined) body.instance = instance;
  if (errors !== undefined) body.errors = errors.map((e) => ({ pointer: e.pointer, detail: e.detail }));
  return body;
}

function codeForStatus(status: number): ProblemCode {
  switch (status) {
    case 400:
      return 'bad_request';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal' : `http_${status}`;
  }
}

const RETRIABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

/** An error raised by body-parser (`raw-body`/`http-errors`): it carries a `type` and a status. */
interface BodyParserError {
  readonly type: string;
  readonly status: number;
  readonly expose?: boolean;
  readonly limit?: number;
  readonly message: string;
}

function isBodyParserError(value: unknown): value is BodyParserError {
  if (!(value instanceof Error)) return false;
  const v = value as unknown as Record<string, unknown>;
  return typeof v.type === 'string' && typeof v.status === 'number' && /^[a-z]+(\.[a-z]+)+$/.test(v.type);
}

function fromBodyParser(error: BodyParserError, instance: string | undefined): ProblemDetails {
  switch (error.type) {
    case 'entity.too.large':
      return problem('payload_too_large', 413, `request body exceeds the limit of ${error.limit ?? '?'} bytes`, instance, false);
    case 'entity.parse.failed':
      return problem('malformed_json', 400, `request body is not valid JSON: ${error.message}`, instance, false);
    case 'encoding.invalid':
      return problem('bad_request', 400, error.message, instance, false);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem('unsupported_media_type', 415, error.message, instance, false);
    case 'request.aborted':
      return problem('request_aborted', 400, 'the client aborted the request body', instance, false);
    default: {
      const status = error.status >= 400 && error.status <= 599 ? error.status : 500;
      const exposed = status < 500 && error.expose === true;
      return problem(codeForStatus(status), status, exposed ? error.message : HIDDEN_DETAIL, instance, RETRIABLE_STATUSES.has(status));
    }
  }
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}

/**
 * Renders any thrown value as RFC 9457 problem details.
 *
 * - memfabric errors (recognised with `MemfabricError.is`, also across package copies) keep their
 *   `code`, `status` and `retriable`; a `ValidationError`'s field problems become `errors`.
 * - body-parser errors: `entity.too.large` -> 413 `payload_too_large`, `entity.parse.failed` ->
 *   400 `malformed_json`, `encoding.invalid` (a gzip/deflate/br body that does not decode, see
 *   `jsonBodyParser`) -> 400 `bad_request`, unsupported charset/encoding -> 415.
 * - Nest `HttpException`s keep their status; the code is derived from it.
 * - anything else -> 500 `internal`.
 *
 * The `detail` of a 5xx (other than `unavailable`) never carries the error's message, so
 * internals do not leak; log the original error instead.
 *
 * @param error - what was thrown.
 * @param instance - the request path, reported as `instance`.
 */
export function toProblemDetails(error: unknown, instance?: string): ProblemDetails {
  if (MemfabricError.is(error)) {
    const visible = error.status < 500 || error.code === 'unavailable';
    const problems = (error as { problems?: unknown }).problems;
    const errors = error.code === 'validation_failed' && Array.isArray(problems) ? (problems as FieldProblem[]) : undefined;
    return problem(error.code, error.status, visible ? error.message : HIDDEN_DETAIL, instance, error.retriable, errors);
  }
  if (isBodyParserError(error)) return fromBodyParser(error, instance);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const detail = status < 500 || status === 503 ? httpExceptionDetail(error) : HIDDEN_DETAIL;
    return problem(codeForStatus(status), status, detail, instance, RETRIABLE_STATUSES.has(status));
  }
  return problem('internal', 500, HIDDEN_DETAIL, instance, false);
}
