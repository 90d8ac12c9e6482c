import type { FactsExtracted } from '@memfabric/events';
import type { AppliedEventRecord, EntityRecord, FactRecord, FactRevision, FactStatement, MentionRecord } from './model.js';
import { byTransactionOrder, timelineKeyOf } from './model.js';
import type {
  ApplyResult,
  EntityMention,
  ExtractionInput,
  FactQuery,
  GraphCounts,
  GraphEntity,
  GraphFact,
  GraphHistoryEntry,
  GraphStore,
  MentionQuery,
  Neighbourhood,
  NeighbourQuery,
  Provenance,
  PurgeResult,
} from './port.js';
import { planPurge, purgeScope } from './purge.js';
import { GraphQueries, type FactBundle, type FactPrefilter, type GraphReader } from './queries.js';
import { assertExtractionInputs, assertIds, assertTenant } from './validation.js';
import { eventIdsByTenant, GraphWorkingSet, requirementsOf, unappliedInputs, type GraphChangeSet } from './working-set.js';

interface TenantGraph {
  readonly events: Map<string, AppliedEventRecord>;
  readonly entities: Map<string, EntityRecord>;
  readonly mentions: Map<string, MentionRecord>;
  readonly facts: Map<string, FactRecord>;
  readonly statements: Map<string, FactStatement>;
  readonly revisions: Map<string, FactRevision>;
}

/** Runs synchronous work and settles a promise with its result or error. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Options of {@link InMemoryGraphStore}. */
export interface InMemoryGraphStoreOptions {
  /** Transaction-time clock for purges, ms; default `Date.now`. */
  readonly clock?: () => number;
}

/**
 * The graph in process memory: the reference adapter of the port (unit tests, the contract
 * suite's own check, small embedded uses). Nothing survives the process.
 */
export class InMemoryGraphStore implements GraphStore {
  private readonly tenants = new Map<string, TenantGraph>();
  private readonly queries = new GraphQueries(new InMemoryReader(this.tenants));
  private readonly clock: () => number;

  constructor(options: InMemoryGraphStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  private graph(tenant: string): TenantGraph {
    let graph = this.tenants.get(tenant);
    if (!graph) {
      graph = { events: new Map(), entities: new Map(), mentions: new Map(), facts: new Map(), statements: new Map(), revisions: new Map() };
      this.tenants.set(tenant, graph);
    }
    return graph;
  }

  applyExtraction(tenant: string, extraction: FactsExtracted, provenance: Provenance): Promise<ApplyResult> {
    return this.applyExtractions([{ tenant, extraction, provenance }]).then((results) => results[0]!);
  }

  applyExtractions(inputs: readonly ExtractionInput[]): Promise<ApplyResult[]> {
    return settle(() => {
      assertExtractionInputs(inputs);
      const events: AppliedEventRecord[] = [];
      for (const [tenant, ids] of eventIdsByTenant(inputs)) {
        const g = this.graph(tenant);
        for (const id of ids) {
          const event = g.events.get(id);
          if (event) events.push(event);
        }
      }
      const entities: EntityRecord[] = [];
      const facts: FactRecord[] = [];
      const revisions: FactRevision[] = [];
      for (const [tenant, req] of requirementsOf(unappliedInputs(inputs, events))) {
        const g = this.graph(tenant);
        for (const id of req.entityIds) {
          const entity = g.entities.get(id);
          if (entity) entities.push(entity);
        }
        const keys = new Set(req.timelines.map(timelineKeyOf));
        const timelineFacts = [...g.facts.values()].filter((f) => keys.has(timelineKeyOf(f)));
        const ids = new Set(timelineFacts.map((f) => f.id));
        facts.push(...timelineFacts);
        revisions.push(...[...g.revisions.values()].filter((r) => ids.has(r.factId)));
      }
      const set = new GraphWorkingSet({ events, entities, facts, revisions });
      const results = inputs.map((input) => set.apply(input));
      this.write(set.changes());
      return results;
    });
  }

  private write(changes: GraphChangeSet): void {
    for (const e of changes.events) this.graph(e.tenant).events.set(e.eventId, e);
    for (const e of changes.entities) this.graph(e.tenant).entities.set(e.id, e);
    for (const m of changes.mentions) this.graph(m.tenant).mentions.set(m.id, m);
    for (const f of changes.facts) this.graph(f.tenant).facts.set(f.id, f);
    for (const s of changes.statements) this.graph(s.tenant).statements.set(`${s.eventId}:${s.index}`, s);
    for (const r of changes.revisions) this.graph(r.tenant).revisions.set(r.id, r);
  }

  purgeEvents(tenant: string, eventIds: readonly string[], purgedAt?: number): Promise<PurgeResult> {
    return settle(() => {
      assertTenant(tenant);
      assertIds(eventIds, 'eventIds');
      const g = this.graph(tenant);
      const ids = new Set(eventIds);
      const matched = [...g.events.values()].filter((e) => ids.has(e.eventId) || ids.has(e.sourceEventId));
      const matchedIds = new Set(matched.map((e) => e.eventId));
      const scope = purgeScope({
        events: matched,
        statements: [...g.statements.values()].filter((s) => matchedIds.has(s.eventId)),
        mentions: [...g.mentions.values()].filter((m) => matchedIds.has(m.eventId)),
      });
      const timelines = new Set(scope.timelines.map(timelineKeyOf));
      const entityIds = new Set(scope.entityIds);
      const plan = planPurge(
        {
          tenant,
          scope,
          statements: [...g.statements.values()].filter((s) => timelines.has(timelineKeyOf(s))),
          facts: [...g.facts.values()].filter((f) => timelines.has(timelineKeyOf(f))),
          mentions: [...g.mentions.values()].filter((m) => entityIds.has(m.entityId)),
          entities: [...g.entities.values()].filter((e) => entityIds.has(e.id)),
        },
        purgedAt ?? this.clock(),
      );
      const purged = new Set(plan.eventIds);
      for (const id of plan.eventIds) g.events.set(id, { ...g.events.get(id)!, purgedAt: plan.purgedAt });
      for (const [id, m] of g.mentions) if (purged.has(m.eventId)) g.mentions.delete(id);
      const removedFacts = new Set<string>();
      for (const [id, f] of g.facts) {
        if (timelines.has(timelineKeyOf(f))) {
          g.facts.delete(id);
          removedFacts.add(id);
        }
      }
      for (const [id, s] of g.statements) if (timelines.has(timelineKeyOf(s))) g.statements.delete(id);
      for (const [id, r] of g.revisions) if (removedFacts.has(r.factId)) g.revisions.delete(id);
      for (const f of plan.facts) g.facts.set(f.id, f);
      for (const s of plan.statements) g.statements.set(`${s.eventId}:${s.index}`, s);
      for (const r of plan.revisions) g.revisions.set(r.id, r);
      for (const id of plan.removeEntityIds) g.entities.delete(id);
      for (const e of plan.entities) g.entities.set(e.id, e);
      return plan.result;
    });
  }

  // ---- GraphStore queries ------------------------------------------------------------------

  entitiesByName(tenant: string, names: readonly string[]): Promise<GraphEntity[]> {
    return this.queries.entitiesByName(tenant, names);
  }

  factsAbout(tenant: string, entityIds: readonly string[], query?: FactQuery): Promise<GraphFact[]> {
    return this.queries.factsAbout(tenant, entityIds, query);
  }

  neighbours(tenant: string, entityIds: readonly string[], query?: NeighbourQuery): Promise<Neighbourhood> {
    return this.queries.neighbours(tenant, entityIds, query);
  }

  mentionsOf(tenant: string, entityIds: readonly string[], query?: MentionQuery): Promise<EntityMention[]> {
    return this.queries.mentionsOf(tenant, entityIds, query);
  }

  history(tenant: string, entityId: string): Promise<GraphHistoryEntry[]> {
    return this.queries.history(tenant, entityId);
  }

  counts(tenant: string): Promise<GraphCounts> {
    return this.queries.counts(tenant);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Reads of {@link InMemoryGraphStore} for {@link GraphQueries}. */
class InMemoryReader implements GraphReader {
  constructor(private readonly tenants: ReadonlyMap<string, TenantGraph>) {}

  factsTouching(tenant: string, entityIds: readonly string[], prefilter: FactPrefilter): Promise<FactBundle> {
    const g = this.tenants.get(tenant);
    if (!g) return Promise.resolve({ facts: [], revisions: [], statements: [] });
    const ids = new Set(entityIds);
    const facts = [...g.facts.values()].filter(
      (f) =>
        (ids.has(f.subjectId) || ids.has(f.objectId)) &&
        (prefilter.recordedAtMost === undefined || f.recordedAt <= prefilter.recordedAtMost) &&
        (prefilter.validFromAtMost === undefined || f.validFrom <= prefilter.validFromAtMost) &&
        (prefilter.currentOnly !== true || f.expiredAt === null),
    );
    const factIds = new Set(facts.map((f) => f.id));
    return Promise.resolve({
      facts,
      revisions: [...g.revisions.values()].filter((r) => factIds.has(r.factId)),
      statements: [...g.statements.values()].filter((s) => factIds.has(s.factId)),
    });
  }

  entitiesById(tenant: string, ids: readonly string[]): Promise<EntityRecord[]> {
    const g = this.tenants.get(tenant);
    return Promise.resolve(g ? ids.flatMap((id) => g.entities.get(id) ?? []) : []);
  }

  entitiesByCanonicalName(tenant: string, names: readonly string[]): Promise<EntityRecord[]> {
    const g = this.tenants.get(tenant);
    const wanted = new Set(names);
    return Promise.resolve(g ? [...g.entities.values()].filter((e) => wanted.has(e.canonicalName)) : []);
  }

  mentionsOf(tenant: string, entityIds: readonly string[], recordedAtMost?: number, limit?: number): Promise<MentionRecord[]> {
    const g = this.tenants.get(tenant);
    const ids = new Set(entityIds);
    const found = g ? [...g.mentions.values()].filter((m) => ids.has(m.entityId) && (recordedAtMost === undefined || m.recordedAt <= recordedAtMost)) : [];
    if (limit === undefined) return Promise.resolve(found);
    return Promise.resolve(found.sort((a, b) => byTransactionOrder(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit));
  }

  /** Sizes of the tenant's graph. */
  counts(tenant: string): Promise<GraphCounts> {
    const g = this.tenants.get(tenant);
    if (!g) return Promise.resolve({ entities: 0, facts: 0, invalidatedFacts: 0, mentions: 0, events: 0 });
    const facts = [...g.facts.values()];
    return Promise.resolve({
      entities: g.entities.size,
      facts: facts.length,
      invalidatedFacts: facts.filter((f) => f.expiredAt !== null).length,
      mentions: g.mentions.size,
      events: [...g.events.values()].filter((e) => e.purgedAt === null).length,
    });
  }
}
