import type { RollbackApplied, StoredEvent } from '@memfabric/events';
import type { MemoryType, MemoryUnit, MemoryUnitStatus, TransactionPosition, UnitSourceType } from './memory-unit.js';
import { addRollback, heldByRollback, revertRollback, rollbackCovers, rollbackFilterProblems, rollbackUpTo, type RollbackFilter } from './rollback.js';

export * from './rollback.js';

/** Finds a unit by id in the view being built (sees the changes of earlier events). */
export type MemoryUnitLookup = (id: string) => MemoryUnit | undefined;

/** One change an event makes to the memory-unit view. */
export type MemoryUnitChange =
  /** A new unit (interaction recorded, memory asserted or corrected). */
  | { readonly type: 'created'; readonly unit: MemoryUnit }
  /** Unit `id` was replaced by the correcting unit `by`. */
  | { readonly type: 'superseded'; readonly id: string; readonly by: string; readonly at: TransactionPosition }
  /** Unit `id` was retracted by event `at.eventId`. */
  | { readonly type: 'retracted'; readonly id: string; readonly at: TransactionPosition }
  /** Every unit of `datasubject` in `tenantid` created before `at` loses its content. */
  | { readonly type: 'erased'; readonly tenantid: string; readonly datasubject: string; readonly at: TransactionPosition }
  /**
   * Rollback `at.eventId` hides every `active` or `rolled_back` unit that `filter` covers up to
   * offset `upto` (see `rollbackCovers`); a `rolled_back` unit records it too, so it stays
   * hidden while either rollback holds.
   */
  | { readonly type: 'rolled_back'; readonly filter: RollbackFilter; readonly upto: number; readonly at: TransactionPosition }
  /** Rollback `rollbackId` of `tenantid` was reverted by event `at.eventId`. */
  | { readonly type: 'rollback_reverted'; readonly tenantid: string; readonly rollbackId: string; readonly at: TransactionPosition };

/** What the memory-unit rules decide for one event. */
export type MemoryUnitDecision =
  | { readonly outcome: 'changes'; readonly changes: readonly MemoryUnitChange[] }
  /** The event type does not concern memory units (or the event changes nothing). */
  | { readonly outcome: 'ignored' }
  /** The event cannot be applied (dead-letter it); `reason` says why. */
  | { readonly outcome: 'rejected'; readonly reason: string };

/** Event types the memory-unit rules read; every other type is ignored. */
export const MEMORY_UNIT_EVENT_TYPES: readonly string[] = [
  'interaction.recorded',
  'memory.asserted',
  'memory.corrected',
  'memory.retracted',
  'rollback.applied',
  'rollback.reverted',
  'subject.erased',
];

const ASSERTED_TYPES: ReadonlySet<string> = new Set(['fact', 'preference', 'profile', 'event', 'instruction', 'summary']);
const KINDS: ReadonlySet<string> = new Set(['message', 'tool_call', 'tool_result', 'observation']);
const ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system', 'tool']);
/** Longest supersession chain followed before the rules give up (guards against cycles). */
const MAX_CHAIN = 10_000;
/** The `rollbacks` of a unit no rollback touched (shared, frozen). */
const NO_ROLLBACKS: MemoryUnit['rollbacks'] = Object.freeze([]);

class Rejection extends Error {}

/**
 * The memory-unit rules: the pure decision of what one event changes, given the view built
 * from the events before it. The SQLite handler and the in-memory view apply the same changes,
 * so both produce the same units (the given/when/then tests hold them to it).
 *
 * - `interaction.recorded` → one unit (id = event id, text = `data.content`, memory type
 *   `interaction`, kind/role/speaker from data, source reference = `data.sourceref ?? subject`).
 * - `memory.asserted` → one unit of the declared `memorytype`, text = `data.content`, valid
 *   time [`validfrom`, `validto`), attributes and confidence.
 * - `memory.corrected` → a new unit that supersedes the target's current version: when the
 *   target was already superseded, the head of its supersession chain is replaced (last
 *   correction wins). Memory type, memory id, attributes and validity not given in the
 *   correction are carried over from the replaced unit. The replaced unit becomes `superseded`
 *   at the correction's position (unless it was `erased`, which it stays).
 * - `memory.retracted` → the target's current version becomes `retracted` at that position;
 *   retracting an already retracted memory changes nothing.
 * - `subject.erased` → every earlier unit of that data subject in the tenant loses text,
 *   speaker, attributes and source reference and becomes `erased` (derived data is purged).
 * - `rollback.applied` → every unit the filter covers (`rollbackCovers`: tenant, and actor,
 *   stream, world-time range `[from, to)` and ingest batch when given; created at or below
 *   `data.uptoposition`, else before the rollback event) that is `active` or `rolled_back`
 *   becomes `rolled_back` and records the rollback (id, offset). Superseded, retracted and
 *   erased units are final and are left alone.
 * - `rollback.reverted` → every unit that rollback covered records the revert (offset) and is
 *   `active` again unless another rollback still holds it or it was superseded, retracted or
 *   erased meanwhile. Reverting an unknown rollback, or one already reverted, changes nothing.
 *
 * A correction or retraction of a `rolled_back` unit applies as to an active one (the unit is
 * superseded or retracted, and stays so after a revert). Rolling back a correction hides the
 * correcting unit; the unit it superseded stays superseded.
 *
 * Rejected (dead-lettered): a correction or retraction whose target is not a unit of the same
 * tenant, a correction of a retracted memory, a rollback whose filter names another tenant or
 * has an empty or unreadable time range, and data that does not have the schema's shape.
 *
 * An event read with `data: null` (its subject's key was destroyed before projection) still
 * creates its unit, `erased` and without content; an erased correction or retraction has no
 * readable target and changes nothing else. A rebuild after an erasure can therefore differ
 * from the incremental view in fields the erased content carried; no content survives either way.
 */
export function memoryUnitChanges(event: StoredEvent, lookup: MemoryUnitLookup): MemoryUnitDecision {
  try {
    switch (event.type) {
      case 'interaction.recorded':
      case 'memory.asserted':
        return created(newUnit(event, event.type));
      case 'memory.corrected':
        return corrected(event, lookup);
      case 'memory.retracted':
        return retracted(event, lookup);
      case 'subject.erased':
        return erased(event);
      case 'rollback.applied':
        return rolledBack(event);
      case 'rollback.reverted':
        return rollbackReverted(event);
      default:
        return { outcome: 'ignored' };
    }
  } catch (error) {
    if (error instanceof Rejection) return { outcome: 'rejected', reason: error.message };
    throw error;
  }
}

function created(unit: MemoryUnit, ...more: MemoryUnitChange[]): MemoryUnitDecision {
  return { outcome: 'changes', changes: [{ type: 'created', unit }, ...more] };
}

function positionOf(event: StoredEvent): TransactionPosition {
  return { eventId: event.id, partition: event.partition, offset: event.offset, recordedat: utc(event.recordedat, 'recordedat') };
}

/**
 * The unit an event creates, before any carry-over from a corrected unit. Built as one object
 * literal (no spreads): this runs once per projected event and spreading 30+ fields is slow.
 */
function newUnit(event: StoredEvent, eventtype: UnitSourceType): MemoryUnit {
  const data = event.data;
  const interaction = eventtype === 'interaction.recorded';
  let memorytype: MemoryType | null = null;
  let fields: Pick<MemoryUnit, 'memoryid' | 'kind' | 'role' | 'speaker' | 'text' | 'attributes' | 'confidence' | 'validfrom' | 'validto' | 'sourceref'>;
  if (data === null) {
    if (interaction) memorytype = 'interaction';
    fields = { memoryid: null, kind: null, role: null, speaker: null, text: null, attributes: null, confidence: null, validfrom: null, validto: null, sourceref: null };
  } else if (interaction) {
    memorytype = 'interaction';
    fields = {
      memoryid: null,
      kind: oneOf(data, 'kind', KINDS) as MemoryUnit['kind'],
      role: oneOf(data, 'role', ROLES) as MemoryUnit['role'],
      speaker: optionalString(data, 'speaker'),
      text: requiredString(data, 'content'),
      attributes: null,
      confidence: null,
      validfrom: null,
      validto: null,
      sourceref: optionalString(data, 'sourceref') ?? event.subject ?? null,
    };
  } else {
    if (eventtype === 'memory.asserted') memorytype = oneOf(data, 'memorytype', ASSERTED_TYPES) as MemoryType;
    const validfrom = optionalTime(data, 'validfrom');
    const validto = optionalTime(data, 'validto');
    if (validfrom !== null && validto !== null && validto <= validfrom) {
      throw new Rejection(`data.validto (${validto}) must be after data.validfrom (${validfrom})`);
    }
    fields = {
      memoryid: optionalString(data, 'memoryid'),
      kind: null,
      role: null,
      speaker: null,
      text: requiredString(data, 'content'),
      attributes: optionalObject(data, 'attributes'),
      confidence: optionalNumber(data, 'confidence'),
      validfrom,
      validto,
      sourceref: optionalString(data, 'sourceref') ?? event.subject ?? null,
    };
  }
  return {
    id: event.id,
    tenantid: event.tenantid,
    streamid: event.streamid,
    actor: event.actor,
    datasubject: event.datasubject,
    eventtype,
    memorytype,
    memoryid: fields.memoryid,
    kind: fields.kind,
    role: fields.role,
    speaker: fields.speaker,
    text: fields.text,
    attributes: fields.attributes,
    confidence: fields.confidence,
    validfrom: fields.validfrom,
    validto: fields.validto,
    time: utc(event.time, 'time'),
    recordedat: utc(event.recordedat, 'recordedat'),
    createdPartition: event.partition,
    createdOffset: event.offset,
    streamposition: event.streamposition,
    batchid: event.batchid,
    sourceref: fields.sourceref,
    status: data === null ? 'erased' : 'active',
    supersedes: null,
    supersededBy: null,
    invalidatedBy: null,
    invalidatedPartition: null,
    invalidatedOffset: null,
    invalidatedAt: null,
    erasedOffset: null,
    erasedAt: null,
    rollbacks: NO_ROLLBACKS,
  };
}

function corrected(event: StoredEvent, lookup: MemoryUnitLookup): MemoryUnitDecision {
  if (event.data === null) return created(newUnit(event, 'memory.corrected'));
  const target = resolveTarget(event, requiredString(event.data, 'supersedes'), 'supersedes', lookup);
  if (target.status === 'retracted') {
    throw new Rejection(`memory ${target.id} was retracted at offset ${String(target.invalidatedOffset)}; assert it again instead of correcting it`);
  }
  const own = newUnit(event, 'memory.corrected');
  const unit: MemoryUnit = {
    ...own,
    memorytype: target.memorytype ?? 'fact',
    memoryid: own.memoryid ?? target.memoryid,
    attributes: Object.hasOwn(event.data, 'attributes') ? own.attributes : target.attributes,
    confidence: target.confidence,
    validfrom: Object.hasOwn(event.data, 'validfrom') ? own.validfrom : target.validfrom,
    validto: Object.hasOwn(event.data, 'validto') ? own.validto : target.validto,
    supersedes: target.id,
  };
  if (unit.validfrom !== null && unit.validto !== null && unit.validto <= unit.validfrom) {
    throw new Rejection(`corrected validity interval is empty: validto ${unit.validto} is not after validfrom ${unit.validfrom}`);
  }
  return created(unit, { type: 'superseded', id: target.id, by: event.id, at: positionOf(event) });
}

function retracted(event: StoredEvent, lookup: MemoryUnitLookup): MemoryUnitDecision {
  if (event.data === null) return { outcome: 'ignored' };
  const target = resolveTarget(event, requiredString(event.data, 'target'), 'target', lookup);
  if (target.status === 'retracted') return { outcome: 'ignored' };
  return { outcome: 'changes', changes: [{ type: 'retracted', id: target.id, at: positionOf(event) }] };
}

function erased(event: StoredEvent): MemoryUnitDecision {
  if (event.data === null) return { outcome: 'ignored' };
  const datasubject = requiredString(event.data, 'datasubject');
  return { outcome: 'changes', changes: [{ type: 'erased', tenantid: event.tenantid, datasubject, at: positionOf(event) }] };
}

function rolledBack(event: StoredEvent): MemoryUnitDecision {
  if (event.data === null) return { outcome: 'ignored' };
  const problems = rollbackFilterProblems(event.data.filter, event.tenantid);
  if (problems.length > 0) throw new Rejection(problems.join('; '));
  const data = event.data as unknown as RollbackApplied;
  if (data.uptoposition !== undefined && (!Number.isSafeInteger(data.uptoposition) || data.uptoposition < 0)) {
    throw new Rejection('data.uptoposition must be a non-negative integer log offset');
  }
  return { outcome: 'changes', changes: [{ type: 'rolled_back', filter: data.filter, upto: rollbackUpTo(data, event.offset), at: positionOf(event) }] };
}

function rollbackReverted(event: StoredEvent): MemoryUnitDecision {
  if (event.data === null) return { outcome: 'ignored' };
  const rollbackId = requiredString(event.data, 'rollbackid');
  return { outcome: 'changes', changes: [{ type: 'rollback_reverted', tenantid: event.tenantid, rollbackId, at: positionOf(event) }] };
}

/** The status a unit has from its final states and its rollbacks (see `MemoryUnitStatus` precedence). */
function statusWith(unit: MemoryUnit, rollbacks: MemoryUnit['rollbacks']): MemoryUnitStatus {
  if (unit.status === 'erased' || unit.status === 'superseded' || unit.status === 'retracted') return unit.status;
  return heldByRollback(rollbacks) ? 'rolled_back' : 'active';
}

/** The current version of the unit `id` names: the head of its supersession chain. */
function resolveTarget(event: StoredEvent, id: string, field: string, lookup: MemoryUnitLookup): MemoryUnit {
  let unit = lookup(id);
  if (!unit || unit.tenantid !== event.tenantid) {
    throw new Rejection(`data.${field} ${id} is not a memory unit of tenant ${event.tenantid}`);
  }
  for (let hops = 0; unit.supersededBy !== null; hops += 1) {
    const next = lookup(unit.supersededBy);
    if (!next || hops >= MAX_CHAIN) throw new Rejection(`supersession chain of ${id} is broken at ${unit.id}`);
    unit = next;
  }
  return unit;
}

/**
 * Applies a `superseded`, `retracted`, `erased`, `rolled_back` or `rollback_reverted` change to
 * one unit (`created` changes are inserts and do not go through here). Returns the same object
 * when the change does not concern it (callers may compare by identity to skip writes).
 */
export function applyUnitChange(unit: MemoryUnit, change: Exclude<MemoryUnitChange, { type: 'created' }>): MemoryUnit {
  switch (change.type) {
    case 'superseded':
      if (unit.id !== change.id) return unit;
      return {
        ...unit,
        status: unit.status === 'erased' ? 'erased' : 'superseded',
        supersededBy: change.by,
        invalidatedBy: change.at.eventId,
        invalidatedPartition: change.at.partition,
        invalidatedOffset: change.at.offset,
        invalidatedAt: change.at.recordedat,
      };
    case 'retracted':
      if (unit.id !== change.id) return unit;
      return {
        ...unit,
        status: unit.status === 'erased' ? 'erased' : 'retracted',
        invalidatedBy: change.at.eventId,
        invalidatedPartition: change.at.partition,
        invalidatedOffset: change.at.offset,
        invalidatedAt: change.at.recordedat,
      };
    case 'erased':
      if (unit.tenantid !== change.tenantid || unit.datasubject !== change.datasubject || unit.createdOffset >= change.at.offset) {
        return unit;
      }
      return {
        ...unit,
        status: 'erased',
        text: null,
        speaker: null,
        attributes: null,
        sourceref: null,
        erasedOffset: unit.erasedOffset ?? change.at.offset,
        erasedAt: unit.erasedAt ?? change.at.recordedat,
      };
    case 'rolled_back': {
      // An erased unit is still covered: the rollback is recorded (history keeps it, and a
      // replay after the erasure, where the unit is erased from the start, records the same
      // rollbacks as the live projection did), but it stays erased.
      if (unit.status !== 'active' && unit.status !== 'rolled_back' && unit.status !== 'erased') return unit;
      if (!rollbackCovers(change.filter, change.upto, unit)) return unit;
      const rollbacks = addRollback(unit.rollbacks, change.at);
      if (rollbacks === unit.rollbacks) return unit;
      return { ...unit, status: unit.status === 'erased' ? 'erased' : 'rolled_back', rollbacks };
    }
    case 'rollback_reverted': {
      if (unit.tenantid !== change.tenantid) return unit;
      const rollbacks = revertRollback(unit.rollbacks, change.rollbackId, change.at);
      return rollbacks === unit.rollbacks ? unit : { ...unit, status: statusWith(unit, rollbacks), rollbacks };
    }
  }
}

const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** RFC 3339 to UTC with ms (`2024-01-01T00:00:00.000Z`); canonical input is returned as is. */
function utc(value: string, field: string): string {
  if (CANONICAL_UTC.test(value)) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Rejection(`${field} "${value}" is not an RFC 3339 date-time`);
  return new Date(ms).toISOString();
}

function requiredString(data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value !== 'string') throw new Rejection(`data.${field} must be a string`);
  return value;
}

function optionalString(data: Record<string, unknown>, field: string): string | null {
  const value = data[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new Rejection(`data.${field} must be a string`);
  return value;
}

function optionalNumber(data: Record<string, unknown>, field: string): number | null {
  const value = data[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Rejection(`data.${field} must be a finite number`);
  return value;
}

function optionalTime(data: Record<string, unknown>, field: string): string | null {
  const value = optionalString(data, field);
  return value === null ? null : utc(value, `data.${field}`);
}

function optionalObject(data: Record<string, unknown>, field: string): Record<string, unknown> | null {
  const value = data[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Rejection(`data.${field} must be an object`);
  return value as Record<string, unknown>;
}

function oneOf(data: Record<string, unknown>, field: string, allowed: ReadonlySet<string>): string {
  const value = requiredString(data, field);
  if (!allowed.has(value)) throw new Rejection(`data.${field} "${value}" is not one of ${[...allowed].join(', ')}`);
  return value;
}
