import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { assertSameModel } from './errors.js';
import { normalizeFilter, type NormalizedFilter } from './filter.js';
import { normalizeVector } from './vector-math.js';
import {
  MAX_K,
  UNIT_STATUSES,
  type EmbeddingModelRef,
  type LexicalDoc,
  type LexicalQuery,
  type SearchFilter,
  type UnitPayload,
  type UnitStatus,
  type VectorPoint,
  type VectorQuery,
} from './types.js';

/** Longest id, tenant, stream or actor accepted, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 512;

/** A point after validation: its vector is a unit-length copy. */
export interface PreparedPoint extends UnitPayload {
  readonly vector: Float32Array;
}

/** A vector query after validation. */
export interface PreparedVectorQuery {
  readonly tenant: string;
  /** Unit-length copy of the query vector. */
  readonly vector: Float32Array;
  readonly k: number;
  readonly filter: NormalizedFilter;
}

/** A lexical query after validation. */
export interface PreparedLexicalQuery {
  readonly tenant: string;
  readonly text: string;
  readonly k: number;
  readonly filter: NormalizedFilter;
}

/** `Array.isArray` without its narrowing of readonly arrays to `any[]`. */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

function fail(message: string, problems: FieldProblem[]): never {
  throw new ValidationError(`${message}: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`, problems);
}

function checkKey(value: unknown, pointer: string, problems: FieldProblem[]): void {
  if (typeof value !== 'string' || value.length === 0) problems.push({ pointer, detail: 'must be a non-empty string' });
  else if (value.length > MAX_KEY_LENGTH) problems.push({ pointer, detail: `must be at most ${MAX_KEY_LENGTH} characters` });
}

function checkTime(value: unknown, pointer: string, problems: FieldProblem[]): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) problems.push({ pointer, detail: 'must be an integer number of ms since the Unix epoch' });
}

function checkOffset(value: unknown, pointer: string, problems: FieldProblem[]): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) problems.push({ pointer, detail: 'must be a non-negative integer log offset' });
}

function isStatus(value: unknown): value is UnitStatus {
  return typeof value === 'string' && (UNIT_STATUSES as readonly string[]).includes(value);
}

function checkPayload(p: UnitPayload, at: string, problems: FieldProblem[]): void {
  checkKey(p.id, `${at}/id`, problems);
  checkKey(p.tenant, `${at}/tenant`, problems);
  checkKey(p.stream, `${at}/stream`, problems);
  checkKey(p.actor, `${at}/actor`, problems);
  checkTime(p.worldTime, `${at}/worldTime`, problems);
  checkTime(p.txTime, `${at}/txTime`, problems);
  checkOffset(p.offset, `${at}/offset`, problems);
  if (!isStatus(p.status)) problems.push({ pointer: `${at}/status`, detail: `must be one of ${UNIT_STATUSES.join(', ')}` });
  if (typeof p.text !== 'string') problems.push({ pointer: `${at}/text`, detail: 'must be a string' });
}

function checkVector(vector: unknown, dimension: number, pointer: string, problems: FieldProblem[]): void {
  if (!(vector instanceof Float32Array)) {
    problems.push({ pointer, detail: 'must be a Float32Array' });
    return;
  }
  if (vector.length !== dimension) {
    problems.push({ pointer, detail: `has ${vector.length} dimensions; the index's model has ${dimension}` });
    return;
  }
  let norm = 0;
  for (const x of vector) {
    if (!Number.isFinite(x)) {
      problems.push({ pointer, detail: 'contains a non-finite number' });
      return;
    }
    norm += x * x;
  }
  if (norm === 0) problems.push({ pointer, detail: 'is the zero vector (cosine similarity is undefined)' });
}

/** Keeps the last occurrence of each (tenant, id), preserving the order of last occurrences. */
function lastById<T extends { readonly id: string; readonly tenant: string }>(items: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    const key = `${item.tenant}\u0000${item.id}`;
    byId.delete(key);
    byId.set(key, item);
  }
  return [...byId.values()];
}

/**
 * Validates points for an upsert and returns them with unit-length vector copies; when an id
 * occurs twice in the batch the last one wins.
 * @throws EmbeddingModelMismatchError when a point's `modelId` is not `model.id`.
 * @throws ValidationError naming every bad field (`/points/<i>/<field>`).
 */
export function preparePoints(points: readonly VectorPoint[], model: EmbeddingModelRef): PreparedPoint[] {
  if (!isList(points)) fail('invalid upsert', [{ pointer: '/points', detail: 'must be an array' }]);
  const problems: FieldProblem[] = [];
  points.forEach((p, i) => {
    checkPayload(p, `/points/${i}`, problems);
    checkVector(p.vector, model.dimension, `/points/${i}/vector`, problems);
    if (typeof p.modelId !== 'string') problems.push({ pointer: `/points/${i}/modelId`, detail: 'must be a string' });
  });
  if (problems.length > 0) fail('invalid points', problems);
  for (const p of points) assertSameModel(model, { id: p.modelId, dimension: p.vector.length }, `upsert of point ${p.id}`);
  return lastById(points).map((p) => ({
    id: p.id,
    tenant: p.tenant,
    stream: p.stream,
    actor: p.actor,
    worldTime: p.worldTime,
    txTime: p.txTime,
    offset: p.offset,
    status: p.status,
    text: p.text,
    vector: normalizeVector(p.vector),
  }));
}

/**
 * Validates lexical documents for an upsert (extra fields such as a vector are dropped); when
 * an id occurs twice in the batch the last one wins.
 * @throws ValidationError naming every bad field (`/docs/<i>/<field>`).
 */
export function prepareDocs(docs: readonly LexicalDoc[]): LexicalDoc[] {
  if (!isList(docs)) fail('invalid upsert', [{ pointer: '/docs', detail: 'must be an array' }]);
  const problems: FieldProblem[] = [];
  docs.forEach((d, i) => checkPayload(d, `/docs/${i}`, problems));
  if (problems.length > 0) fail('invalid documents', problems);
  return lastById(docs).map((d) => ({
    id: d.id,
    tenant: d.tenant,
    stream: d.stream,
    actor: d.actor,
    worldTime: d.worldTime,
    txTime: d.txTime,
    offset: d.offset,
    status: d.status,
    text: d.text,
  }));
}

/**
 * Validates the arguments of `delete(tenant, ids)` / `setStatus(tenant, ids, status)` and
 * returns the ids deduplicated. Pass `status` for `setStatus`.
 * @throws ValidationError on an empty tenant, a non-array or a bad id, or an unknown status.
 */
export function prepareIds(tenant: string, ids: readonly string[], status?: { readonly value: unknown }): string[] {
  const problems: FieldProblem[] = [];
  checkKey(tenant, '/tenant', problems);
  if (!isList(ids)) problems.push({ pointer: '/ids', detail: 'must be an array of unit ids' });
  else ids.forEach((id, i) => checkKey(id, `/ids/${i}`, problems));
  if (status && !isStatus(status.value)) problems.push({ pointer: '/status', detail: `must be one of ${UNIT_STATUSES.join(', ')}` });
  if (problems.length > 0) fail('invalid arguments', problems);
  return [...new Set(ids)];
}

/**
 * Validates a tenant argument (`count(tenant)`).
 * @throws ValidationError on an empty or too long tenant.
 */
export function prepareTenant(tenant: string): string {
  const problems: FieldProblem[] = [];
  checkKey(tenant, '/tenant', problems);
  if (problems.length > 0) fail('invalid tenant', problems);
  return tenant;
}

function checkStringList(value: unknown, pointer: string, problems: FieldProblem[]): void {
  if (value === undefined) return;
  if (!isList(value) || (value as unknown[]).length === 0) {
    problems.push({ pointer, detail: 'must be a non-empty array (omit it to allow any)' });
    return;
  }
  (value as unknown[]).forEach((v, i) => checkKey(v, `${pointer}/${i}`, problems));
}

function checkRange(value: SearchFilter['worldTime'], pointer: string, problems: FieldProblem[]): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object') {
    problems.push({ pointer, detail: 'must be an object { from?, to? } of ms since the Unix epoch' });
    return;
  }
  if (value.from !== undefined) checkTime(value.from, `${pointer}/from`, problems);
  if (value.to !== undefined) checkTime(value.to, `${pointer}/to`, problems);
}

/**
 * Validates a search filter and applies its defaults.
 * @throws ValidationError naming every bad field (`/filter/<field>`).
 */
export function validateFilter(filter: SearchFilter | undefined, problems: FieldProblem[] = []): NormalizedFilter {
  const own = problems.length;
  if (filter !== undefined) {
    if (filter === null || typeof filter !== 'object') problems.push({ pointer: '/filter', detail: 'must be an object' });
    else {
      checkStringList(filter.streams, '/filter/streams', problems);
      checkStringList(filter.actors, '/filter/actors', problems);
      if (filter.statuses !== undefined) {
        if (!isList(filter.statuses) || filter.statuses.length === 0) {
          problems.push({ pointer: '/filter/statuses', detail: 'must be a non-empty array of statuses (omit it for active only)' });
        } else {
          filter.statuses.forEach((s, i) => {
            if (!isStatus(s)) problems.push({ pointer: `/filter/statuses/${i}`, detail: `must be one of ${UNIT_STATUSES.join(', ')}` });
          });
        }
      }
      checkRange(filter.worldTime, '/filter/worldTime', problems);
      checkRange(filter.txTime, '/filter/txTime', problems);
      if (filter.maxOffset !== undefined) checkOffset(filter.maxOffset, '/filter/maxOffset', problems);
    }
  }
  if (problems.length > own) fail('invalid filter', problems);
  return normalizeFilter(filter);
}

function checkK(k: unknown, problems: FieldProblem[]): void {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_K) problems.push({ pointer: '/k', detail: `must be an integer from 1 to ${MAX_K}` });
}

/**
 * Validates a nearest-neighbour query and returns it with a unit-length query vector.
 * @throws EmbeddingModelMismatchError when `query.modelId` is given and differs from `model.id`.
 * @throws ValidationError naming every bad field.
 */
export function prepareVectorQuery(query: VectorQuery, model: EmbeddingModelRef): PreparedVectorQuery {
  const problems: FieldProblem[] = [];
  checkKey(query.tenant, '/tenant', problems);
  checkK(query.k, problems);
  checkVector(query.vector, model.dimension, '/vector', problems);
  if (problems.length > 0) fail('invalid vector query', problems);
  if (query.modelId !== undefined) assertSameModel(model, { id: query.modelId }, 'vector query');
  const filter = validateFilter(query.filter);
  return { tenant: query.tenant, vector: normalizeVector(query.vector), k: query.k, filter };
}

/**
 * Validates a full-text query.
 * @throws ValidationError naming every bad field.
 */
export function prepareLexicalQuery(query: LexicalQuery): PreparedLexicalQuery {
  const problems: FieldProblem[] = [];
  checkKey(query.tenant, '/tenant', problems);
  checkK(query.k, problems);
  if (typeof query.text !== 'string') problems.push({ pointer: '/text', detail: 'must be a string' });
  if (problems.length > 0) fail('invalid lexical query', problems);
  const filter = validateFilter(query.filter);
  return { tenant: query.tenant, text: query.text, k: query.k, filter };
}

/**
 * Validates an embedding model reference given as configuration.
 * @returns the problems found (empty when valid), for the caller's ConfigurationError.
 */
export function modelProblems(model: EmbeddingModelRef | undefined): string[] {
  if (!model || typeof model !== 'object') return ['model is required: { id: string, dimension: number }'];
  const out: string[] = [];
  if (typeof model.id !== 'string' || model.id.length === 0) out.push('model.id must be a non-empty string (the embedding model id)');
  if (!Number.isInteger(model.dimension) || model.dimension < 1 || model.dimension > 65_536) {
    out.push('model.dimension must be an integer from 1 to 65536 (512 for USE lite)');
  }
  return out;
}
