import type { InteractionRecorded, MemoryAsserted } from '@memfabric/events';
import { rolledBackAt, type UnitRollback } from './rollback.js';

/** The projection name of the memory-unit read model. */
export const MEMORY_UNITS_PROJECTION = 'memory-units';

/**
 * Where a unit stands now:
 * - `active`: current, recall may return it;
 * - `superseded`: replaced by a `memory.corrected` unit (`supersededBy`);
 * - `retracted`: withdrawn by a `memory.retracted` event;
 * - `rolled_back`: hidden by a `rollback.applied` event that is not reverted (see `rollbacks`);
 *   a `rollback.reverted` event makes it `active` again unless another rollback still holds it;
 * - `erased`: its data subject was erased (crypto-shredding); text and personal fields are gone.
 *
 * Precedence when several apply: `erased`, then `superseded` / `retracted` (final), then
 * `rolled_back` (revertible), then `active`. Units are never deleted: recall excludes every
 * status but `active`, and an `asOf` query sees each unit as it was at that log position.
 */
export type MemoryUnitStatus = 'active' | 'superseded' | 'retracted' | 'rolled_back' | 'erased';

/** Every {@link MemoryUnitStatus}, in a fixed order. */
export const MEMORY_UNIT_STATUSES: readonly MemoryUnitStatus[] = ['active', 'superseded', 'retracted', 'rolled_back', 'erased'];

/** `interaction` for units from recorded interactions, else the asserted memory type. */
export type MemoryType = 'interaction' | MemoryAsserted['memorytype'];

/** Event types that create a unit. */
export type UnitSourceType = 'interaction.recorded' | 'memory.asserted' | 'memory.corrected';

/**
 * One memory unit: the smallest piece of memory recall returns. Its id is the id of the event
 * that created it. Bi-temporal: world time (`time`, and the validity interval `validfrom` /
 * `validto` when asserted) and transaction time (`recordedat` plus the log position
 * `createdPartition`/`createdOffset` at which the fabric learnt it, and `invalidated*` when it
 * stopped being current).
 *
 * Visible at log position P (inclusive, one partition): `createdOffset <= P`,
 * (`invalidatedOffset === null` or `invalidatedOffset > P`) and no rollback interval of
 * `rollbacks` contains P; see {@link unitAsOf}.
 */
export interface MemoryUnit {
  /** Id of the creating event (UUIDv7). */
  readonly id: string;
  readonly tenantid: string;
  readonly streamid: string;
  /** Who wrote the creating event. */
  readonly actor: string;
  /** Whose personal data the unit carries (erasure target). */
  readonly datasubject: string;
  /** Type of the creating event. */
  readonly eventtype: UnitSourceType;
  /** `null` only when the creating event was already erased when projected (type unknown). */
  readonly memorytype: MemoryType | null;
  /** Id of the asserted memory (`data.memoryid`), carried over by corrections. */
  readonly memoryid: string | null;
  /** Interaction kind (`message`, `tool_call`, ...); `null` for asserted memories. */
  readonly kind: InteractionRecorded['kind'] | null;
  /** Interaction role (`user`, `assistant`, ...); `null` for asserted memories. */
  readonly role: InteractionRecorded['role'] | null;
  /** Display name of the speaker (`data.speaker`). */
  readonly speaker: string | null;
  /** The text recall searches: `data.content`; `null` once erased. */
  readonly text: string | null;
  /** Structured fields of an asserted memory (`data.attributes`). */
  readonly attributes: Readonly<Record<string, unknown>> | null;
  /** Confidence of an asserted memory in [0, 1]. */
  readonly confidence: number | null;
  /** Start of the world-time validity interval (RFC 3339 UTC), when asserted. */
  readonly validfrom: string | null;
  /** End (exclusive) of the world-time validity interval (RFC 3339 UTC), when asserted. */
  readonly validto: string | null;
  /** World time of the creating event (RFC 3339 UTC, ms). */
  readonly time: string;
  /** Transaction time of the creating event (RFC 3339 UTC, ms). */
  readonly recordedat: string;
  /** Log partition of the creating event. */
  readonly createdPartition: number;
  /** Log offset of the creating event (0-based). */
  readonly createdOffset: number;
  /** 1-based position of the creating event in its stream. */
  readonly streamposition: number;
  /** Ingest batch of the creating event (rollback by batch). */
  readonly batchid: string;
  /** Reference in the source system: `data.sourceref`, else the event `subject`. */
  readonly sourceref: string | null;
  readonly status: MemoryUnitStatus;
  /** For a correction: id of the unit it superseded. */
  readonly supersedes: string | null;
  /** For a superseded unit: id of the correcting unit. */
  readonly supersededBy: string | null;
  /** Id of the event that superseded or retracted the unit. */
  readonly invalidatedBy: string | null;
  /** Partition of that event. */
  readonly invalidatedPartition: number | null;
  /** Offset of that event: the unit stops being visible at this position. */
  readonly invalidatedOffset: number | null;
  /** Transaction time of that event (RFC 3339 UTC). */
  readonly invalidatedAt: string | null;
  /** Offset of the `subject.erased` event that purged the unit. */
  readonly erasedOffset: number | null;
  /** Transaction time of that event (RFC 3339 UTC). */
  readonly erasedAt: string | null;
  /**
   * Every rollback that covered the unit, in the order applied, each with the offsets between
   * which it hid the unit (`offset` inclusive, `revertedOffset` exclusive, open while not
   * reverted). Empty for a unit no rollback touched. The unit is `rolled_back` while one of them
   * is not reverted (and nothing with a higher precedence applies).
   */
  readonly rollbacks: readonly UnitRollback[];
}

/** The log position and transaction time of an event that changed a unit. */
export interface TransactionPosition {
  readonly eventId: string;
  readonly partition: number;
  readonly offset: number;
  /** RFC 3339 UTC. */
  readonly recordedat: string;
}

/**
 * `unit` as it was at log offset `asOf` (inclusive), or `undefined` when it was not visible
 * then: created later, superseded/retracted at or before `asOf`, or hidden by a rollback
 * interval containing `asOf` (rolled back at or before `asOf` and not reverted by then). A
 * visible unit is returned `active` with the later invalidation cleared and only the rollbacks
 * applied by then (all reverted by then); an erased unit stays `erased` (erasure purges content
 * from every point-in-time view).
 */
export function unitAsOf(unit: MemoryUnit, asOf: number): MemoryUnit | undefined {
  if (unit.createdOffset > asOf) return undefined;
  if (unit.invalidatedOffset !== null && unit.invalidatedOffset <= asOf) return undefined;
  if (unit.rollbacks.length > 0 && rolledBackAt(unit.rollbacks, asOf)) return undefined;
  const laterRollback = unit.rollbacks.some((r) => r.offset > asOf || (r.revertedOffset !== null && r.revertedOffset > asOf));
  if (unit.invalidatedOffset === null && !laterRollback && (unit.status === 'active' || unit.status === 'erased')) return unit;
  return {
    ...unit,
    status: unit.status === 'erased' ? 'erased' : 'active',
    supersededBy: null,
    invalidatedBy: null,
    invalidatedPartition: null,
    invalidatedOffset: null,
    invalidatedAt: null,
    rollbacks: laterRollback ? unit.rollbacks.filter((r) => r.offset <= asOf) : unit.rollbacks,
  };
}
