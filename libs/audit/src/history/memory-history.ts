import { NotFoundError } from '@memfabric/errors';
import { canonicalJson, type StoredEvent } from '@memfabric/events';
import { applyUnitChange, memoryUnitChanges, type MemoryUnit, type MemoryUnitDecision } from '@memfabric/projections';

/**
 * Where a memory stands after an event: the status of its current unit in the memory-unit view
 * (`active`, `superseded`, `retracted`, `rolled_back`, `erased`).
 */
export type MemoryVersionStatus = MemoryUnit['status'];

/** What an event did to the memory. */
export type MemoryChangeKind = 'created' | 'corrected' | 'retracted' | 'rolled_back' | 'rollback_reverted' | 'erased';

/**
 * The memory as one version shows it: its current unit (the head of the supersession chain
 * when the event was applied) and that unit's fields. Content fields are `null` once erased.
 */
export interface MemorySnapshot {
  /** The current unit of the memory (the latest correction, or the original). */
  readonly unitId: string;
  readonly status: MemoryVersionStatus;
  readonly text: string | null;
  readonly memorytype: MemoryUnit['memorytype'];
  readonly memoryid: string | null;
  readonly attributes: Readonly<Record<string, unknown>> | null;
  readonly confidence: number | null;
  /** World-time validity interval (RFC 3339 UTC), when asserted. */
  readonly validfrom: string | null;
  readonly validto: string | null;
  readonly speaker: string | null;
  readonly sourceref: string | null;
  /** Ids of the rollbacks holding the current unit (applied, not reverted). */
  readonly rolledBackBy: readonly string[];
}

/** One field that differs between consecutive versions. */
export interface FieldChange {
  readonly field: keyof MemorySnapshot;
  readonly before: unknown;
  readonly after: unknown;
}

/** One version of a memory: the event that made it and the memory after it. */
export interface MemoryVersion {
  /** 1-based version number. */
  readonly version: number;
  readonly eventId: string;
  /** Event type (`memory.corrected`, `rollback.applied`, ...). */
  readonly type: string;
  readonly change: MemoryChangeKind;
  /** Log position of the event (transaction time order). */
  readonly position: { readonly partition: number; readonly offset: number };
  /** Transaction time of the event (RFC 3339 UTC). */
  readonly recordedAt: string;
  /** World time of the event (RFC 3339). */
  readonly time: string;
  /** Who wrote the event. */
  readonly actor: string;
  /** Units of the memory the event changed or created. */
  readonly unitIds: readonly string[];
  /** Shortcuts of `state.status` and `state.text`. */
  readonly status: MemoryVersionStatus;
  readonly text: string | null;
  readonly state: MemorySnapshot;
  /** Fields that differ from the previous version (every non-null field for version 1). */
  readonly diff: readonly FieldChange[];
}

/** An event aimed at the memory that the memory-unit rules refused (it made no version). */
export interface RejectedChange {
  readonly eventId: string;
  readonly type: string;
  readonly position: { readonly partition: number; readonly offset: number };
  readonly recordedAt: string;
  readonly reason: string;
}

/** The history of one memory. */
export interface MemoryHistory {
  readonly tenantid: string;
  /** The unit id asked for. */
  readonly unitId: string;
  /** Every unit of the memory's supersession chain, oldest first. */
  readonly units: readonly string[];
  /** The memory after the last event read. */
  readonly current: MemorySnapshot;
  readonly versions: readonly MemoryVersion[];
  readonly rejected: readonly RejectedChange[];
  /** Offset of the last event read: the history is complete up to this position. */
  readonly throughOffset: number | null;
}

const SNAPSHOT_FIELDS: readonly (keyof MemorySnapshot)[] = [
  'unitId',
  'status',
  'text',
  'memorytype',
  'memoryid',
  'attributes',
  'confidence',
  'validfrom',
  'validto',
  'speaker',
  'sourceref',
  'rolledBackBy',
];

/**
 * The memory-unit view folded in a `Map` with the projection's own rules
 * ({@link memoryUnitChanges} and {@link applyUnitChange}), so history and state never re-derive
 * what the projection decides.
 */
export class UnitFold {
  readonly units = new Map<string, MemoryUnit>();

  /** Applies the next event in log order and returns the rules' decision. */
  apply(event: StoredEvent): MemoryUnitDecision {
    const decision = memoryUnitChanges(event, (id) => this.units.get(id));
    if (decision.outcome !== 'changes') return decision;
    for (const change of decision.changes) {
      if (change.type === 'created') this.units.set(change.unit.id, change.unit);
      else if ('id' in change) {
        const unit = this.units.get(change.id);
        if (unit) this.units.set(change.id, applyUnitChange(unit, change));
      } else {
        // erasure and rollbacks select units by a filter: every unit is offered the change
        for (const [id, unit] of this.units) {
          const next = applyUnitChange(unit, change);
          if (next !== unit) this.units.set(id, next);
        }
      }
    }
    return decision;
  }
}

/** Units linked to `unitId` by supersession, oldest first. */
function chainOf(units: ReadonlyMap<string, MemoryUnit>, unitId: string): string[] {
  const chain: string[] = [];
  let first = units.get(unitId)!;
  for (let hops = 0; first.supersedes !== null && units.has(first.supersedes) && hops < 10_000; hops += 1) first = units.get(first.supersedes)!;
  for (let unit: MemoryUnit | undefined = first, hops = 0; unit && hops < 10_000; hops += 1) {
    chain.push(unit.id);
    unit = unit.supersededBy === null ? undefined : units.get(unit.supersededBy);
  }
  return chain;
}

function changeKind(types: readonly string[], eventType: string): MemoryChangeKind {
  if (types.includes('erased')) return 'erased';
  if (types.includes('rolled_back')) return 'rolled_back';
  if (types.includes('rollback_reverted')) return 'rollback_reverted';
  if (types.includes('superseded') || eventType === 'memory.corrected') return 'corrected';
  if (types.includes('retracted')) return 'retracted';
  return 'created';
}

function targetOf(event: StoredEvent): string | undefined {
  const data = event.data;
  if (!data) return undefined;
  const value = event.type === 'memory.corrected' ? data['supersedes'] : event.type === 'memory.retracted' ? data['target'] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return canonicalJson(a) === canonicalJson(b);
}

/** The fields of `after` that differ from `before` (every non-empty field when there is no `before`). */
export function diffSnapshots(before: MemorySnapshot | undefined, after: MemorySnapshot): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of SNAPSHOT_FIELDS) {
    const b = before?.[field] ?? null;
    const a = after[field];
    if (before === undefined && (a === null || (Array.isArray(a) && a.length === 0))) continue;
    if (!same(b, a)) changes.push({ field, before: before === undefined ? null : b, after: a });
  }
  return changes;
}

/**
 * The history of a memory from the tenant's events: every event that created, corrected,
 * retracted, rolled back (or reverted a rollback of) or erased any unit of the memory's
 * supersession chain, in log order, each as a version with the memory after it and a diff
 * against the version before.
 *
 * The fold applies the memory-unit projection's rules ({@link memoryUnitChanges}), so the
 * history agrees with the view by construction (rollbacks select units with the rules'
 * `rollbackCovers`). Read from the log, after an erasure the events carry no data,
 * so no version shows erased content.
 *
 * @param events - the tenant's events in log order (other tenants' events are ignored).
 * @param unitId - any unit of the memory (the original or a correction).
 * @throws NotFoundError when no event of `tenantid` created the unit.
 */
export function memoryHistory(events: readonly StoredEvent[], tenantid: string, unitId: string): MemoryHistory {
  const own = events.filter((e) => e.tenantid === tenantid);
  const probe = new UnitFold();
  for (const event of own) probe.apply(event);
  if (!probe.units.has(unitId)) {
    throw new NotFoundError(`memory unit ${unitId} is not in tenant ${tenantid}`, { context: { tenantid, unitId } });
  }
  const chain = chainOf(probe.units, unitId);
  const members = new Set(chain);

  const fold = new UnitFold();
  const versions: MemoryVersion[] = [];
  const rejected: RejectedChange[] = [];
  let previous: MemorySnapshot | undefined;
  let head: string | undefined;

  const snapshot = (): MemorySnapshot => {
    const unit = fold.units.get(head!)!;
    return {
      unitId: unit.id,
      status: unit.status,
      text: unit.text,
      memorytype: unit.memorytype,
      memoryid: unit.memoryid,
      attributes: unit.attributes,
      confidence: unit.confidence,
      validfrom: unit.validfrom,
      validto: unit.validto,
      speaker: unit.speaker,
      sourceref: unit.sourceref,
      rolledBackBy: (unit.rollbacks ?? []).filter((r) => r.revertedOffset === null).map((r) => r.rollbackId),
    };
  };

  for (const event of own) {
    const before = chain.map((id) => fold.units.get(id));
    const decision = fold.apply(event);
    if (decision.outcome === 'rejected') {
      const target = targetOf(event);
      if (target !== undefined && members.has(target)) {
        rejected.push({ eventId: event.id, type: event.type, position: { partition: event.partition, offset: event.offset }, recordedAt: event.recordedat, reason: decision.reason });
      }
      continue;
    }
    if (decision.outcome !== 'changes') continue;
    const touched = chain.filter((id, i) => fold.units.get(id) !== before[i]);
    if (touched.length === 0) continue;
    for (const c of decision.changes) if (c.type === 'created' && members.has(c.unit.id)) head = c.unit.id;
    if (head === undefined) continue;
    const state = snapshot();
    versions.push({
      version: versions.length + 1,
      eventId: event.id,
      type: event.type,
      change: changeKind(decision.changes.map((c) => c.type), event.type),
      position: { partition: event.partition, offset: event.offset },
      recordedAt: event.recordedat,
      time: event.time,
      actor: event.actor,
      unitIds: touched,
      status: state.status,
      text: state.text,
      state,
      diff: diffSnapshots(previous, state),
    });
    previous = state;
  }
  return {
    tenantid,
    unitId,
    units: chain,
    current: previous!,
    versions,
    rejected,
    throughOffset: own.length > 0 ? own[own.length - 1]!.offset : null,
  };
}
