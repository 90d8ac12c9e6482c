import type { StoredEvent } from '@memfabric/events';
import { extractionFromEvent, FACTS_EXTRACTED, type ExtractionInput } from '@memfabric/graph-store';
import { isDecidedType, type MemoryUnitStore, type UnitDecisionSource } from '@memfabric/projections';

/** Name of the temporal knowledge-graph projection (consumer groups `projection:graph:g<N>`). */
export const GRAPH_PROJECTION = 'graph';

/** Version of the graph projection's code (a change rebuilds the graph into a new generation). */
export const GRAPH_PROJECTION_VERSION = 4;

/** Events the graph projection reads: `facts.extracted` and the memory-unit decisions (erasures). */
export function graphAccepts(event: StoredEvent): boolean {
  return event.type === FACTS_EXTRACTED || isDecidedType(event);
}

/**
 * One write of the graph read model, in log order: the facts of consecutive `facts.extracted`
 * events (applied as one working set), or the purge of what erased units' events stated.
 */
export type GraphWrite =
  | { readonly kind: 'facts'; readonly inputs: readonly ExtractionInput[] }
  | {
      readonly kind: 'purge';
      readonly tenant: string;
      readonly eventIds: readonly string[];
      /** Transaction time of the purge, ms: the `recordedat` of the event that erased the units (never the wall clock). */
      readonly purgedAt: number;
    };

/** The writes of a batch per event id (a runtime may apply any in-order subset of the batch). */
export type GraphBatch = ReadonlyMap<string, GraphWrite>;

/** What {@link planGraphBatch} reads. */
export interface GraphPlanSources {
  readonly decisions: UnitDecisionSource;
  readonly units: Pick<MemoryUnitStore, 'getUnits'>;
}

/**
 * Plans the graph writes of a batch. Nothing of the unit lifecycle is folded here:
 * - a `facts.extracted` event is applied unless its source unit is `erased` in the memory-unit
 *   view (facts extracted after the erasure of their source are never written; an erasure is
 *   final, so the current view decides it);
 * - an event whose memory-unit decision erased units purges what those units' events stated
 *   (`purgeEvents`: mentions, facts only they stated, entities nobody else mentions; the
 *   affected timelines are replayed), at the erasing event's transaction time (`recordedat`),
 *   so a replay writes the same purge times.
 * Rollbacks, supersession and retraction write nothing here: graph readers keep a fact or
 * mention only while one of its source units is visible in the memory-unit view (the recall
 * graph channel admits units by their status, `graphVisibility` filters for other readers).
 * @throws UndecidedEventsError (retriable) while the memory-unit projection is behind the batch.
 */
export async function planGraphBatch(events: readonly StoredEvent[], sources: GraphPlanSources): Promise<GraphBatch> {
  const decisions = await sources.decisions.decisions(events);
  const extractions = new Map<string, ExtractionInput>();
  const sourcesOf = new Map<string, Set<string>>(); // tenant -> source event ids
  for (const event of events) {
    const input = extractionFromEvent(event);
    if (!input) continue;
    extractions.set(event.id, input);
    const set = sourcesOf.get(input.tenant) ?? new Set<string>();
    set.add(input.provenance.sourceEventId);
    sourcesOf.set(input.tenant, set);
  }
  const erasedSources = new Set<string>();
  for (const [tenant, ids] of sourcesOf) {
    const list = [...ids];
    for (let i = 0; i < list.length; i += 500) {
      for (const unit of await sources.units.getUnits(tenant, list.slice(i, i + 500))) if (unit.status === 'erased') erasedSources.add(unit.id);
    }
  }
  const batch = new Map<string, GraphWrite>();
  for (const event of events) {
    const input = extractions.get(event.id);
    if (input) {
      if (!erasedSources.has(input.provenance.sourceEventId)) batch.set(event.id, { kind: 'facts', inputs: [input] });
      continue;
    }
    const erased = decisions.get(event.id)?.transitions.filter((t) => t.status === 'erased' && !t.created).map((t) => t.id) ?? [];
    if (erased.length > 0) batch.set(event.id, { kind: 'purge', tenant: event.tenantid, eventIds: erased, purgedAt: Date.parse(event.recordedat) });
  }
  return batch;
}

/**
 * The writes for `events` (an in-order subset of the planned batch) in log order, consecutive
 * facts merged into one working set (flushed before a purge, so that it purges what came before).
 */
export function graphWritesFor(events: readonly StoredEvent[], batch: GraphBatch): GraphWrite[] {
  const out: GraphWrite[] = [];
  let facts: ExtractionInput[] = [];
  for (const event of events) {
    const write = batch.get(event.id);
    if (!write) continue;
    if (write.kind === 'facts') {
      facts.push(...write.inputs);
      continue;
    }
    if (facts.length > 0) out.push({ kind: 'facts', inputs: facts });
    facts = [];
    out.push(write);
  }
  if (facts.length > 0) out.push({ kind: 'facts', inputs: facts });
  return out;
}
