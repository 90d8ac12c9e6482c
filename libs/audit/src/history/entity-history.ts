import { NotFoundError } from '@memfabric/errors';
import type { GraphEntity, GraphHistoryEntry, GraphStore, HistoryKind } from '@memfabric/graph-store';

/** One fact change of an entity's history, times as RFC 3339 UTC strings. */
export interface EntityHistoryEntry {
  /** 1-based, in transaction order. */
  readonly version: number;
  /** `fact_added`, `fact_supported`, `fact_invalidated` or `fact_ended`. */
  readonly kind: HistoryKind;
  readonly factId: string;
  readonly subject: { readonly id: string; readonly name: string };
  readonly predicate: string;
  readonly object: { readonly id: string; readonly name: string };
  /** World time (valid time): the interval the fact holds over; `validTo` null = open. */
  readonly validFrom: string | null;
  readonly validTo: string | null;
  /** Transaction time of the change. */
  readonly recordedAt: string;
  readonly position: { readonly partition: number; readonly offset: number };
  /** The `facts.extracted` event behind the change and the event it was extracted from. */
  readonly eventId: string;
  readonly sourceEventId: string;
  /** For `fact_invalidated`: the fact whose arrival invalidated this one. */
  readonly byFactId: string | null;
}

/** The history of one knowledge-graph entity. */
export interface EntityHistory {
  readonly tenantid: string;
  readonly entity: { readonly id: string; readonly name: string; readonly type: string; readonly aliases: readonly string[]; readonly recordedAt: string };
  readonly entries: readonly EntityHistoryEntry[];
}

/** ms to RFC 3339 UTC; `null` for an open bound, the far-past sentinel or a non-finite value. */
function iso(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms) || ms <= -8.64e15 || ms >= 8.64e15) return null;
  return new Date(ms).toISOString();
}

/** One graph history entry in the audit's shape. */
export function toEntityHistoryEntry(entry: GraphHistoryEntry, index: number): EntityHistoryEntry {
  return {
    version: index + 1,
    kind: entry.kind,
    factId: entry.factId,
    subject: { id: entry.subjectId, name: entry.subjectName },
    predicate: entry.predicate,
    object: { id: entry.objectId, name: entry.objectName },
    validFrom: iso(entry.validFrom),
    validTo: iso(entry.validTo),
    recordedAt: iso(entry.recordedAt) ?? new Date(entry.recordedAt).toISOString(),
    position: { partition: entry.partition, offset: entry.offset },
    eventId: entry.eventId,
    sourceEventId: entry.sourceEventId,
    byFactId: entry.byFactId,
  };
}

/**
 * The history of a knowledge-graph entity: every fact about it added, supported (stated again),
 * invalidated by a contradiction or ended, in transaction order, with valid and transaction
 * times. Reads the graph port (`GraphStore.history`); the graph itself never deletes a fact.
 * @throws NotFoundError when the entity is not in the tenant's graph.
 */
export async function entityHistory(graph: GraphStore, tenantid: string, entityId: string): Promise<EntityHistory> {
  const { entities } = await graph.neighbours(tenantid, [entityId], { hops: 1, limit: 1, mentionLimit: 1, includeInvalidated: true });
  const entity: GraphEntity | undefined = entities.find((e) => e.id === entityId);
  if (!entity) throw new NotFoundError(`entity ${entityId} is not in the knowledge graph of tenant ${tenantid}`, { context: { tenantid, entityId } });
  const entries = (await graph.history(tenantid, entityId)).map(toEntityHistoryEntry);
  return {
    tenantid,
    entity: { id: entity.id, name: entity.name, type: entity.type, aliases: entity.aliases, recordedAt: new Date(entity.recordedAt).toISOString() },
    entries,
  };
}
