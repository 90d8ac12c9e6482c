import type { FactsExtracted } from '@memfabric/events';
import type { EntityType, RevisionKind } from './model.js';

/**
 * Where a `facts.extracted` event sits: what the projection knows about it from the log.
 * Times are ms since the epoch.
 */
export interface Provenance {
  /** Id of the `facts.extracted` event; the idempotency key of the whole write. */
  readonly eventId: string;
  /** Id of the event the facts were extracted from (`data.sourceevent`). */
  readonly sourceEventId: string;
  /** World time of the event (its `time`), in ms. Valid-from of a relation without `validfrom`. */
  readonly worldTime: number;
  /** Transaction time (`recordedat`), in ms: `recordedAt` of new facts, `expiredAt` of those they invalidate. */
  readonly recordedAt: number;
  /** Log partition; default 0 (the embedded log has one). */
  readonly partition?: number;
  /** 0-based offset of the event in its partition. */
  readonly offset: number;
}

/** One `facts.extracted` event to apply. */
export interface ExtractionInput {
  readonly tenant: string;
  readonly extraction: FactsExtracted;
  readonly provenance: Provenance;
}

/** What applying one event changed. */
export interface ApplyResult {
  readonly eventId: string;
  /** False when the event was already applied (or purged) for this tenant: nothing changed. */
  readonly applied: boolean;
  readonly entitiesCreated: number;
  readonly mentions: number;
  /** Relations that created a new fact. */
  readonly factsAdded: number;
  /** Relations that repeated a known fact and became one more supporting event of it. */
  readonly factsSupported: number;
  /** Facts invalidated (including a new fact bounded by a later one it arrived after). */
  readonly factsInvalidated: number;
  /** Relations skipped: a name or predicate with nothing left after normalisation, an unparsable or empty interval. */
  readonly relationsSkipped: number;
}

/**
 * A transaction-time bound for bi-temporal reads: what the graph knew then.
 * - `{ recordedAt }`: records stored by that transaction time (ms, inclusive).
 * - `{ checkpoint }`: records whose event lies before a consumer checkpoint (partition → next
 *   offset, as the event log returns it and as the ingest API's consistency token carries it).
 *   A partition that is absent counts as not read.
 * - `{ offset, partition? }`: records whose event is at or before that offset of that partition
 *   (default 0; events of other partitions are not included), i.e. `{ checkpoint: { [partition]: offset + 1 } }`.
 */
export type AsOf =
  | { readonly recordedAt: number }
  | { readonly checkpoint: Readonly<Record<number, number>> }
  | { readonly offset: number; readonly partition?: number };

/** Time filters shared by the fact queries. */
export interface TimeFilter {
  /**
   * World time in ms: only facts valid then (`validFrom <= validAt < validTo`), invalidated or
   * not — an invalidated fact still holds over the interval it had.
   */
  readonly validAt?: number;
  /** Transaction-time bound: the graph as it was known then (default: now). */
  readonly asOf?: AsOf;
  /**
   * Without `validAt`: also return invalidated facts (default false: only facts no contradiction
   * has ended). Ignored with `validAt`, where the validity interval decides.
   */
  readonly includeInvalidated?: boolean;
}

/** Options of `factsAbout`. */
export interface FactQuery extends TimeFilter {
  /** Most facts to return; default 1000, at most 10 000. */
  readonly limit?: number;
}

/** Options of `neighbours`. */
export interface NeighbourQuery extends TimeFilter {
  /** How many fact edges away from the seeds to go: 1 (default) or 2. */
  readonly hops?: number;
  /** Most facts to return; default 1000, at most 10 000. */
  readonly limit?: number;
  /** Most mentions to return; default 1000, at most 10 000. */
  readonly mentionLimit?: number;
}

/** Options of `mentionsOf`. */
export interface MentionQuery {
  /** Transaction-time bound (default: now). */
  readonly asOf?: AsOf;
  /** Most mentions to return (oldest first); default 1000, at most 10 000. */
  readonly limit?: number;
}

/** An entity as queries return it. */
export interface GraphEntity {
  readonly id: string;
  /** Display name (first surface form seen). */
  readonly name: string;
  readonly canonicalName: string;
  readonly type: EntityType;
  /** Every distinct surface form seen. */
  readonly aliases: readonly string[];
  /** Transaction time the entity was first seen, ms. */
  readonly recordedAt: number;
}

/** A fact as queries return it: the belief at the query's transaction time. All times in ms. */
export interface GraphFact {
  readonly id: string;
  readonly subjectId: string;
  /** Display name of the subject. */
  readonly subjectName: string;
  readonly predicate: string;
  readonly objectId: string;
  readonly objectName: string;
  readonly singleValued: boolean;
  /** World time the fact holds from (inclusive); `OPEN_START` when only its end was ever stated. */
  readonly validFrom: number;
  /** World time it stops holding (exclusive), or `null` (open). */
  readonly validTo: number | null;
  /** Transaction time the fact was first recorded. */
  readonly recordedAt: number;
  /** Transaction time it was invalidated, or `null`. */
  readonly expiredAt: number | null;
  /** The fact that invalidated it, or `null`. */
  readonly invalidatedBy: string | null;
  /** True when a contradiction (or a later fact it arrived after) ended it. */
  readonly invalidated: boolean;
  /** The `facts.extracted` events that state it, first first. */
  readonly events: readonly string[];
  /** The source events (interactions, memories) they were extracted from, same order, deduplicated. */
  readonly sourceEvents: readonly string[];
}

/** One mention of an entity by an event. */
export interface EntityMention {
  readonly entityId: string;
  /** The `facts.extracted` event. */
  readonly eventId: string;
  /** The event whose content mentions the entity. */
  readonly sourceEventId: string;
  readonly surface: string;
  /** Offsets in the source content (UTF-16 code units), `null` when unknown. */
  readonly start: number | null;
  readonly end: number | null;
  /** World time of the event, ms. */
  readonly worldTime: number;
  /** Transaction time, ms. */
  readonly recordedAt: number;
  readonly partition: number;
  readonly offset: number;
}

/** The neighbourhood of some entities. */
export interface Neighbourhood {
  /** The seeds that exist and every entity reached, seeds first. */
  readonly entities: readonly GraphEntity[];
  /** The facts traversed (each once), nearest hop first. */
  readonly facts: readonly GraphFact[];
  /** Mentions of the returned entities, oldest first. */
  readonly mentions: readonly EntityMention[];
}

/** What happened to a fact, as an entry of an entity's history. */
export type HistoryKind = 'fact_added' | 'fact_supported' | RevisionKindEntry;
type RevisionKindEntry = `fact_${RevisionKind}`;

/** One entry of an entity's history, in transaction order. Times in ms. */
export interface GraphHistoryEntry {
  readonly kind: HistoryKind;
  readonly factId: string;
  readonly subjectId: string;
  readonly subjectName: string;
  readonly predicate: string;
  readonly objectId: string;
  readonly objectName: string;
  /**
   * Added/supported: the interval the statement gave (`validTo` is its stated end or `null`).
   * Invalidated/ended: the fact's `validFrom` and its new `validTo`.
   */
  readonly validFrom: number;
  readonly validTo: number | null;
  /** Transaction time of the change. */
  readonly recordedAt: number;
  readonly partition: number;
  readonly offset: number;
  /** The `facts.extracted` event behind the change. */
  readonly eventId: string;
  readonly sourceEventId: string;
  /** For `fact_invalidated`: the fact that caused it. */
  readonly byFactId: string | null;
}

/** Sizes of one tenant's graph. */
export interface GraphCounts {
  readonly entities: number;
  /** Every fact, invalidated ones included. */
  readonly facts: number;
  readonly invalidatedFacts: number;
  readonly mentions: number;
  /** Applied `facts.extracted` events that are not purged. */
  readonly events: number;
}

/** What a purge removed. */
export interface PurgeResult {
  /** `facts.extracted` events whose derived data was purged now. */
  readonly events: number;
  readonly mentions: number;
  /** Facts removed (a fact stays while another event still states it). */
  readonly facts: number;
  /** Entities removed because no remaining event mentions them. */
  readonly entities: number;
}

/**
 * The temporal knowledge graph port. Every call is scoped to one tenant: nothing of another
 * tenant is ever read, written or counted, even when its ids are passed.
 *
 * Adapters: in-memory (`InMemoryGraphStore`, this package), embedded SQLite
 * (`@memfabric/graph-store-sqlite`), Neo4j (`@memfabric/graph-store-neo4j`); all pass the
 * contract suite in `@memfabric/graph-store/testing`.
 */
export interface GraphStore {
  /**
   * Applies one `facts.extracted` event: resolves entities, records mentions, adds or supports
   * facts and invalidates contradicted ones (see `decideStatement`). Idempotent on
   * (tenant, `provenance.eventId`): a second application changes nothing.
   * @throws ValidationError when the tenant or provenance is malformed.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  applyExtraction(tenant: string, extraction: FactsExtracted, provenance: Provenance): Promise<ApplyResult>;

  /**
   * Applies events in order, in one backend transaction: all or nothing. Results in input order.
   * @throws ValidationError as `applyExtraction`.
   */
  applyExtractions(inputs: readonly ExtractionInput[]): Promise<ApplyResult[]>;

  /** Entities whose canonical name matches one of `names` (any surface form), in order of `names`, each once. */
  entitiesByName(tenant: string, names: readonly string[]): Promise<GraphEntity[]>;

  /**
   * Facts whose subject or object is one of `entityIds`, ordered by valid-from then transaction time.
   * @throws ValidationError on a malformed filter.
   */
  factsAbout(tenant: string, entityIds: readonly string[], query?: FactQuery): Promise<GraphFact[]>;

  /**
   * Entities up to `hops` fact edges away, the facts traversed (same filters as `factsAbout`) and
   * the events that mention the entities.
   * @throws ValidationError when `hops` is not 1 or 2 or a filter is malformed.
   */
  neighbours(tenant: string, entityIds: readonly string[], query?: NeighbourQuery): Promise<Neighbourhood>;

  /** Mentions of the entities, oldest first: the source events to recall for them. */
  mentionsOf(tenant: string, entityIds: readonly string[], query?: MentionQuery): Promise<EntityMention[]>;

  /** Every fact change touching the entity (added, supported, invalidated, ended), in transaction order. Empty for an unknown entity. */
  history(tenant: string, entityId: string): Promise<GraphHistoryEntry[]>;

  /** Sizes of the tenant's graph. */
  counts(tenant: string): Promise<GraphCounts>;

  /**
   * Removes everything derived from the given events (erasure): `eventIds` may name
   * `facts.extracted` events or their source events. Facts only those events stated disappear, the
   * invalidations they caused are undone (affected timelines are replayed from the remaining
   * statements), entities no remaining event mentions disappear. A purged event stays applied:
   * delivering it again changes nothing.
   * @param purgedAt - transaction time of the purge, ms: a projection passes the `recordedat` of
   *   the event that caused it, so a replay of the log writes the same time; default the
   *   store's clock.
   */
  purgeEvents(tenant: string, eventIds: readonly string[], purgedAt?: number): Promise<PurgeResult>;

  /** Releases what the store owns (not a connection the caller passed in). */
  close(): Promise<void>;
}
