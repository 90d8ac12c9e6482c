import { ValidationError } from '@memfabric/errors';
import { deriveValidity } from './invalidation.js';
import type { EntityRecord, FactRecord, FactRevision, FactStatement, MentionRecord } from './model.js';
import { byTransactionOrder } from './model.js';
import { canonicalName } from './names.js';
import type {
  EntityMention,
  FactQuery,
  GraphCounts,
  GraphEntity,
  GraphFact,
  GraphHistoryEntry,
  HistoryKind,
  MentionQuery,
  Neighbourhood,
  NeighbourQuery,
  TimeFilter,
} from './port.js';
import { assertIds, assertTenant, assertValidAt, isKnown, toBound, toLimit, type TransactionBound } from './validation.js';

/** The facts touching some entities, with everything needed to view them at any transaction time. */
export interface FactBundle {
  readonly facts: readonly FactRecord[];
  /** Every revision of those facts. */
  readonly revisions: readonly FactRevision[];
  /** Every statement of those facts. */
  readonly statements: readonly FactStatement[];
}

/**
 * Hints an adapter may use to load fewer facts (push into its WHERE clause). They only narrow:
 * the exact filter is applied afterwards by {@link viewFact}/{@link matchesFilter}.
 */
export interface FactPrefilter {
  /** Only facts recorded at or before this transaction time, ms. */
  readonly recordedAtMost?: number;
  /** Only facts with `validFrom <= validFromAtMost`, ms. */
  readonly validFromAtMost?: number;
  /** Only facts whose current `expiredAt` is null (never invalidated). */
  readonly currentOnly?: boolean;
}

/**
 * The reads a {@link GraphQueries} needs from an adapter. Every method reads one tenant only.
 */
export interface GraphReader {
  /** Facts whose subject or object is one of `entityIds`, with all their revisions and statements. */
  factsTouching(tenant: string, entityIds: readonly string[], prefilter: FactPrefilter): Promise<FactBundle>;
  entitiesById(tenant: string, ids: readonly string[]): Promise<EntityRecord[]>;
  entitiesByCanonicalName(tenant: string, names: readonly string[]): Promise<EntityRecord[]>;
  /**
   * Mentions of the entities recorded at or before `recordedAtMost` (ms, when given). With
   * `limit`, the first `limit` in transaction order (recordedAt, partition, offset, id); without,
   * all of them in any order.
   */
  mentionsOf(tenant: string, entityIds: readonly string[], recordedAtMost?: number, limit?: number): Promise<MentionRecord[]>;
  counts(tenant: string): Promise<GraphCounts>;
}

/** The public view of an entity record. */
export function toGraphEntity(entity: EntityRecord): GraphEntity {
  return {
    id: entity.id,
    name: entity.name,
    canonicalName: entity.canonicalName,
    type: entity.type,
    aliases: [...entity.aliases],
    recordedAt: entity.recordedAt,
  };
}

/** The public view of a mention record. */
export function toEntityMention(m: MentionRecord): EntityMention {
  return {
    entityId: m.entityId,
    eventId: m.eventId,
    sourceEventId: m.sourceEventId,
    surface: m.surface,
    start: m.start,
    end: m.end,
    worldTime: m.worldTime,
    recordedAt: m.recordedAt,
    partition: m.partition,
    offset: m.offset,
  };
}

/**
 * A fact as believed at a transaction-time bound: `undefined` when not yet recorded then;
 * otherwise its validity derived from the revisions known then and the statements known then.
 * Names are filled by the caller.
 */
export function viewFact(
  fact: FactRecord,
  revisions: readonly FactRevision[],
  statements: readonly FactStatement[],
  bound: TransactionBound,
  names: (id: string) => string,
): GraphFact | undefined {
  if (!isKnown(fact, bound)) return undefined;
  const validity = deriveValidity(
    fact.statedValidTo,
    revisions.filter((r) => r.factId === fact.id && isKnown(r, bound)),
  );
  const known = statements.filter((s) => s.factId === fact.id && isKnown(s, bound)).sort((a, b) => byTransactionOrder(a, b) || a.index - b.index);
  return {
    id: fact.id,
    subjectId: fact.subjectId,
    subjectName: names(fact.subjectId),
    predicate: fact.predicate,
    objectId: fact.objectId,
    objectName: names(fact.objectId),
    singleValued: fact.singleValued,
    validFrom: fact.validFrom,
    validTo: validity.validTo,
    recordedAt: fact.recordedAt,
    expiredAt: validity.expiredAt,
    invalidatedBy: validity.invalidatedBy,
    invalidated: validity.expiredAt !== null,
    events: [...new Set(known.map((s) => s.eventId))],
    sourceEvents: [...new Set(known.map((s) => s.sourceEventId))],
  };
}

/**
 * True when a viewed fact passes the world-time filter: with `validAt`, the fact holds then
 * (`validFrom <= validAt < validTo`); without, it is not invalidated unless `includeInvalidated`.
 */
export function matchesFilter(fact: GraphFact, filter: TimeFilter): boolean {
  if (filter.validAt !== undefined) return fact.validFrom <= filter.validAt && (fact.validTo === null || filter.validAt < fact.validTo);
  return filter.includeInvalidated === true || !fact.invalidated;
}

function byValidity(a: GraphFact, b: GraphFact): number {
  return a.validFrom - b.validFrom || a.recordedAt - b.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function checkFilter(filter: TimeFilter): TransactionBound {
  assertValidAt(filter.validAt);
  return toBound(filter.asOf);
}

function prefilterOf(filter: TimeFilter, bound: TransactionBound): FactPrefilter {
  return {
    ...(bound.kind === 'time' ? { recordedAtMost: bound.at } : {}),
    ...(filter.validAt !== undefined ? { validFromAtMost: filter.validAt } : {}),
    ...(bound.kind === 'now' && filter.validAt === undefined && filter.includeInvalidated !== true ? { currentOnly: true } : {}),
  };
}

function groupByFact<T extends { readonly factId: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(row.factId);
    if (list) list.push(row);
    else out.set(row.factId, [row]);
  }
  return out;
}

const HISTORY_ORDER: Readonly<Record<HistoryKind, number>> = { fact_added: 0, fact_supported: 1, fact_ended: 2, fact_invalidated: 3 };

/**
 * The read side of the port, written once over a {@link GraphReader}: bi-temporal filtering,
 * traversal, history. Adapters delegate their queries here so every backend answers alike.
 */
export class GraphQueries {
  constructor(private readonly reader: GraphReader) {}

  private async names(tenant: string, ids: Iterable<string>): Promise<Map<string, EntityRecord>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const entities = await this.reader.entitiesById(tenant, unique);
    return new Map(entities.filter((e) => e.tenant === tenant).map((e) => [e.id, e]));
  }

  private async visibleFacts(tenant: string, entityIds: readonly string[], filter: TimeFilter, bound: TransactionBound): Promise<GraphFact[]> {
    if (entityIds.length === 0) return [];
    const bundle = await this.reader.factsTouching(tenant, entityIds, prefilterOf(filter, bound));
    const facts = bundle.facts.filter((f) => f.tenant === tenant);
    const byId = await this.names(tenant, facts.flatMap((f) => [f.subjectId, f.objectId]));
    const name = (id: string) => byId.get(id)?.name ?? id;
    const revisions = groupByFact(bundle.revisions);
    const statements = groupByFact(bundle.statements);
    const out: GraphFact[] = [];
    for (const fact of facts) {
      const view = viewFact(fact, revisions.get(fact.id) ?? [], statements.get(fact.id) ?? [], bound, name);
      if (view && matchesFilter(view, filter)) out.push(view);
    }
    return out.sort(byValidity);
  }

  /** See `GraphStore.entitiesByName`. */
  async entitiesByName(tenant: string, names: readonly string[]): Promise<GraphEntity[]> {
    assertTenant(tenant);
    assertIds(names, 'names');
    const wanted = [...new Set(names.map(canonicalName).filter((n) => n.length > 0))];
    if (wanted.length === 0) return [];
    const found = new Map((await this.reader.entitiesByCanonicalName(tenant, wanted)).filter((e) => e.tenant === tenant).map((e) => [e.canonicalName, e]));
    return wanted.flatMap((n) => {
      const entity = found.get(n);
      return entity ? [toGraphEntity(entity)] : [];
    });
  }

  /** See `GraphStore.factsAbout`. */
  async factsAbout(tenant: string, entityIds: readonly string[], query: FactQuery = {}): Promise<GraphFact[]> {
    assertTenant(tenant);
    assertIds(entityIds, 'entityIds');
    const bound = checkFilter(query);
    const limit = toLimit(query.limit);
    return (await this.visibleFacts(tenant, [...new Set(entityIds)], query, bound)).slice(0, limit);
  }

  /** See `GraphStore.neighbours`. */
  async neighbours(tenant: string, entityIds: readonly string[], query: NeighbourQuery = {}): Promise<Neighbourhood> {
    assertTenant(tenant);
    assertIds(entityIds, 'entityIds');
    const hops = query.hops ?? 1;
    if (hops !== 1 && hops !== 2) throw new ValidationError('hops must be 1 or 2', [{ pointer: '/hops', detail: 'must be 1 or 2' }]);
    const bound = checkFilter(query);
    const limit = toLimit(query.limit);
    const mentionLimit = toLimit(query.mentionLimit, 'mentionLimit');

    const seeds = [...new Set(entityIds)];
    const visited = new Set(seeds);
    const facts = new Map<string, GraphFact>();
    let frontier = seeds;
    for (let hop = 0; hop < hops && frontier.length > 0 && facts.size < limit; hop += 1) {
      const next = new Set<string>();
      for (const fact of await this.visibleFacts(tenant, frontier, query, bound)) {
        if (facts.has(fact.id)) continue;
        if (facts.size >= limit) break;
        facts.set(fact.id, fact);
        for (const id of [fact.subjectId, fact.objectId]) {
          if (!visited.has(id)) {
            visited.add(id);
            next.add(id);
          }
        }
      }
      frontier = [...next];
    }
    const byId = await this.names(tenant, visited);
    const entities = [...visited].flatMap((id) => {
      const entity = byId.get(id);
      return entity && isKnown(entity, bound) ? [toGraphEntity(entity)] : [];
    });
    const mentions = await this.mentions(tenant, entities.map((e) => e.id), bound, mentionLimit);
    return { entities, facts: [...facts.values()], mentions };
  }

  private async mentions(tenant: string, entityIds: readonly string[], bound: TransactionBound, limit: number): Promise<EntityMention[]> {
    if (entityIds.length === 0) return [];
    // a checkpoint bound filters after reading, so the limit can only be pushed down without one
    const rows = await this.reader.mentionsOf(tenant, entityIds, bound.kind === 'time' ? bound.at : undefined, bound.kind === 'checkpoint' ? undefined : limit);
    return rows
      .filter((m) => m.tenant === tenant && isKnown(m, bound))
      .sort((a, b) => byTransactionOrder(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map(toEntityMention);
  }

  /** See `GraphStore.mentionsOf`. */
  async mentionsOf(tenant: string, entityIds: readonly string[], query: MentionQuery = {}): Promise<EntityMention[]> {
    assertTenant(tenant);
    assertIds(entityIds, 'entityIds');
    const bound = toBound(query.asOf);
    return this.mentions(tenant, [...new Set(entityIds)], bound, toLimit(query.limit));
  }

  /** See `GraphStore.history`. */
  async history(tenant: string, entityId: string): Promise<GraphHistoryEntry[]> {
    assertTenant(tenant);
    assertIds([entityId], 'entityId');
    const bundle = await this.reader.factsTouching(tenant, [entityId], {});
    const facts = new Map(bundle.facts.filter((f) => f.tenant === tenant).map((f) => [f.id, f]));
    const byId = await this.names(tenant, [...facts.values()].flatMap((f) => [f.subjectId, f.objectId]));
    const name = (id: string) => byId.get(id)?.name ?? id;
    const entries: GraphHistoryEntry[] = [];
    const base = (fact: FactRecord) => ({
      factId: fact.id,
      subjectId: fact.subjectId,
      subjectName: name(fact.subjectId),
      predicate: fact.predicate,
      objectId: fact.objectId,
      objectName: name(fact.objectId),
    });
    const seen = new Set<string>();
    const statements = bundle.statements.filter((s) => facts.has(s.factId)).sort((a, b) => byTransactionOrder(a, b) || a.index - b.index);
    for (const s of statements) {
      const fact = facts.get(s.factId)!;
      const kind: HistoryKind = seen.has(fact.id) ? 'fact_supported' : 'fact_added';
      seen.add(fact.id);
      entries.push({
        kind,
        ...base(fact),
        validFrom: s.validFrom,
        validTo: s.validTo,
        recordedAt: s.recordedAt,
        partition: s.partition,
        offset: s.offset,
        eventId: s.eventId,
        sourceEventId: s.sourceEventId,
        byFactId: null,
      });
    }
    for (const r of bundle.revisions) {
      const fact = facts.get(r.factId);
      if (!fact) continue;
      entries.push({
        kind: `fact_${r.kind}`,
        ...base(fact),
        validFrom: fact.validFrom,
        validTo: r.validTo,
        recordedAt: r.recordedAt,
        partition: r.partition,
        offset: r.offset,
        eventId: r.eventId,
        sourceEventId: r.sourceEventId,
        byFactId: r.byFactId,
      });
    }
    return entries.sort(
      (a, b) => byTransactionOrder(a, b) || HISTORY_ORDER[a.kind] - HISTORY_ORDER[b.kind] || (a.factId < b.factId ? -1 : a.factId > b.factId ? 1 : 0),
    );
  }

  /** See `GraphStore.counts`. */
  async counts(tenant: string): Promise<GraphCounts> {
    assertTenant(tenant);
    return this.reader.counts(tenant);
  }
}
