import type { AppliedEventRecord, EntityRecord, FactRecord, FactRevision, FactStatement, MentionRecord, TimelineKey } from './model.js';
import { byTransactionOrder, timelineKeyOf } from './model.js';
import { mergeEntityType } from './names.js';
import type { PurgeResult } from './port.js';
import { GraphWorkingSet, MAX_ALIASES } from './working-set.js';

/**
 * Purging the derived data of some events (erasure of a data subject).
 *
 * Facts only exist because statements made them, and revisions only relate facts of one
 * (subject, predicate) timeline, so a purge removes the statements and mentions of the purged
 * events and replays each affected timeline from its remaining statements, in transaction order,
 * through the same invalidation rule. Invalidations caused by a purged fact disappear; facts that a
 * purged fact had bounded are bounded by whatever remains. Entities that no remaining mention names
 * are removed; the others get their name, type and aliases back from the remaining mentions.
 */

/** What an adapter loads first: the events to purge and what they wrote. */
export interface PurgeScopeInput {
  /** Applied events of the tenant whose event id or source event id is among the ids (purged ones included). */
  readonly events: readonly AppliedEventRecord[];
  /** Statements written by those events. */
  readonly statements: readonly Pick<FactStatement, 'eventId' | 'subjectId' | 'predicate'>[];
  /** Mentions written by those events. */
  readonly mentions: readonly Pick<MentionRecord, 'eventId' | 'entityId'>[];
}

/** What a purge touches: the adapter then loads a {@link PurgeSnapshot} for it. */
export interface PurgeScope {
  /** Events to purge now (applied and not purged yet). */
  readonly eventIds: readonly string[];
  /** Timelines to replay. */
  readonly timelines: readonly TimelineKey[];
  /** Entities whose mentions change. */
  readonly entityIds: readonly string[];
}

/** The scope of a purge from the events matched and what they wrote. */
export function purgeScope(input: PurgeScopeInput): PurgeScope {
  const eventIds = new Set(input.events.filter((e) => e.purgedAt === null).map((e) => e.eventId));
  const timelines = new Map<string, TimelineKey>();
  for (const s of input.statements) {
    if (eventIds.has(s.eventId)) timelines.set(timelineKeyOf(s), { subjectId: s.subjectId, predicate: s.predicate });
  }
  const entityIds = new Set(input.mentions.filter((m) => eventIds.has(m.eventId)).map((m) => m.entityId));
  return { eventIds: [...eventIds], timelines: [...timelines.values()], entityIds: [...entityIds] };
}

/** The records a purge plan is computed from. */
export interface PurgeSnapshot {
  readonly tenant: string;
  readonly scope: PurgeScope;
  /** Every statement of the scope's timelines, the purged events' included. */
  readonly statements: readonly FactStatement[];
  /** Every fact of the scope's timelines. */
  readonly facts: readonly FactRecord[];
  /** Every mention of the scope's entities, the purged events' included. */
  readonly mentions: readonly MentionRecord[];
  /** The scope's entities. */
  readonly entities: readonly EntityRecord[];
}

/**
 * What to write for a purge, in one transaction:
 * 1. mark `eventIds` purged (`purgedAt`) and delete their mentions;
 * 2. delete every fact, statement and revision of `timelines`, then insert `facts`, `statements`
 *    and `revisions` (the replay);
 * 3. delete `removeEntityIds` (with their aliases) and rewrite `entities` (aliases replaced).
 */
export interface PurgePlan {
  readonly tenant: string;
  readonly eventIds: readonly string[];
  /** Transaction time of the purge, ms. */
  readonly purgedAt: number;
  readonly timelines: readonly TimelineKey[];
  readonly facts: readonly FactRecord[];
  readonly statements: readonly FactStatement[];
  readonly revisions: readonly FactRevision[];
  readonly removeEntityIds: readonly string[];
  readonly entities: readonly EntityRecord[];
  readonly result: PurgeResult;
}

function byStatementOrder(a: FactStatement, b: FactStatement): number {
  return byTransactionOrder(a, b) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0) || a.index - b.index;
}

function byMentionOrder(a: MentionRecord, b: MentionRecord): number {
  const n = (id: string) => Number(id.slice(id.lastIndexOf(':') + 1));
  return byTransactionOrder(a, b) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0) || n(a.id) - n(b.id);
}

/**
 * Plans a purge (pure).
 * @param purgedAt - transaction time of the purge, ms.
 */
export function planPurge(snapshot: PurgeSnapshot, purgedAt: number): PurgePlan {
  const { tenant, scope } = snapshot;
  const purged = new Set(scope.eventIds);

  const replay = new GraphWorkingSet();
  for (const statement of snapshot.statements.filter((s) => !purged.has(s.eventId)).sort(byStatementOrder)) {
    const { factId: _old, ...input } = statement;
    replay.recordStatement(input);
  }
  const rebuilt = replay.changes();

  const remaining = new Map<string, MentionRecord[]>();
  let mentionsRemoved = 0;
  for (const mention of snapshot.mentions) {
    if (purged.has(mention.eventId)) {
      mentionsRemoved += 1;
      continue;
    }
    const list = remaining.get(mention.entityId) ?? [];
    list.push(mention);
    remaining.set(mention.entityId, list);
  }
  const removeEntityIds: string[] = [];
  const entities: EntityRecord[] = [];
  for (const entity of snapshot.entities) {
    const mentions = (remaining.get(entity.id) ?? []).sort(byMentionOrder);
    const first = mentions[0];
    if (!first) {
      removeEntityIds.push(entity.id);
      continue;
    }
    const aliases: string[] = [];
    let type = first.type;
    for (const m of mentions) {
      type = mergeEntityType(type, m.type);
      if (!aliases.includes(m.surface) && aliases.length < MAX_ALIASES) aliases.push(m.surface);
    }
    entities.push({
      ...entity,
      name: first.surface,
      type,
      aliases,
      eventId: first.eventId,
      recordedAt: first.recordedAt,
      partition: first.partition,
      offset: first.offset,
    });
  }

  return {
    tenant,
    eventIds: scope.eventIds,
    purgedAt,
    timelines: scope.timelines,
    facts: rebuilt.facts,
    statements: rebuilt.statements,
    revisions: rebuilt.revisions,
    removeEntityIds,
    entities,
    result: {
      events: scope.eventIds.length,
      mentions: mentionsRemoved,
      facts: Math.max(0, snapshot.facts.length - rebuilt.facts.length),
      entities: removeEntityIds.length,
    },
  };
}
