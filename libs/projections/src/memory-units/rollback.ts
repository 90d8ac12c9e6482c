import type { RollbackApplied } from '@memfabric/events';

/**
 * Rollback by filter: the pure pieces every projection shares, so the memory units, the vector
 * and lexical indexes and the graph agree on what a `rollback.applied` event covers and on when
 * a unit is hidden.
 *
 * A rollback never deletes: it records, per unit it covers, the interval of log positions during
 * which the unit is hidden — from the `rollback.applied` offset (inclusive) to the offset of the
 * `rollback.reverted` event that undid it (exclusive), open while not reverted. A unit is hidden
 * at a position when any of its intervals contains it, so repeated and overlapping rollbacks
 * compose as a union of intervals.
 */

/** The filter of a `rollback.applied` event (`data.filter`). */
export type RollbackFilter = RollbackApplied['filter'];

/** What {@link rollbackCovers} needs to know about a unit (a `MemoryUnit` has every field). */
export interface RollbackTarget {
  readonly tenantid: string;
  readonly streamid: string;
  /** Who wrote the creating event. */
  readonly actor: string;
  /** World time of the creating event (RFC 3339). */
  readonly time: string;
  /** Ingest batch of the creating event. */
  readonly batchid: string;
  /** Log offset of the creating event. */
  readonly createdOffset: number;
}

/** One rollback that covered a unit: the interval of log offsets during which it hides the unit. */
export interface UnitRollback {
  /** Id of the `rollback.applied` event. */
  readonly rollbackId: string;
  /** Offset of the `rollback.applied` event: hidden from here on (inclusive). */
  readonly offset: number;
  /** Transaction time of the `rollback.applied` event (RFC 3339 UTC). */
  readonly recordedat: string;
  /** Id of the `rollback.reverted` event, `null` while the rollback holds. */
  readonly revertedBy: string | null;
  /** Offset of that event: visible again from here on (inclusive); `null` while the rollback holds. */
  readonly revertedOffset: number | null;
  /** Transaction time of that event (RFC 3339 UTC). */
  readonly revertedAt: string | null;
}

/**
 * The highest log offset a `rollback.applied` event covers: its `data.uptoposition` when given,
 * else the offset just before the event itself (it cannot cover itself or anything after it).
 * @param eventOffset - offset of the `rollback.applied` event.
 */
export function rollbackUpTo(data: Pick<RollbackApplied, 'uptoposition'>, eventOffset: number): number {
  const own = eventOffset - 1;
  return data.uptoposition === undefined ? own : Math.min(data.uptoposition, own);
}

/**
 * True when a rollback with `filter`, bounded by `uptoposition`, covers `unit`: same tenant;
 * same actor, stream and ingest batch when the filter names them; world time `from <= time < to`
 * when the filter gives bounds (RFC 3339, compared as instants); and created at or below
 * `uptoposition` (a log offset, see {@link rollbackUpTo}). Pure; statuses are not looked at.
 */
export function rollbackCovers(filter: RollbackFilter, uptoposition: number, unit: RollbackTarget): boolean {
  if (unit.tenantid !== filter.tenantid) return false;
  if (unit.createdOffset > uptoposition) return false;
  if (filter.actor !== undefined && unit.actor !== filter.actor) return false;
  if (filter.streamid !== undefined && unit.streamid !== filter.streamid) return false;
  if (filter.batchid !== undefined && unit.batchid !== filter.batchid) return false;
  if (filter.from !== undefined || filter.to !== undefined) {
    const time = Date.parse(unit.time);
    if (filter.from !== undefined && !(time >= Date.parse(filter.from))) return false;
    if (filter.to !== undefined && !(time < Date.parse(filter.to))) return false;
  }
  return true;
}

/**
 * Problems with a rollback filter (empty when it is usable): the tenant must be the event's,
 * times must be RFC 3339 instants and `from` must be before `to`.
 */
export function rollbackFilterProblems(filter: unknown, tenantid: string): string[] {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return ['data.filter must be an object'];
  const f = filter as Record<string, unknown>;
  const problems: string[] = [];
  if (f.tenantid !== tenantid) problems.push(`data.filter.tenantid (${JSON.stringify(f.tenantid)}) must be the event's tenant ${tenantid}`);
  for (const key of ['actor', 'streamid', 'batchid', 'from', 'to'] as const) {
    if (f[key] !== undefined && typeof f[key] !== 'string') problems.push(`data.filter.${key} must be a string`);
  }
  for (const key of ['from', 'to'] as const) {
    if (typeof f[key] === 'string' && Number.isNaN(Date.parse(f[key]))) problems.push(`data.filter.${key} "${f[key]}" is not an RFC 3339 date-time`);
  }
  const from = typeof f.from === 'string' ? Date.parse(f.from) : Number.NaN;
  const to = typeof f.to === 'string' ? Date.parse(f.to) : Number.NaN;
  if (!Number.isNaN(from) && !Number.isNaN(to) && !(from < to)) {
    problems.push(`data.filter.to (${String(f.to)}) must be after data.filter.from (${String(f.from)})`);
  }
  return problems;
}

/** True while some rollback of `rollbacks` holds (is not reverted). */
export function heldByRollback(rollbacks: readonly UnitRollback[]): boolean {
  return rollbacks.some((r) => r.revertedOffset === null);
}

/** True when a rollback hides the unit at log offset `asOf`: `offset <= asOf < revertedOffset`. */
export function rolledBackAt(rollbacks: readonly UnitRollback[], asOf: number): boolean {
  return rollbacks.some((r) => r.offset <= asOf && (r.revertedOffset === null || r.revertedOffset > asOf));
}

/** The position and time of a rollback event. */
export interface RollbackPosition {
  readonly eventId: string;
  readonly offset: number;
  /** RFC 3339 UTC. */
  readonly recordedat: string;
}

/** `rollbacks` with rollback `at` added (unchanged when it is already there). */
export function addRollback(rollbacks: readonly UnitRollback[], at: RollbackPosition): readonly UnitRollback[] {
  if (rollbacks.some((r) => r.rollbackId === at.eventId)) return rollbacks;
  return [...rollbacks, { rollbackId: at.eventId, offset: at.offset, recordedat: at.recordedat, revertedBy: null, revertedOffset: null, revertedAt: null }];
}

/**
 * `rollbacks` with rollback `rollbackId` reverted at `at`; the same array when the unit was not
 * covered by it or it was already reverted (a second revert changes nothing).
 */
export function revertRollback(rollbacks: readonly UnitRollback[], rollbackId: string, at: RollbackPosition): readonly UnitRollback[] {
  if (!rollbacks.some((r) => r.rollbackId === rollbackId && r.revertedOffset === null)) return rollbacks;
  return rollbacks.map((r) =>
    r.rollbackId === rollbackId && r.revertedOffset === null ? { ...r, revertedBy: at.eventId, revertedOffset: at.offset, revertedAt: at.recordedat } : r,
  );
}
