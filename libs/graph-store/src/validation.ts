import { ValidationError, type FieldProblem } from '@memfabric/errors';
import type { AsOf, ExtractionInput } from './port.js';
import type { Recorded } from './model.js';

/** Longest tenant id accepted, in characters. */
export const MAX_TENANT_LENGTH = 256;
/** Largest `limit` a query accepts. */
export const MAX_QUERY_LIMIT = 10_000;
/** `limit` of a query that gives none. */
export const DEFAULT_QUERY_LIMIT = 1000;

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Problems with a tenant id (empty when fine). */
export function tenantProblems(tenant: unknown, pointer = '/tenant'): FieldProblem[] {
  if (typeof tenant !== 'string' || tenant.length === 0 || tenant.length > MAX_TENANT_LENGTH) {
    return [{ pointer, detail: `tenant must be a non-empty string of at most ${MAX_TENANT_LENGTH} characters` }];
  }
  return [];
}

/** @throws ValidationError when `tenant` is not a non-empty string of at most 256 characters. */
export function assertTenant(tenant: unknown): asserts tenant is string {
  const problems = tenantProblems(tenant);
  if (problems.length > 0) throw new ValidationError('invalid tenant', problems);
}

/**
 * Checks one input to `applyExtraction(s)`: tenant, provenance (ids non-empty, times finite ms,
 * offset and partition non-negative integers) and the arrays of the extraction. The extraction's
 * content was validated against its JSON Schema when it was appended to the log.
 * @param prefix - JSON Pointer of the input, e.g. `/3` in a batch.
 */
export function extractionInputProblems(input: ExtractionInput, prefix = ''): FieldProblem[] {
  const problems = tenantProblems(input.tenant, `${prefix}/tenant`);
  const p = input.provenance as Partial<ExtractionInput['provenance']> | undefined;
  if (!p || typeof p !== 'object') return [...problems, { pointer: `${prefix}/provenance`, detail: 'provenance is required' }];
  for (const field of ['eventId', 'sourceEventId'] as const) {
    if (typeof p[field] !== 'string' || p[field].length === 0) problems.push({ pointer: `${prefix}/provenance/${field}`, detail: `${field} must be a non-empty string` });
  }
  for (const field of ['worldTime', 'recordedAt'] as const) {
    if (typeof p[field] !== 'number' || !Number.isFinite(p[field])) problems.push({ pointer: `${prefix}/provenance/${field}`, detail: `${field} must be a finite number of ms since the epoch` });
  }
  if (!isNonNegativeInteger(p.offset)) problems.push({ pointer: `${prefix}/provenance/offset`, detail: 'offset must be a non-negative integer' });
  if (p.partition !== undefined && !isNonNegativeInteger(p.partition)) problems.push({ pointer: `${prefix}/provenance/partition`, detail: 'partition must be a non-negative integer' });
  const x = input.extraction as Partial<ExtractionInput['extraction']> | undefined;
  if (!x || typeof x !== 'object') return [...problems, { pointer: `${prefix}/extraction`, detail: 'extraction is required' }];
  for (const field of ['entities', 'relations'] as const) {
    if (!Array.isArray(x[field])) problems.push({ pointer: `${prefix}/extraction/${field}`, detail: `${field} must be an array` });
  }
  return problems;
}

/** @throws ValidationError naming every bad field of every input (pointers `/<index>/...`). */
export function assertExtractionInputs(inputs: readonly ExtractionInput[]): void {
  const problems = inputs.flatMap((input, i) => extractionInputProblems(input, `/${i}`));
  if (problems.length > 0) throw new ValidationError(`invalid extraction input: ${problems[0]!.detail}`, problems);
}

/** Which records a bi-temporal read sees, from its {@link AsOf}. */
export type TransactionBound =
  | { readonly kind: 'now' }
  | { readonly kind: 'time'; readonly at: number }
  | { readonly kind: 'checkpoint'; readonly next: Readonly<Record<number, number>> };

/**
 * The bound of an `asOf` option (`now` when absent).
 * @throws ValidationError when `recordedAt` is not finite or a checkpoint/offset is not a non-negative integer.
 */
export function toBound(asOf: AsOf | undefined): TransactionBound {
  if (asOf === undefined) return { kind: 'now' };
  if ('recordedAt' in asOf) {
    if (typeof asOf.recordedAt !== 'number' || !Number.isFinite(asOf.recordedAt)) {
      throw new ValidationError('asOf.recordedAt must be a finite number of ms', [{ pointer: '/asOf/recordedAt', detail: 'must be a finite number of ms since the epoch' }]);
    }
    return { kind: 'time', at: asOf.recordedAt };
  }
  if ('checkpoint' in asOf) {
    const next: Record<number, number> = {};
    for (const [partition, offset] of Object.entries(asOf.checkpoint)) {
      if (!isNonNegativeInteger(Number(partition)) || !isNonNegativeInteger(offset)) {
        throw new ValidationError('asOf.checkpoint maps partitions to next offsets', [
          { pointer: `/asOf/checkpoint/${partition}`, detail: 'partition and next offset must be non-negative integers' },
        ]);
      }
      next[Number(partition)] = offset;
    }
    return { kind: 'checkpoint', next };
  }
  if ('offset' in asOf) {
    const partition = asOf.partition ?? 0;
    if (!isNonNegativeInteger(asOf.offset) || !isNonNegativeInteger(partition)) {
      throw new ValidationError('asOf.offset and asOf.partition must be non-negative integers', [{ pointer: '/asOf/offset', detail: 'must be a non-negative integer' }]);
    }
    return { kind: 'checkpoint', next: { [partition]: asOf.offset + 1 } };
  }
  throw new ValidationError('asOf needs recordedAt, checkpoint or offset', [{ pointer: '/asOf', detail: 'give recordedAt (ms), checkpoint or offset' }]);
}

/** True when a record was known at the bound: stored by that time, or before that checkpoint. */
export function isKnown(record: Recorded, bound: TransactionBound): boolean {
  switch (bound.kind) {
    case 'now':
      return true;
    case 'time':
      return record.recordedAt <= bound.at;
    case 'checkpoint':
      return record.offset < (bound.next[record.partition] ?? 0);
  }
}

/**
 * A query limit: the default when absent.
 * @throws ValidationError when not an integer in 1..10 000.
 */
export function toLimit(limit: number | undefined, field = 'limit'): number {
  if (limit === undefined) return DEFAULT_QUERY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new ValidationError(`${field} must be an integer from 1 to ${MAX_QUERY_LIMIT}`, [{ pointer: `/${field}`, detail: `must be an integer from 1 to ${MAX_QUERY_LIMIT}` }]);
  }
  return limit;
}

/** @throws ValidationError when `validAt` is given and not a finite number. */
export function assertValidAt(validAt: number | undefined): void {
  if (validAt !== undefined && (typeof validAt !== 'number' || !Number.isFinite(validAt))) {
    throw new ValidationError('validAt must be a finite number of ms', [{ pointer: '/validAt', detail: 'must be a finite number of ms since the epoch' }]);
  }
}

/** @throws ValidationError unless every id is a non-empty string. */
export function assertIds(ids: readonly string[], field: string): void {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id.length === 0)) {
    throw new ValidationError(`${field} must be an array of non-empty strings`, [{ pointer: `/${field}`, detail: 'must be an array of non-empty strings' }]);
  }
}
