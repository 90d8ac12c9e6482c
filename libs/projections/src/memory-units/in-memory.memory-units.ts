import type { StoredEvent } from '@memfabric/events';
import { unitAsOf, type MemoryUnit } from './memory-unit.js';
import { InMemoryUnitDecisions, isDecidedType, type UnitTransition } from './decisions.js';
import { applyUnitChange, memoryUnitChanges, type MemoryUnitDecision } from './rules.js';
import { checkAsOf, checkUnitLookup, emptyCounts, normalizeListUnitsOptions, type ListUnitsOptions, type MemoryUnitCounts, type MemoryUnitStore, type StreamAnchor, type StreamNeighbourOptions } from './store.js';

/** An event the in-memory view refused, with the rules' reason. */
export interface RejectedEvent {
  readonly eventId: string;
  readonly offset: number;
  readonly reason: string;
}

/**
 * The memory-unit view folded in memory: `evolve(view, event)` with the rules of
 * {@link memoryUnitChanges}. It is the reference the SQLite projection is tested against and a
 * {@link MemoryUnitStore} for unit tests; it keeps every unit in a `Map` (not for production
 * volumes).
 */
export class InMemoryMemoryUnits implements MemoryUnitStore {
  private readonly units = new Map<string, MemoryUnit>();
  private readonly refused: RejectedEvent[] = [];
  /** The decision of every applied event of a memory-unit type (what read models consume). */
  readonly decisions = new InMemoryUnitDecisions();

  /** Events the rules rejected, in the order they were applied. */
  get rejected(): readonly RejectedEvent[] {
    return this.refused;
  }

  /** Applies events in log order; returns each event's decision. */
  applyAll(events: Iterable<StoredEvent>): MemoryUnitDecision[] {
    return [...events].map((event) => this.apply(event));
  }

  /** Applies one event (the next in log order) and returns what the rules decided. */
  apply(event: StoredEvent): MemoryUnitDecision {
    const decision = memoryUnitChanges(event, (id) => this.units.get(id));
    const transitions: UnitTransition[] = [];
    if (decision.outcome === 'rejected') this.refused.push({ eventId: event.id, offset: event.offset, reason: decision.reason });
    if (decision.outcome === 'changes') {
      for (const change of decision.changes) {
        if (change.type === 'created') {
          this.units.set(change.unit.id, change.unit);
          transitions.push({ id: change.unit.id, status: change.unit.status, created: true });
        } else if (change.type === 'erased' || change.type === 'rolled_back' || change.type === 'rollback_reverted') {
          for (const unit of this.all()) {
            const next = applyUnitChange(unit, change);
            if (next === unit) continue;
            this.units.set(unit.id, next);
            if (next.status !== unit.status) transitions.push({ id: next.id, status: next.status });
          }
        } else {
          const unit = this.units.get(change.id);
          if (!unit) continue;
          const next = applyUnitChange(unit, change);
          this.units.set(change.id, next);
          if (next.status !== unit.status) transitions.push({ id: next.id, status: next.status });
        }
      }
    }
    if (isDecidedType(event)) {
      this.decisions.record({
        eventId: event.id,
        tenantid: event.tenantid,
        transitions,
        ...(decision.outcome === 'rejected' ? { rejected: decision.reason } : {}),
      });
    }
    return decision;
  }

  /** Every unit of every tenant ordered by creating position (for equality checks). */
  all(): MemoryUnit[] {
    return [...this.units.values()].sort(byPosition);
  }

  getUnit(tenantid: string, id: string, options: { readonly asOf?: number } = {}): Promise<MemoryUnit | undefined> {
    return settle(() => {
      checkAsOf(options.asOf);
      const unit = this.units.get(id);
      if (!unit || unit.tenantid !== tenantid) return undefined;
      return options.asOf === undefined ? unit : unitAsOf(unit, options.asOf);
    });
  }

  getUnits(tenantid: string, ids: readonly string[], options: { readonly asOf?: number } = {}): Promise<MemoryUnit[]> {
    return settle(() => {
      checkUnitLookup({ ids, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) });
      return ids.flatMap((id) => {
        const unit = this.units.get(id);
        if (!unit || unit.tenantid !== tenantid) return [];
        const visible = options.asOf === undefined ? unit : unitAsOf(unit, options.asOf);
        return visible ? [visible] : [];
      });
    });
  }

  streamNeighbours(tenantid: string, streamid: string, offset: number, options: StreamNeighbourOptions): Promise<MemoryUnit[]> {
    return settle(() => {
      checkUnitLookup({ offset, before: options.before, after: options.after, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) });
      return this.neighboursSync(tenantid, streamid, offset, options);
    });
  }

  streamNeighbourhoods(tenantid: string, anchors: readonly StreamAnchor[], options: StreamNeighbourOptions): Promise<MemoryUnit[][]> {
    return settle(() => {
      checkUnitLookup({ anchors, before: options.before, after: options.after, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) });
      return anchors.map((a) => this.neighboursSync(tenantid, a.streamid, a.offset, options));
    });
  }

  private neighboursSync(tenantid: string, streamid: string, offset: number, options: StreamNeighbourOptions): MemoryUnit[] {
    const visible = this.all().flatMap((stored) => {
      if (stored.tenantid !== tenantid || stored.streamid !== streamid) return [];
      const unit = options.asOf === undefined ? stored : unitAsOf(stored, options.asOf);
      return unit ? [unit] : [];
    });
    const before = visible.filter((u) => u.createdOffset < offset);
    const after = visible.filter((u) => u.createdOffset > offset);
    return [...before.slice(Math.max(0, before.length - options.before)), ...after.slice(0, options.after)];
  }

  listUnits(tenantid: string, options: ListUnitsOptions = {}): Promise<MemoryUnit[]> {
    return settle(() => this.listSync(tenantid, options));
  }

  private listSync(tenantid: string, options: ListUnitsOptions): MemoryUnit[] {
    const o = normalizeListUnitsOptions(options);
    const out: MemoryUnit[] = [];
    for (const stored of this.all()) {
      const unit = o.asOf === undefined ? stored : unitAsOf(stored, o.asOf);
      if (!unit || unit.tenantid !== tenantid) continue;
      if (o.streamid !== undefined && unit.streamid !== o.streamid) continue;
      if (o.actor !== undefined && unit.actor !== o.actor) continue;
      if (o.datasubject !== undefined && unit.datasubject !== o.datasubject) continue;
      if (o.memorytype !== undefined && unit.memorytype !== o.memorytype) continue;
      if (o.statuses !== undefined && !o.statuses.includes(unit.status)) continue;
      if (o.afterOffset !== undefined && unit.createdOffset <= o.afterOffset) continue;
      out.push(unit);
      if (out.length >= o.limit) break;
    }
    return out;
  }

  countUnits(tenantid: string, options: { readonly asOf?: number } = {}): Promise<MemoryUnitCounts> {
    return settle(() => this.countSync(tenantid, options));
  }

  private countSync(tenantid: string, options: { readonly asOf?: number }): MemoryUnitCounts {
    checkAsOf(options.asOf);
    const counts = emptyCounts();
    for (const stored of this.units.values()) {
      const unit = options.asOf === undefined ? stored : unitAsOf(stored, options.asOf);
      if (!unit || unit.tenantid !== tenantid) continue;
      counts.total += 1;
      counts[unit.status] += 1;
    }
    return counts;
  }
}

function byPosition(a: MemoryUnit, b: MemoryUnit): number {
  return a.createdOffset - b.createdOffset || a.createdPartition - b.createdPartition;
}

/** Runs `fn` and turns its result or its error into a promise (no synchronous throws). */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
