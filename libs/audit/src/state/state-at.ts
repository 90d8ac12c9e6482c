import { ConfigurationError, ValidationError } from '@memfabric/errors';
import { INSTANT_RULE, parseInstant, type StoredEvent } from '@memfabric/events';
import type { EventLog } from '@memfabric/event-log';
import { extractionFromEvent, InMemoryGraphStore, type ExtractionInput, type GraphEntity, type GraphFact } from '@memfabric/graph-store';
import type { MemoryUnit, MemoryUnitCounts } from '@memfabric/projections';
import { UnitFold } from '../history/memory-history.js';

/** Which point of the log to reconstruct: a position or a transaction time, optionally one stream. */
export interface StatePoint {
  /**
   * Offset of the partition that holds the tenant's events (0 on the embedded log), inclusive:
   * the state after the event at this offset was applied.
   */
  readonly position?: number;
  /** Transaction time (RFC 3339): the state after the last event recorded at or before it. */
  readonly at?: string;
  /** Only the memory units and facts of this stream (the fold still reads the whole tenant). */
  readonly streamid?: string;
}

/** A rollback in force at the point (applied, not reverted), with the units it hid then. */
export interface RollbackInForce {
  /** Id of the `rollback.applied` event. */
  readonly id: string;
  readonly offset: number;
  readonly unitIds: readonly string[];
}

/** The memory units and facts of a tenant as they stood at one point of transaction time. */
export interface PointInTimeState {
  readonly tenantid: string;
  readonly streamid: string | null;
  /** Offset of the last event of the tenant applied, in the tenant's partition (`null`: the tenant had no event yet). */
  readonly position: number | null;
  /** Transaction time of that event. */
  readonly recordedAt: string | null;
  /** The requested point, echoed. */
  readonly requested: { readonly position: number | null; readonly at: string | null };
  /** Events of the tenant folded. */
  readonly eventsRead: number;
  /**
   * Memory units visible at the point, by creating position: what `MemoryUnitStore.listUnits`
   * answers with `asOf` = {@link position} (superseded, retracted and rolled-back units are
   * absent; erased units stay, without content).
   */
  readonly units: readonly MemoryUnit[];
  /** Every unit known at the point by the status it had then. */
  readonly counts: MemoryUnitCounts;
  /** Rollbacks applied and not reverted at the point; recall did not return their units then. */
  readonly rollbacks: readonly RollbackInForce[];
  /** Entities of the tenant's knowledge graph at the point (of the stream's facts and mentions with `streamid`). */
  readonly entities: readonly GraphEntity[];
  /** Facts known at the point, invalidated ones included (`invalidated` says which). */
  readonly facts: readonly GraphFact[];
}

/** Progress of a fold: events read so far and the offset reached. */
export type StateProgress = (read: number, offset: number) => void;

const PAGE = 1000;
/** Most ids per graph query (the graph port caps result sizes at 10 000). */
const ID_CHUNK = 500;

/**
 * Checks a {@link StatePoint}.
 * @throws ValidationError unless exactly one of `position` (integer >= 0) and `at` (an RFC 3339
 *   instant by `parseInstant` of `@memfabric/events`, the rule ingest applies) is given.
 */
export function validateStatePoint(point: StatePoint): void {
  const problems: { pointer: string; detail: string }[] = [];
  const hasPosition = point.position !== undefined;
  const hasAt = point.at !== undefined;
  if (hasPosition === hasAt) problems.push({ pointer: hasPosition ? '/at' : '/position', detail: 'give exactly one of position and at' });
  if (hasPosition && (!Number.isSafeInteger(point.position) || point.position < 0)) problems.push({ pointer: '/position', detail: 'must be a log offset, an integer >= 0' });
  if (hasAt && parseInstant(point.at) === undefined) problems.push({ pointer: '/at', detail: INSTANT_RULE });
  if (point.streamid !== undefined && (typeof point.streamid !== 'string' || point.streamid === '')) problems.push({ pointer: '/stream', detail: 'must not be empty' });
  if (problems.length > 0) throw new ValidationError(`invalid point in time: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems);
}

/**
 * Reconstructs the memory units and the knowledge graph of a tenant at a point of transaction
 * time from the log alone — never from the live projections — by folding the tenant's events
 * up to the point with the projections' own pure rules: the memory-unit rules into an
 * in-memory unit map and every `facts.extracted` event into an `InMemoryGraphStore`.
 *
 * `at` selects the last event of the tenant recorded at or before it; the log stamps
 * transaction time in log order (one writer per partition), so the fold stops at the first
 * event recorded later.
 *
 * Positions are offsets of the one partition that holds the tenant's events (the log must be
 * partitioned by tenant, so those offsets order them totally).
 *
 * @param log - any event log adapter (read with `readAll`, tenant-filtered, 1,000 per page).
 * @throws ValidationError on a malformed point (see {@link validateStatePoint}).
 * @throws ConfigurationError when the tenant's events are in several partitions (offsets of
 *   different partitions do not order events).
 */
export async function stateAt(log: EventLog, tenantid: string, point: StatePoint, onProgress?: StateProgress): Promise<PointInTimeState> {
  validateStatePoint(point);
  const atMs = point.at === undefined ? undefined : parseInstant(point.at);
  const fold = new UnitFold();
  const graph = new InMemoryGraphStore({ clock: () => 0 });
  const streamEvents = new Set<string>();
  const names = new Set<string>();
  const streamNames = new Set<string>();
  let last: StoredEvent | undefined;
  let read = 0;
  let from = {};
  let done = false;
  while (!done) {
    const page = await log.readAll({ from, limit: PAGE, tenantid });
    const inputs: ExtractionInput[] = [];
    for (const event of page.events) {
      if (event.tenantid !== tenantid) continue;
      if (last !== undefined && event.partition !== last.partition) {
        throw new ConfigurationError(
          `tenant ${tenantid} has events in partitions ${Math.min(last.partition, event.partition)} and ${Math.max(last.partition, event.partition)}: a point in time is an offset of the tenant's one partition; partition the log by tenant`,
        );
      }
      if (point.position !== undefined && event.offset > point.position) {
        done = true;
        break;
      }
      if (atMs !== undefined && Date.parse(event.recordedat) > atMs) {
        done = true;
        break;
      }
      fold.apply(event);
      if (point.streamid !== undefined && event.streamid === point.streamid) streamEvents.add(event.id);
      const extraction = extractionFromEvent(event);
      if (extraction) {
        inputs.push(extraction);
        const mentioned = [...extraction.extraction.entities.map((e) => e.name), ...extraction.extraction.relations.flatMap((r) => [r.subject, r.object])];
        for (const name of mentioned) names.add(name);
        if (streamEvents.has(extraction.provenance.sourceEventId) || streamEvents.has(event.id)) for (const name of mentioned) streamNames.add(name);
      }
      last = event;
      read += 1;
    }
    if (inputs.length > 0) await graph.applyExtractions(inputs);
    onProgress?.(read, last?.offset ?? -1);
    if (page.events.length < PAGE) done = true;
    from = page.next;
  }

  const scoped = [...fold.units.values()]
    .filter((u) => point.streamid === undefined || u.streamid === point.streamid)
    .sort((a, b) => a.createdOffset - b.createdOffset || a.createdPartition - b.createdPartition);
  const units = scoped.filter((u) => u.status === 'active' || u.status === 'erased');
  const counts: Record<string, number> = { total: 0, active: 0, superseded: 0, retracted: 0, rolled_back: 0, erased: 0 };
  const inForce = new Map<string, { id: string; offset: number; unitIds: string[] }>();
  for (const unit of scoped) {
    counts['total'] = (counts['total'] ?? 0) + 1;
    counts[unit.status] = (counts[unit.status] ?? 0) + 1;
    if (unit.status !== 'rolled_back') continue;
    for (const r of unit.rollbacks ?? []) {
      if (r.revertedOffset !== null) continue;
      const entry = inForce.get(r.rollbackId) ?? { id: r.rollbackId, offset: r.offset, unitIds: [] };
      entry.unitIds.push(unit.id);
      inForce.set(r.rollbackId, entry);
    }
  }

  const entityById = new Map<string, GraphEntity>();
  const wanted = [...(point.streamid === undefined ? names : streamNames)];
  for (let i = 0; i < wanted.length; i += ID_CHUNK) {
    for (const entity of await graph.entitiesByName(tenantid, wanted.slice(i, i + ID_CHUNK))) entityById.set(entity.id, entity);
  }
  const factById = new Map<string, GraphFact>();
  const ids = [...entityById.keys()];
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    for (const fact of await graph.factsAbout(tenantid, ids.slice(i, i + ID_CHUNK), { includeInvalidated: true, limit: 10_000 })) {
      if (point.streamid !== undefined && !fact.sourceEvents.some((id) => streamEvents.has(id))) continue;
      factById.set(fact.id, fact);
    }
  }
  const facts = [...factById.values()].sort((a, b) => a.recordedAt - b.recordedAt || a.id.localeCompare(b.id));
  const entities = [...entityById.values()].sort((a, b) => a.recordedAt - b.recordedAt || a.id.localeCompare(b.id));
  return {
    tenantid,
    streamid: point.streamid ?? null,
    position: last?.offset ?? null,
    recordedAt: last?.recordedat ?? null,
    requested: { position: point.position ?? null, at: point.at ?? null },
    eventsRead: read,
    units,
    counts: counts as unknown as MemoryUnitCounts,
    rollbacks: [...inForce.values()].sort((a, b) => a.offset - b.offset),
    entities,
    facts,
  };
}
