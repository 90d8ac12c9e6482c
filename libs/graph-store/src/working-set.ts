import { decideStatement, deriveFactState, OPEN_START, type TimelineFact } from './invalidation.js';
import type {
  AppliedEventRecord,
  EntityRecord,
  EntityType,
  FactRecord,
  FactRevision,
  FactStatement,
  MentionRecord,
  RevisionKind,
  TimelineKey,
} from './model.js';
import { timelineKeyOf } from './model.js';
import { canonicalPredicate, displayName, entityId, factId, mergeEntityType } from './names.js';
import type { ApplyResult, ExtractionInput } from './port.js';
import { assertExtractionInputs } from './validation.js';

/** Most aliases kept per entity. */
export const MAX_ALIASES = 64;

/** What an adapter must load before applying a batch, per tenant. */
export interface TenantRequirements {
  /** `facts.extracted` event ids of the batch: which of them were already applied? */
  readonly eventIds: readonly string[];
  /** Entities the batch resolves to (ids are deterministic, so they are known before loading). */
  readonly entityIds: readonly string[];
  /** Timelines the batch states facts on: load every fact of each, with its revisions. */
  readonly timelines: readonly TimelineKey[];
}

/** The current records a batch needs, as an adapter loaded them. */
export interface GraphSnapshot {
  /** Applied (or purged) events among the requested ones. */
  readonly events: readonly Pick<AppliedEventRecord, 'tenant' | 'eventId'>[];
  readonly entities: readonly EntityRecord[];
  /** Every fact of the requested timelines. */
  readonly facts: readonly FactRecord[];
  /** Every revision of those facts. */
  readonly revisions: readonly FactRevision[];
}

/** An empty {@link GraphSnapshot}. */
export const EMPTY_SNAPSHOT: GraphSnapshot = { events: [], entities: [], facts: [], revisions: [] };

/**
 * What to write after applying a batch. Adapters write it in one transaction:
 * events, statements, revisions and mentions are inserted; entities and facts are upserted by id
 * (a fact's validity columns change when it is invalidated; an entity's type and aliases grow).
 */
export interface GraphChangeSet {
  readonly events: readonly AppliedEventRecord[];
  /** New and changed entities, each with its full alias list. */
  readonly entities: readonly EntityRecord[];
  readonly mentions: readonly MentionRecord[];
  /** New facts and facts whose validity changed. */
  readonly facts: readonly FactRecord[];
  readonly statements: readonly FactStatement[];
  readonly revisions: readonly FactRevision[];
}

/** A statement to record on a timeline: everything of a {@link FactStatement} but the fact it lands on. */
export type StatementInput = Omit<FactStatement, 'factId'>;

/** What recording one statement did. */
export type StatementOutcome = 'added' | 'supported' | 'skipped';

interface ResolvedRelation {
  readonly index: number;
  readonly subject: string;
  readonly object: string;
  readonly subjectCanonical: string;
  readonly objectCanonical: string;
  readonly predicate: string;
  readonly validFrom: number;
  readonly validTo: number | null;
  readonly singleValued: boolean;
}

function parseTime(value: string | undefined): number | null | undefined {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The relations of an input that can become statements, resolved to names and times; `undefined` for a skipped one. */
function resolveRelations(input: ExtractionInput): (ResolvedRelation | undefined)[] {
  return input.extraction.relations.map((relation, index) => {
    const subject = displayName(relation.subject);
    const object = displayName(relation.object);
    const predicate = canonicalPredicate(relation.predicate);
    const from = parseTime(relation.validfrom);
    const to = parseTime(relation.validto);
    if (!subject || !object || !predicate || from === undefined || to === undefined) return undefined;
    // a stated end at or before the event, without a start, says only when the fact ended
    const validFrom = from ?? (to !== null && to <= input.provenance.worldTime ? OPEN_START : input.provenance.worldTime);
    return {
      index,
      subject,
      object,
      subjectCanonical: subject.toLowerCase(),
      objectCanonical: object.toLowerCase(),
      predicate,
      validFrom,
      validTo: to,
      singleValued: relation.singlevalued === true,
    };
  });
}

/**
 * What to load before applying `inputs`, per tenant.
 * @throws ValidationError when an input is malformed (see `extractionInputProblems`).
 */
export function requirementsOf(inputs: readonly ExtractionInput[]): Map<string, TenantRequirements> {
  assertExtractionInputs(inputs);
  const out = new Map<string, { eventIds: Set<string>; entityIds: Set<string>; timelines: Map<string, TimelineKey> }>();
  for (const input of inputs) {
    let req = out.get(input.tenant);
    if (!req) {
      req = { eventIds: new Set(), entityIds: new Set(), timelines: new Map() };
      out.set(input.tenant, req);
    }
    req.eventIds.add(input.provenance.eventId);
    for (const entity of input.extraction.entities) {
      const name = displayName(entity.name).toLowerCase();
      if (name) req.entityIds.add(entityId(input.tenant, name));
    }
    for (const relation of resolveRelations(input)) {
      if (!relation) continue;
      const subjectId = entityId(input.tenant, relation.subjectCanonical);
      req.entityIds.add(subjectId);
      req.entityIds.add(entityId(input.tenant, relation.objectCanonical));
      const key = { subjectId, predicate: relation.predicate };
      req.timelines.set(timelineKeyOf(key), key);
    }
  }
  return new Map(
    [...out].map(([tenant, r]) => [tenant, { eventIds: [...r.eventIds], entityIds: [...r.entityIds], timelines: [...r.timelines.values()] }]),
  );
}

/** The `facts.extracted` event ids of a batch, per tenant (to look up which are applied before loading anything else). */
export function eventIdsByTenant(inputs: readonly ExtractionInput[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const input of inputs) {
    const ids = out.get(input.tenant) ?? new Set<string>();
    ids.add(input.provenance.eventId);
    out.set(input.tenant, ids);
  }
  return new Map([...out].map(([tenant, ids]) => [tenant, [...ids]]));
}

/** The inputs whose event is not among `applied` (tenant and event id). */
export function unappliedInputs(inputs: readonly ExtractionInput[], applied: readonly Pick<AppliedEventRecord, 'tenant' | 'eventId'>[]): ExtractionInput[] {
  const done = new Set(applied.map((e) => e.tenant + SEP + e.eventId));
  return inputs.filter((i) => !done.has(i.tenant + SEP + i.provenance.eventId));
}

const SEP = '\u0000';

/**
 * Applies `facts.extracted` events to an in-memory slice of the graph and collects the rows to
 * write: entity resolution (one entity per tenant and canonical name, aliases, type), mentions,
 * and statements decided by the invalidation rule (`decideStatement`). Pure; adapters load a
 * {@link GraphSnapshot} for {@link requirementsOf} the batch, apply, then write {@link changes}.
 *
 * Events apply in the order given (log order); the outcome is deterministic for a given order.
 */
export class GraphWorkingSet {
  private readonly applied = new Set<string>();
  private readonly entities = new Map<string, EntityRecord>();
  private readonly facts = new Map<string, FactRecord>();
  private readonly timelines = new Map<string, string[]>();
  private readonly revisions = new Map<string, FactRevision[]>();

  private readonly newEvents: AppliedEventRecord[] = [];
  private readonly dirtyEntities = new Set<string>();
  private readonly newMentions: MentionRecord[] = [];
  private readonly dirtyFacts = new Set<string>();
  private readonly newStatements: FactStatement[] = [];
  private readonly newRevisions: FactRevision[] = [];

  constructor(snapshot: GraphSnapshot = EMPTY_SNAPSHOT) {
    for (const event of snapshot.events) this.applied.add(event.tenant + SEP + event.eventId);
    for (const entity of snapshot.entities) this.entities.set(entity.tenant + SEP + entity.id, entity);
    for (const revision of snapshot.revisions) this.revisionsOf(revision.tenant, revision.factId).push(revision);
    for (const fact of snapshot.facts) {
      this.facts.set(fact.tenant + SEP + fact.id, fact);
      this.timelineOf(fact.tenant, fact).push(fact.id);
    }
  }

  private revisionsOf(tenant: string, id: string): FactRevision[] {
    const key = tenant + SEP + id;
    let list = this.revisions.get(key);
    if (!list) {
      list = [];
      this.revisions.set(key, list);
    }
    return list;
  }

  private timelineOf(tenant: string, key: TimelineKey): string[] {
    const k = tenant + SEP + timelineKeyOf(key);
    let list = this.timelines.get(k);
    if (!list) {
      list = [];
      this.timelines.set(k, list);
    }
    return list;
  }

  /**
   * Applies one event. An event already applied for its tenant (in the snapshot or earlier in this
   * working set) changes nothing and reports `applied: false`.
   * @throws ValidationError when the input is malformed.
   */
  apply(input: ExtractionInput): ApplyResult {
    assertExtractionInputs([input]);
    const { tenant, extraction, provenance } = input;
    const result = {
      eventId: provenance.eventId,
      applied: false,
      entitiesCreated: 0,
      mentions: 0,
      factsAdded: 0,
      factsSupported: 0,
      factsInvalidated: 0,
      relationsSkipped: 0,
    };
    const appliedKey = tenant + SEP + provenance.eventId;
    if (this.applied.has(appliedKey)) return result;
    this.applied.add(appliedKey);
    result.applied = true;

    const at = { recordedAt: provenance.recordedAt, partition: provenance.partition ?? 0, offset: provenance.offset };
    this.newEvents.push({
      tenant,
      eventId: provenance.eventId,
      sourceEventId: provenance.sourceEventId,
      worldTime: provenance.worldTime,
      extractor: `${extraction.extractor?.name ?? 'unknown'}@${extraction.extractor?.version ?? '0'}`,
      purgedAt: null,
      ...at,
    });
    const mentioned = new Set<string>();
    const mention = (entity: EntityRecord, surface: string, type: EntityType, start: number | null, end: number | null) => {
      this.newMentions.push({
        tenant,
        id: `${provenance.eventId}:${result.mentions}`,
        entityId: entity.id,
        eventId: provenance.eventId,
        sourceEventId: provenance.sourceEventId,
        surface,
        type,
        start,
        end,
        worldTime: provenance.worldTime,
        ...at,
      });
      result.mentions += 1;
      mentioned.add(entity.id);
    };
    const resolve = (surface: string, type: EntityType): EntityRecord => {
      const { entity, created } = this.resolveEntity(tenant, surface, type, provenance.eventId, at);
      if (created) result.entitiesCreated += 1;
      return entity;
    };

    for (const item of extraction.entities) {
      const surface = displayName(item.name);
      if (!surface) continue;
      mention(resolve(surface, item.type), surface, item.type, item.start ?? null, item.end ?? null);
    }
    for (const relation of resolveRelations(input)) {
      if (!relation) {
        result.relationsSkipped += 1;
        continue;
      }
      const subject = resolve(relation.subject, 'other');
      if (!mentioned.has(subject.id)) mention(subject, relation.subject, 'other', null, null);
      const object = resolve(relation.object, 'other');
      if (!mentioned.has(object.id)) mention(object, relation.object, 'other', null, null);
      const before = this.newRevisions.length;
      const outcome = this.recordStatement({
        tenant,
        eventId: provenance.eventId,
        sourceEventId: provenance.sourceEventId,
        index: relation.index,
        subjectId: subject.id,
        predicate: relation.predicate,
        objectId: object.id,
        singleValued: relation.singleValued,
        validFrom: relation.validFrom,
        validTo: relation.validTo,
        worldTime: provenance.worldTime,
        ...at,
      });
      if (outcome === 'added') result.factsAdded += 1;
      else if (outcome === 'supported') result.factsSupported += 1;
      else result.relationsSkipped += 1;
      result.factsInvalidated += this.newRevisions.slice(before).filter((r) => r.kind === 'invalidated').length;
    }
    return result;
  }

  private resolveEntity(
    tenant: string,
    surface: string,
    type: EntityType,
    eventId: string,
    at: { recordedAt: number; partition: number; offset: number },
  ): { entity: EntityRecord; created: boolean } {
    const canonical = surface.toLowerCase();
    const id = entityId(tenant, canonical);
    const key = tenant + SEP + id;
    const existing = this.entities.get(key);
    if (!existing) {
      const entity: EntityRecord = { tenant, id, canonicalName: canonical, name: surface, type, aliases: [surface], eventId, ...at };
      this.entities.set(key, entity);
      this.dirtyEntities.add(key);
      return { entity, created: true };
    }
    const merged = mergeEntityType(existing.type, type);
    const addAlias = !existing.aliases.includes(surface) && existing.aliases.length < MAX_ALIASES;
    if (merged === existing.type && !addAlias) return { entity: existing, created: false };
    const entity: EntityRecord = { ...existing, type: merged, aliases: addAlias ? [...existing.aliases, surface] : existing.aliases };
    this.entities.set(key, entity);
    this.dirtyEntities.add(key);
    return { entity, created: false };
  }

  /**
   * Records one statement on its timeline by the invalidation rule: adds a fact or supports an
   * existing one, and records the revisions it causes. Also used to replay timelines after a purge.
   */
  recordStatement(statement: StatementInput): StatementOutcome {
    const { tenant } = statement;
    const timeline = this.timelineOf(tenant, statement);
    const current: TimelineFact[] = timeline.map((id) => this.facts.get(tenant + SEP + id)!);
    const newId = factId(tenant, statement.eventId, statement.index);
    const decision = decideStatement(current, {
      factId: newId,
      objectId: statement.objectId,
      singleValued: statement.singleValued,
      validFrom: statement.validFrom,
      validTo: statement.validTo,
    });
    let revision = 0;
    const revise = (id: string, kind: RevisionKind, validTo: number, byFactId: string | null) => {
      const rev: FactRevision = {
        tenant,
        id: `${statement.eventId}:${statement.index}:${revision++}`,
        factId: id,
        kind,
        validTo,
        byFactId,
        eventId: statement.eventId,
        sourceEventId: statement.sourceEventId,
        recordedAt: statement.recordedAt,
        partition: statement.partition,
        offset: statement.offset,
      };
      const list = this.revisionsOf(tenant, id);
      list.push(rev);
      this.newRevisions.push(rev);
      const key = tenant + SEP + id;
      this.facts.set(key, deriveFactState(this.facts.get(key)!, list));
      this.dirtyFacts.add(key);
    };

    switch (decision.kind) {
      case 'skip':
        return 'skipped';
      case 'support':
        this.newStatements.push({ ...statement, factId: decision.factId });
        if (decision.endAt !== undefined) revise(decision.factId, 'ended', decision.endAt, null);
        return 'supported';
      case 'add': {
        const fact: FactRecord = {
          tenant,
          id: newId,
          subjectId: statement.subjectId,
          predicate: statement.predicate,
          objectId: statement.objectId,
          singleValued: statement.singleValued,
          validFrom: statement.validFrom,
          statedValidTo: statement.validTo,
          validTo: statement.validTo,
          expiredAt: null,
          invalidatedBy: null,
          eventId: statement.eventId,
          recordedAt: statement.recordedAt,
          partition: statement.partition,
          offset: statement.offset,
        };
        const key = tenant + SEP + newId;
        this.facts.set(key, fact);
        this.dirtyFacts.add(key);
        timeline.push(newId);
        this.newStatements.push({ ...statement, factId: newId });
        for (const change of decision.invalidates) revise(change.factId, 'invalidated', change.validTo, change.byFactId);
        if (decision.boundedBy) revise(newId, 'invalidated', decision.boundedBy.validTo, decision.boundedBy.byFactId);
        return 'added';
      }
    }
  }

  /** The rows to write for everything applied so far. */
  changes(): GraphChangeSet {
    return {
      events: [...this.newEvents],
      entities: [...this.dirtyEntities].map((key) => this.entities.get(key)!),
      mentions: [...this.newMentions],
      facts: [...this.dirtyFacts].map((key) => this.facts.get(key)!),
      statements: [...this.newStatements],
      revisions: [...this.newRevisions],
    };
  }
}
