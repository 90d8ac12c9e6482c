/**
 * Stored records of the temporal knowledge graph. Every adapter persists exactly these shapes
 * (SQLite rows, Neo4j properties, in-memory objects), so the pure rules in this package can run
 * over what any adapter loads.
 *
 * Times are milliseconds since the Unix epoch (UTC). World time (valid time) says when something
 * was true; transaction time says when the fabric learned it (the `recordedat` the event log
 * stamped on the `facts.extracted` event). A log position is a partition and a 0-based offset.
 *
 * The model follows Graphiti (getzep/graphiti, Rasmussen et al. 2025, "Zep: A Temporal Knowledge
 * Graph Architecture for Agent Memory", arXiv:2501.13956): entities, facts between entities with
 * `valid_at`/`invalid_at` and `created_at`/`expired_at`, and the episodes each fact came from.
 */

/** Entity types the extraction stage emits (schema `facts.extracted` v1). */
export type EntityType = 'person' | 'place' | 'organization' | 'thing' | 'date' | 'quantity' | 'other';

/** Every {@link EntityType}, in schema order. */
export const ENTITY_TYPES: readonly EntityType[] = ['person', 'place', 'organization', 'thing', 'date', 'quantity', 'other'];

/** A place in the event log and the transaction time stamped there. */
export interface Recorded {
  /** Transaction time: when the log stored the event that produced this record, in ms. */
  readonly recordedAt: number;
  /** Log partition of that event (0 in the embedded log). */
  readonly partition: number;
  /** 0-based offset of that event in its partition. */
  readonly offset: number;
}

/** One applied `facts.extracted` event (SQLite table `events`, Neo4j node `:Extraction`). */
export interface AppliedEventRecord extends Recorded {
  readonly tenant: string;
  /** Id of the `facts.extracted` event. Idempotency key of every write. */
  readonly eventId: string;
  /** Id of the event the facts were extracted from (an interaction or a memory). */
  readonly sourceEventId: string;
  /** World time of the event, in ms. */
  readonly worldTime: number;
  /** `name@version` of the extractor. */
  readonly extractor: string;
  /** When the event's derived data was purged (erasure), in ms; `null` while it stands. */
  readonly purgedAt: number | null;
}

/** One resolved entity: one per (tenant, canonical name). */
export interface EntityRecord extends Recorded {
  readonly tenant: string;
  /** Deterministic id: see `entityId(tenant, canonicalName)`. */
  readonly id: string;
  /** Normalised name (see `canonicalName`); unique per tenant. */
  readonly canonicalName: string;
  /** Display name: the first surface form seen, possessive removed. */
  readonly name: string;
  readonly type: EntityType;
  /** Every distinct surface form seen (display forms), first seen first, at most 64. */
  readonly aliases: readonly string[];
  /** The `facts.extracted` event that first mentioned the entity. */
  readonly eventId: string;
}

/** One mention of an entity by an event (table `mentions`, Neo4j `(:Extraction)-[:MENTIONS]->(:Entity)`). */
export interface MentionRecord extends Recorded {
  readonly tenant: string;
  /** `<eventId>:<n>`, n counting the mentions of one event from 0. */
  readonly id: string;
  readonly entityId: string;
  /** The `facts.extracted` event. */
  readonly eventId: string;
  /** The event whose content mentions the entity. */
  readonly sourceEventId: string;
  /** The surface form (display form), as written in the content. */
  readonly surface: string;
  /** Type the extractor gave this mention (`other` for a relation end that was not listed as an entity). */
  readonly type: EntityType;
  /** Offset of the mention in the source content, UTF-16 code units; `null` when unknown. */
  readonly start: number | null;
  readonly end: number | null;
  /** World time of the event, in ms. */
  readonly worldTime: number;
}

/**
 * One fact: `subject --predicate--> object` valid over `[validFrom, validTo)` in world time.
 * `validTo`, `expiredAt` and `invalidatedBy` are the current belief, derived from the fact's
 * revisions (see `deriveFactState`); queries at an earlier transaction time derive them again from
 * the revisions known then.
 */
export interface FactRecord extends Recorded {
  readonly tenant: string;
  /** Deterministic id: see `factId(tenant, eventId, relationIndex)` of the statement that created it. */
  readonly id: string;
  readonly subjectId: string;
  /** Canonical predicate (see `canonicalPredicate`). */
  readonly predicate: string;
  readonly objectId: string;
  /** The creating statement declared the predicate single-valued (one object at a time). */
  readonly singleValued: boolean;
  /** World time from which the fact holds, in ms (inclusive). */
  readonly validFrom: number;
  /** End the creating statement gave, in ms (exclusive), or `null` (open). */
  readonly statedValidTo: number | null;
  /** Current end of validity, in ms (exclusive), or `null` (still valid). */
  readonly validTo: number | null;
  /** Transaction time of the first invalidation, in ms, or `null` when never invalidated. */
  readonly expiredAt: number | null;
  /** Id of the fact whose invalidation sets the current `validTo`, or `null`. */
  readonly invalidatedBy: string | null;
  /** The `facts.extracted` event whose statement created the fact. */
  readonly eventId: string;
}

/**
 * One statement of a fact by one event (table `fact_support`, Neo4j `:FactStatement`). The first
 * statement creates the fact, later identical ones support it. Statements keep everything needed to
 * replay a timeline (used when a purge removes some of them).
 */
export interface FactStatement extends Recorded {
  readonly tenant: string;
  /** The fact this statement created or supports. */
  readonly factId: string;
  /** The `facts.extracted` event. */
  readonly eventId: string;
  readonly sourceEventId: string;
  /** Index of the relation in the event's `relations` array. */
  readonly index: number;
  readonly subjectId: string;
  readonly predicate: string;
  readonly objectId: string;
  readonly singleValued: boolean;
  /** World time from which the statement says the fact holds: its `validfrom`, else the event's world time, in ms. */
  readonly validFrom: number;
  /** `validto` of the statement, in ms, or `null`. */
  readonly validTo: number | null;
  /** World time of the event, in ms. */
  readonly worldTime: number;
}

/**
 * What a revision does to a fact's validity: `invalidated` — a contradicting (or later) fact on a
 * single-valued predicate ends it; `ended` — a later statement of the same fact gave it an end.
 */
export type RevisionKind = 'invalidated' | 'ended';

/**
 * One change of belief about a fact's validity, recorded at a transaction time and never updated
 * (table `fact_revisions`, Neo4j `:FactRevision`). A fact's valid end at transaction time T is the
 * minimum of its stated end and the `validTo` of every revision recorded by T.
 */
export interface FactRevision extends Recorded {
  readonly tenant: string;
  /** `<eventId>:<relationIndex>:<n>`. */
  readonly id: string;
  readonly factId: string;
  readonly kind: RevisionKind;
  /** The new end of validity, in ms (exclusive). */
  readonly validTo: number;
  /** The fact that caused an invalidation; `null` for `ended`. */
  readonly byFactId: string | null;
  /** The `facts.extracted` event whose statement caused the revision. */
  readonly eventId: string;
  readonly sourceEventId: string;
}

/** The facts of one (subject, predicate) pair, where the invalidation rule applies. */
export interface TimelineKey {
  readonly subjectId: string;
  readonly predicate: string;
}

/** `subjectId␀predicate`, a map key for a {@link TimelineKey}. */
export function timelineKeyOf(key: TimelineKey): string {
  return `${key.subjectId}\u0000${key.predicate}`;
}

/** Orders records by transaction time, then log position (the order the projection applied them). */
export function byTransactionOrder(a: Recorded, b: Recorded): number {
  return a.recordedAt - b.recordedAt || a.partition - b.partition || a.offset - b.offset;
}
