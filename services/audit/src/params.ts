import { ValidationError } from '@memfabric/errors';
import type { Request } from 'express';
import { CALLER_HEADER } from './audit.tokens.js';

const ID = /^[^\s/]{1,256}$/;

/**
 * A path or query identifier (tenant, unit, entity, stream): 1-256 characters, no whitespace or slash.
 * @throws ValidationError naming the parameter.
 */
export function identifier(value: unknown, pointer: string): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new ValidationError(`${pointer.replace(/^\//, '')} must be 1-256 characters without whitespace or "/"`, [{ pointer, detail: 'must be 1-256 characters without whitespace or "/"' }]);
  return value;
}

/** An optional query value that must appear at most once. @throws ValidationError when repeated. */
export function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`query parameter ${name} must be given once`, [{ pointer: `/query/${name}`, detail: 'must be given once' }]);
  return value;
}

/**
 * An optional non-negative integer query parameter.
 * @throws ValidationError unless it is digits only and at most `max`.
 */
export function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  const raw = single(value, name);
  if (raw === undefined) return undefined;
  const n = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ValidationError(`query parameter ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`, [{ pointer: `/query/${name}`, detail: `must be an integer from ${min} to ${max}` }]);
  }
  return n;
}

/**
 * An optional RFC 3339 instant query parameter (offset required).
 * @throws ValidationError otherwise.
 */
export function optionalInstant(value: unknown, name: string): string | undefined {
  const raw = single(value, name);
  if (raw === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(raw) || Number.isNaN(Date.parse(raw))) {
    throw new ValidationError(`query parameter ${name} must be an RFC 3339 date-time with an offset, such as 2024-03-01T12:00:00Z; got ${JSON.stringify(raw)}`, [{ pointer: `/query/${name}`, detail: 'must be an RFC 3339 date-time with an offset' }]);
  }
  return raw;
}

/** The reading principal from the `X-Memfabric-Caller` header (recorded in the read audit). */
export function callerOf(req: Request): string {
  const header = req.headers[CALLER_HEADER];
  return typeof header === 'string' && /^[\x21-\x7e]{1,256}$/.test(header) ? header : 'anonymous';
}
