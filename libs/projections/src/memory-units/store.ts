import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { MEMORY_UNIT_STATUSES, type MemoryType, type MemoryUnit, type MemoryUnitStatus } from './memory-unit.js';

/** Default and largest page size of {@link MemoryUnitStore.listUnits}. */
export const LIST_UNITS_LIMITS = { defaultLimit: 100, maxLimit: 10_000 } as const;

/** Filters of {@link MemoryUnitStore.listUnits}; all optional and combined with AND. */
export interface ListUnitsOptions {
  readonly streamid?: string;
  readonly actor?: string;
  readonly datasubject?: string;
  readonly memorytype?: MemoryType;
  /**
   * Only units with this status (or one of these). With `asOf`, the status the unit had at
   * that position (`active` or `erased`: units hidden then are not listed). Default: every
   * status, `rolled_back` included (recall asks for `active`).
   */
  readonly status?: MemoryUnitStatus | readonly MemoryUnitStatus[];
  /**
   * Transaction-time view: only units visible at this log offset (inclusive), each as it was
   * then (see `unitAsOf`). Offsets are those of the embedded log's single partition.
   */
  readonly asOf?: number;
  /** Cursor: only units created at offsets above this one. */
  readonly afterOffset?: number;
  /** Page size; default 100, at most 10 000. */
  readonly limit?: number;
}

/** Options of {@link MemoryUnitStore.streamNeighbours}. */
export interface StreamNeighbourOptions {
  /** How many units before the offset, 0..50. */
  readonly before: number;
  /** How many units after the offset, 0..50. */
  readonly after: number;
  /** Transaction-time view (log offset, inclusive). */
  readonly asOf?: number;
}

/** A position in a stream, for {@link MemoryUnitStore.streamNeighbourhoods}. */
export interface StreamAnchor {
  readonly streamid: string;
  /** Log offset (the creating position of a unit of that stream). */
  readonly offset: number;
}

/** Most anchors one {@link MemoryUnitStore.streamNeighbourhoods} call takes. */
export const MAX_STREAM_ANCHORS = 1000;

/**
 * Validates the arguments of {@link MemoryUnitStore.getUnits} / `streamNeighbours` /
 * `streamNeighbourhoods`.
 * @throws ValidationError naming each bad argument.
 */
export function checkUnitLookup(input: {
  readonly ids?: readonly string[];
  readonly offset?: number;
  readonly anchors?: readonly StreamAnchor[];
  readonly before?: number;
  readonly after?: number;
  readonly asOf?: number;
}): void {
  const problems: FieldProblem[] = [];
  if (input.anchors !== undefined) {
    if (input.anchors.length > MAX_STREAM_ANCHORS) problems.push({ pointer: '/anchors', detail: `at most ${MAX_STREAM_ANCHORS} anchors per call` });
    else input.anchors.forEach((a, i) => checkOffset(a.offset, `/anchors/${i}/offset`, problems));
  }
  if (input.ids !== undefined && input.ids.length > LIST_UNITS_LIMITS.maxLimit) {
    problems.push({ pointer: '/ids', detail: `at most ${LIST_UNITS_LIMITS.maxLimit} ids per call` });
  }
  checkOffset(input.offset, '/offset', problems);
  checkOffset(input.asOf, '/asOf', problems);
  for (const key of ['before', 'after'] as const) {
    const v = input[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0 || v > 50)) problems.push({ pointer: `/${key}`, detail: 'must be an integer from 0 to 50' });
  }
  if (problems.length > 0) throw new ValidationError('invalid memory-unit query', problems);
}

/** Units of a tenant per status. */
export interface MemoryUnitCounts {
  readonly total: number;
  readonly active: number;
  readonly superseded: number;
  readonly retracted: number;
  /**
   * Units hidden by a rollback that is not reverted. The stores of this package always fill it;
   * it is optional only so that counts built by hand before rollbacks existed still type-check.
   */
  readonly rolled_back?: number;
  readonly erased: number;
}

/**
 * Read side of the memory-unit projection. Every query is scoped to one tenant. The embedded
 * implementation (`SqliteMemoryUnitStore`) reads the projection's active generation; the
 * in-memory one (`InMemoryMemoryUnits`) folds events directly and serves the pure tests.
 */
export interface MemoryUnitStore {
  /**
   * One unit of `tenantid` by id (the creating event's id), or `undefined`.
   * @param options.asOf - log offset: the unit as it was then, `undefined` when not visible.
   */
  getUnit(tenantid: string, id: string, options?: { readonly asOf?: number }): Promise<MemoryUnit | undefined>;

  /**
   * Units of `tenantid` by id, in the order of `ids`; unknown ids (and, with `asOf`, units not
   * visible then) are left out. At most {@link LIST_UNITS_LIMITS}.maxLimit ids.
   * @throws ValidationError for a bad `asOf` or too many ids.
   */
  getUnits(tenantid: string, ids: readonly string[], options?: { readonly asOf?: number }): Promise<MemoryUnit[]>;
  /**
   * The units just before and just after log offset `offset` in one stream (the neighbouring
   * turns of a conversation), ordered by creating position; the unit at `offset` itself is not
   * included. With `asOf`, only units visible then, as they were then.
   * @throws ValidationError for a bad offset, `asOf`, or `before`/`after` outside 0..50.
   */
  streamNeighbours(tenantid: string, streamid: string, offset: number, options: StreamNeighbourOptions): Promise<MemoryUnit[]>;
  /**
   * {@link streamNeighbours} for several anchors in one read: element i holds the neighbours of
   * `anchors[i]`, exactly as `streamNeighbours(tenantid, anchors[i].streamid, anchors[i].offset,
   * options)` returns them.
   * @throws ValidationError for a bad offset, `asOf`, `before`/`after` outside 0..50 or more
   *   than {@link MAX_STREAM_ANCHORS} anchors.
   */
  streamNeighbourhoods(tenantid: string, anchors: readonly StreamAnchor[], options: StreamNeighbourOptions): Promise<MemoryUnit[][]>;
  /**
   * Units of `tenantid` ordered by creating log position.
   * @throws ValidationError for a bad limit, offset or status.
   */
  listUnits(tenantid: string, options?: ListUnitsOptions): Promise<MemoryUnit[]>;

  /**
   * Units of `tenantid` per status (with `asOf`: visible then, per status then).
   * @throws ValidationError for a bad offset.
   */
  countUnits(tenantid: string, options?: { readonly asOf?: number }): Promise<MemoryUnitCounts>;
}

/** {@link ListUnitsOptions} after validation, with defaults filled in. */
export interface NormalizedListUnitsOptions extends Omit<ListUnitsOptions, 'status' | 'limit'> {
  readonly statuses: readonly MemoryUnitStatus[] | undefined;
  readonly limit: number;
}

/**
 * Validates list options and fills in defaults.
 * @throws ValidationError naming each bad option (`/limit`, `/asOf`, `/afterOffset`, `/status`).
 */
export function normalizeListUnitsOptions(options: ListUnitsOptions = {}): NormalizedListUnitsOptions {
  const problems: FieldProblem[] = [];
  const limit = options.limit ?? LIST_UNITS_LIMITS.defaultLimit;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > LIST_UNITS_LIMITS.maxLimit) {
    problems.push({ pointer: '/limit', detail: `must be an integer from 1 to ${LIST_UNITS_LIMITS.maxLimit}` });
  }
  checkOffset(options.asOf, '/asOf', problems);
  checkOffset(options.afterOffset, '/afterOffset', problems);
  const statuses = options.status === undefined ? undefined : typeof options.status === 'string' ? [options.status] : options.status;
  for (const status of statuses ?? []) {
    if (!MEMORY_UNIT_STATUSES.includes(status)) {
      problems.push({ pointer: '/status', detail: `"${String(status)}" is not one of ${MEMORY_UNIT_STATUSES.join(', ')}` });
    }
  }
  if (problems.length > 0) throw new ValidationError('invalid memory-unit query', problems);
  return { ...options, statuses, limit };
}

/**
 * Validates an `asOf` offset.
 * @throws ValidationError when it is not a non-negative integer.
 */
export function checkAsOf(asOf: number | undefined): void {
  const problems: FieldProblem[] = [];
  checkOffset(asOf, '/asOf', problems);
  if (problems.length > 0) throw new ValidationError('invalid memory-unit query', problems);
}

function checkOffset(value: number | undefined, pointer: string, problems: FieldProblem[]): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    problems.push({ pointer, detail: 'must be a non-negative integer log offset' });
  }
}

/** Counts of zero. */
export function emptyCounts(): { total: number } & Record<MemoryUnitStatus, number> {
  return { total: 0, active: 0, superseded: 0, retracted: 0, rolled_back: 0, erased: 0 };
}
