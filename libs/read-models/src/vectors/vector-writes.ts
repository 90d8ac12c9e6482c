import { forgetTexts, type Embedder } from '@memfabric/embeddings';
import type { StoredEvent } from '@memfabric/events';
import type { MemoryUnit, MemoryUnitStore, UnitDecision, UnitDecisionSource, UnitTransition } from '@memfabric/projections';
import { unitKey, type UnitPayload, type UnitStatus, type VectorPoint } from '@memfabric/vector-index';

/** Name of the vector + lexical projection (consumer groups `projection:vectors:g<N>`). */
export const VECTOR_PROJECTION = 'vectors';

/** Version of the vector projection's code (a change rebuilds the indexes into a new generation). */
export const VECTOR_PROJECTION_VERSION = 5;

/** Event types the vector projection reads: those the memory-unit rules decide. */
export { isDecidedType as vectorAccepts } from '@memfabric/projections';

/**
 * One write of the vector + lexical read model, in log order:
 * - `upsert`: points of units created `active` with text (the same payload goes to the lexical
 *   index; the dense index also gets the vector);
 * - `status`: units whose status changed (superseded, retracted, rolled back, active again);
 * - `delete`: units erased (points and lexical documents go for good).
 */
export type VectorWrite =
  | { readonly kind: 'upsert'; readonly points: readonly VectorPoint[] }
  | { readonly kind: 'status'; readonly tenant: string; readonly ids: readonly string[]; readonly status: UnitStatus }
  | { readonly kind: 'delete'; readonly tenant: string; readonly ids: readonly string[] };

/** The writes of a batch, keyed by event id (a runtime may apply any in-order subset of the batch). */
export type VectorBatch = ReadonlyMap<string, readonly VectorWrite[]>;

/** What {@link planVectorBatch} reads. */
export interface VectorPlanSources {
  readonly embedder: Embedder;
  /** The memory-unit decisions (the one lifecycle decision; see `UnitDecision`). */
  readonly decisions: UnitDecisionSource;
  /** The memory units (text, speaker, times of a created unit). */
  readonly units: Pick<MemoryUnitStore, 'getUnits'>;
  /**
   * The points the generation holds now (`VectorIndex.get`). When given and the embedder can
   * forget (`Embedder.forget`, e.g. a persistent embedding cache), the texts of points about to
   * be deleted by an erasure are read here and forgotten by the embedder before the batch is
   * written, so no cached vector of an erased text outlives its point.
   */
  readonly indexed?: (tenant: string, ids: readonly string[]) => Promise<readonly UnitPayload[]>;
}

/** Ids per `getUnits` call (well under the store's limits). */
const UNIT_READ_CHUNK = 500;

/**
 * Plans the vector + lexical writes of a batch from the memory-unit decisions: nothing of the
 * lifecycle is folded here. A unit created `active` with text becomes a point keyed by the unit
 * id (= the creating event's id) whose text is the speaker-keyed `unitKey(speaker, text)`
 * (embedded here, so the embedding runs before any store transaction); a status transition sets
 * the point's status; an erasure deletes it. A rejected event writes nothing (the memory-unit
 * projection dead-letters it). A unit erased after its creation was decided has no text left
 * and gets no point (its erasure, later in the log, deletes nothing more).
 * @returns the writes per event id, in the order of `events`.
 * @throws UndecidedEventsError (retriable) while the memory-unit projection is behind the batch.
 */
export async function planVectorBatch(events: readonly StoredEvent[], sources: VectorPlanSources): Promise<VectorBatch> {
  const decisions = await sources.decisions.decisions(events);
  const created = new Map<string, string[]>(); // tenant -> unit ids created active
  for (const decision of decisions.values()) {
    for (const t of decision.transitions) {
      if (!t.created || t.status !== 'active') continue;
      const ids = created.get(decision.tenantid) ?? [];
      ids.push(t.id);
      created.set(decision.tenantid, ids);
    }
  }
  await forgetErased(decisions.values(), sources);
  const units = new Map<string, MemoryUnit>();
  for (const [tenant, ids] of created) {
    for (let i = 0; i < ids.length; i += UNIT_READ_CHUNK) {
      for (const unit of await sources.units.getUnits(tenant, ids.slice(i, i + UNIT_READ_CHUNK))) units.set(unit.id, unit);
    }
  }
  const keyed = [...units.values()].flatMap((u) => (u.text === null || u.text.trim() === '' ? [] : [{ unit: u, key: unitKey(u.speaker, u.text) }]));
  const vectors = keyed.length === 0 ? [] : await sources.embedder.embed(keyed.map((k) => k.key));
  const points = new Map<string, VectorPoint>(
    keyed.map(({ unit, key }, i) => [unit.id, { ...payloadOf(unit, key), vector: vectors[i]!, modelId: sources.embedder.modelId }]),
  );
  const batch = new Map<string, VectorWrite[]>();
  for (const event of events) {
    const decision = decisions.get(event.id);
    if (decision) batch.set(event.id, writesOf(decision, points));
  }
  return batch;
}

/**
 * Drops the embedder's cached vectors of the points an erasure in these decisions deletes
 * (their texts are read from the index, since the memory units have already lost theirs). Runs
 * before the batch is written: if the write then fails, the retry finds the points and forgets
 * again, so an erasure never leaves a cached vector behind a deleted point.
 */
async function forgetErased(decisions: Iterable<UnitDecision>, sources: VectorPlanSources): Promise<void> {
  if (!sources.indexed || !sources.embedder.forget) return;
  const erased = new Map<string, string[]>(); // tenant -> unit ids erased
  for (const decision of decisions) {
    for (const t of decision.transitions) {
      if (t.created || t.status !== 'erased') continue;
      const ids = erased.get(decision.tenantid) ?? [];
      ids.push(t.id);
      erased.set(decision.tenantid, ids);
    }
  }
  for (const [tenant, ids] of erased) {
    for (let i = 0; i < ids.length; i += UNIT_READ_CHUNK) {
      const points = await sources.indexed(tenant, ids.slice(i, i + UNIT_READ_CHUNK));
      await forgetTexts(sources.embedder, points.map((p) => p.text));
    }
  }
}

function payloadOf(unit: MemoryUnit, text: string): UnitPayload {
  return {
    id: unit.id,
    tenant: unit.tenantid,
    stream: unit.streamid,
    actor: unit.actor,
    worldTime: Date.parse(unit.validfrom ?? unit.time),
    txTime: Date.parse(unit.recordedat),
    offset: unit.createdOffset,
    status: 'active',
    text,
  };
}

/** The writes of one decision: upserts, then status runs and deletions in transition order. */
function writesOf(decision: UnitDecision, points: ReadonlyMap<string, VectorPoint>): VectorWrite[] {
  const writes: VectorWrite[] = [];
  const upserts: VectorPoint[] = [];
  let run: { status: UnitTransition['status']; ids: string[] } | undefined;
  const flush = () => {
    if (!run) return;
    writes.push(
      run.status === 'erased'
        ? { kind: 'delete', tenant: decision.tenantid, ids: run.ids }
        : { kind: 'status', tenant: decision.tenantid, ids: run.ids, status: run.status },
    );
    run = undefined;
  };
  for (const t of decision.transitions) {
    if (t.created) {
      const point = points.get(t.id);
      if (point) upserts.push(point);
      continue;
    }
    if (run && run.status !== t.status) flush();
    run ??= { status: t.status, ids: [] };
    run.ids.push(t.id);
  }
  flush();
  return upserts.length === 0 ? writes : [{ kind: 'upsert', points: upserts }, ...writes];
}

/** The writes for `events` (an in-order subset of the planned batch), flattened in log order. */
export function writesFor(events: readonly StoredEvent[], batch: VectorBatch): VectorWrite[] {
  return events.flatMap((e) => batch.get(e.id) ?? []);
}
