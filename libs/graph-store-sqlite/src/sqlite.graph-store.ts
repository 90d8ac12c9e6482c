import type Database from 'better-sqlite3';
import { ConfigurationError, MemfabricError, UnavailableError } from '@memfabric/errors';
import type { FactsExtracted } from '@memfabric/events';
import {
  assertExtractionInputs,
  assertIds,
  assertTenant,
  eventIdsByTenant,
  unappliedInputs,
  GraphQueries,
  GraphWorkingSet,
  planPurge,
  purgeScope,
  requirementsOf,
  timelineKeyOf,
  type AppliedEventRecord,
  type ApplyResult,
  type EntityMention,
  type EntityRecord,
  type EntityType,
  type ExtractionInput,
  type FactBundle,
  type FactPrefilter,
  type FactQuery,
  type FactRecord,
  type FactRevision,
  type FactStatement,
  type GraphChangeSet,
  type GraphCounts,
  type GraphEntity,
  type GraphFact,
  type GraphHistoryEntry,
  type GraphReader,
  type GraphSnapshot,
  type GraphStore,
  type MentionQuery,
  type MentionRecord,
  type Neighbourhood,
  type NeighbourQuery,
  type Provenance,
  type PurgePlan,
  type PurgeResult,
  type RevisionKind,
  type TimelineKey,
} from '@memfabric/graph-store';
import { ensureGraphTables, graphTableNames, type GraphTableNames, type GraphTableOptions } from './schema.js';

/** Options of {@link SqliteGraphStore.open}. */
export interface SqliteGraphStoreOptions extends GraphTableOptions {
  /**
   * An open better-sqlite3 connection, owned by the caller. Pass the event log's connection
   * (`SqliteEventLog.db`) so the projection can write graph rows and its consumer checkpoint in one
   * transaction (see {@link SqliteGraphStore.applyExtractionsSync}).
   */
  readonly db: Database.Database;
  /** Transaction-time clock of purges, ms; default `Date.now`. */
  readonly clock?: () => number;
}

interface EventRow {
  tenant: string;
  event_id: string;
  source_event_id: string;
  extractor: string;
  world_time: number;
  recorded_at: number;
  partition: number;
  offset: number;
  purged_at: number | null;
}
interface EntityRow {
  tenant: string;
  id: string;
  canonical_name: string;
  name: string;
  type: string;
  event_id: string;
  recorded_at: number;
  partition: number;
  offset: number;
}
interface AliasRow {
  entity_id: string;
  alias: string;
}
interface MentionRow {
  tenant: string;
  id: string;
  entity_id: string;
  event_id: string;
  source_event_id: string;
  surface: string;
  type: string;
  char_start: number | null;
  char_end: number | null;
  world_time: number;
  recorded_at: number;
  partition: number;
  offset: number;
}
interface FactRow {
  tenant: string;
  id: string;
  subject_id: string;
  predicate: string;
  object_id: string;
  single_valued: number;
  valid_from: number;
  stated_valid_to: number | null;
  valid_to: number | null;
  recorded_at: number;
  partition: number;
  offset: number;
  event_id: string;
  expired_at: number | null;
  invalidated_by: string | null;
}
interface SupportRow {
  tenant: string;
  event_id: string;
  idx: number;
  fact_id: string;
  source_event_id: string;
  subject_id: string;
  predicate: string;
  object_id: string;
  single_valued: number;
  valid_from: number;
  valid_to: number | null;
  world_time: number;
  recorded_at: number;
  partition: number;
  offset: number;
}
interface RevisionRow {
  tenant: string;
  id: string;
  fact_id: string;
  kind: string;
  valid_to: number;
  by_fact_id: string | null;
  event_id: string;
  source_event_id: string;
  recorded_at: number;
  partition: number;
  offset: number;
}

const toEvent = (r: EventRow): AppliedEventRecord => ({
  tenant: r.tenant,
  eventId: r.event_id,
  sourceEventId: r.source_event_id,
  extractor: r.extractor,
  worldTime: r.world_time,
  recordedAt: r.recorded_at,
  partition: r.partition,
  offset: r.offset,
  purgedAt: r.purged_at,
});
const toMention = (r: MentionRow): MentionRecord => ({
  tenant: r.tenant,
  id: r.id,
  entityId: r.entity_id,
  eventId: r.event_id,
  sourceEventId: r.source_event_id,
  surface: r.surface,
  type: r.type as EntityType,
  start: r.char_start,
  end: r.char_end,
  worldTime: r.world_time,
  recordedAt: r.recorded_at,
  partition: r.partition,
  offset: r.offset,
});
const toFact = (r: FactRow): FactRecord => ({
  tenant: r.tenant,
  id: r.id,
  subjectId: r.subject_id,
  predicate: r.predicate,
  objectId: r.object_id,
  singleValued: r.single_valued === 1,
  validFrom: r.valid_from,
  statedValidTo: r.stated_valid_to,
  validTo: r.valid_to,
  recordedAt: r.recorded_at,
  partition: r.partition,
  offset: r.offset,
  eventId: r.event_id,
  expiredAt: r.expired_at,
  invalidatedBy: r.invalidated_by,
});
const toStatement = (r: SupportRow): FactStatement => ({
  tenant: r.tenant,
  eventId: r.event_id,
  index: r.idx,
  factId: r.fact_id,
  sourceEventId: r.source_event_id,
  subjectId: r.subject_id,
  predicate: r.predicate,
  objectId: r.object_id,
  singleValued: r.single_valued === 1,
  validFrom: r.valid_from,
  validTo: r.valid_to,
  worldTime: r.world_time,
  recordedAt: r.recorded_at,
  partition: r.partition,
  offset: r.offset,
});
const toRevision = (r: RevisionRow): FactRevision => ({
  tenant: r.tenant,
  id: r.id,
  factId: r.fact_id,
  kind: r.kind as RevisionKind,
  validTo: r.valid_to,
  byFactId: r.by_fact_id,
  eventId: r.event_id,
  sourceEventId: r.source_event_id,
  recordedAt: r.recorded_at,
  partition: r.partition,
  offset: r.offset,
});

/** Runs synchronous work and settles a promise with its result or (translated) error. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(translate(error));
  }
}

function translate(error: unknown): Error {
  if (MemfabricError.is(error)) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new UnavailableError('graph store database is busy', { cause: error, context: { code } });
  }
  return error instanceof Error ? error : new Error(String(error));
}

const json = (values: Iterable<string>) => JSON.stringify([...values]);

/**
 * The temporal knowledge graph in SQLite (better-sqlite3), in the caller's connection.
 *
 * **Same transaction as the checkpoint.** Every write runs inside `db.transaction`, which nests as
 * a savepoint when the caller already opened one. A projection that consumes the embedded event log
 * therefore writes the graph rows and its consumer-group checkpoint atomically:
 *
 * ```ts
 * const graph = SqliteGraphStore.open({ db: log.db });
 * const project = log.db.transaction((events: StoredEvent[], next: Checkpoint) => {
 *   graph.applyExtractionsSync(events.flatMap((e) => extractionFromEvent(e) ?? []));
 *   log.commitSync('graph-projection', next);
 * });
 * ```
 *
 * A crash before the commit loses both the rows and the checkpoint; the batch is delivered again
 * and applied once. Applying an event twice is a no-op anyway (keyed by tenant and event id).
 *
 * **Generations.** `generation` puts the tables under `<prefix>_g<n>_…`, so a rebuild projects
 * from offset 0 into fresh tables beside the serving ones; `dropGraphTables` removes the old ones.
 */
export class SqliteGraphStore implements GraphStore {
  /** The table names of this store's generation. */
  readonly tables: GraphTableNames;
  private readonly queries: GraphQueries;
  private readonly clock: () => number;
  private readonly stmts: ReturnType<SqliteGraphStore['prepare']>;

  private constructor(
    /** The caller's connection (not closed by {@link close}). */
    readonly db: Database.Database,
    tables: GraphTableNames,
    clock: () => number,
  ) {
    this.tables = tables;
    this.clock = clock;
    this.stmts = this.prepare();
    this.queries = new GraphQueries(new SqliteGraphReader(this.stmts));
  }

  /**
   * Opens the store on `options.db`, creating the generation's tables when missing.
   * @throws ConfigurationError when `db` is not an open connection, the prefix or generation is
   *   malformed, or the tables hold a newer layout.
   */
  static open(options: SqliteGraphStoreOptions): SqliteGraphStore {
    const db = options.db as Database.Database | undefined;
    if (!db || typeof db.prepare !== 'function' || db.open !== true) {
      throw new ConfigurationError('SqliteGraphStore needs an open better-sqlite3 connection in options.db (for example SqliteEventLog.db)');
    }
    if (options.clock !== undefined && typeof options.clock !== 'function') throw new ConfigurationError('options.clock must be a function returning ms');
    const tables = graphTableNames(options);
    ensureGraphTables(db, tables);
    return new SqliteGraphStore(db, tables, options.clock ?? Date.now);
  }

  private prepare() {
    const db = this.db;
    const t = this.tables;
    const inJson = 'IN (SELECT value FROM json_each(?))';
    return {
      eventsByIds: db.prepare<[string, string], EventRow>(`SELECT * FROM ${t.events} WHERE tenant = ? AND event_id ${inJson}`),
      eventsMatching: db.prepare<[string, string, string, string], EventRow>(
        `SELECT * FROM ${t.events} WHERE tenant = ? AND event_id ${inJson}
         UNION SELECT * FROM ${t.events} INDEXED BY ${t.events}_by_source WHERE tenant = ? AND source_event_id ${inJson}`,
      ),
      insertEvent: db.prepare(
        `INSERT INTO ${t.events} (tenant, event_id, source_event_id, extractor, world_time, recorded_at, partition, "offset", purged_at)
         VALUES (@tenant, @eventId, @sourceEventId, @extractor, @worldTime, @recordedAt, @partition, @offset, @purgedAt)
         ON CONFLICT (tenant, event_id) DO NOTHING`,
      ),
      markPurged: db.prepare<[number, string, string]>(`UPDATE ${t.events} SET purged_at = ? WHERE tenant = ? AND event_id = ? AND purged_at IS NULL`),

      entitiesByIds: db.prepare<[string, string], EntityRow>(`SELECT * FROM ${t.entities} WHERE tenant = ? AND id ${inJson}`),
      entitiesByNames: db.prepare<[string, string], EntityRow>(`SELECT * FROM ${t.entities} WHERE tenant = ? AND canonical_name ${inJson}`),
      aliasesOf: db.prepare<[string, string], AliasRow>(
        `SELECT entity_id, alias FROM ${t.entityAliases} WHERE tenant = ? AND entity_id ${inJson} ORDER BY entity_id, seq`,
      ),
      upsertEntity: db.prepare(
        `INSERT INTO ${t.entities} (tenant, id, canonical_name, name, type, event_id, recorded_at, partition, "offset")
         VALUES (@tenant, @id, @canonicalName, @name, @type, @eventId, @recordedAt, @partition, @offset)
         ON CONFLICT (tenant, id) DO UPDATE SET name = excluded.name, type = excluded.type, event_id = excluded.event_id,
           recorded_at = excluded.recorded_at, partition = excluded.partition, "offset" = excluded."offset"`,
      ),
      insertAlias: db.prepare<[string, string, string, number]>(
        `INSERT INTO ${t.entityAliases} (tenant, entity_id, alias, seq) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      deleteAliases: db.prepare<[string, string]>(`DELETE FROM ${t.entityAliases} WHERE tenant = ? AND entity_id = ?`),
      deleteEntity: db.prepare<[string, string]>(`DELETE FROM ${t.entities} WHERE tenant = ? AND id = ?`),

      insertMention: db.prepare(
        `INSERT INTO ${t.mentions} (tenant, id, entity_id, event_id, source_event_id, surface, type, char_start, char_end, world_time, recorded_at, partition, "offset")
         VALUES (@tenant, @id, @entityId, @eventId, @sourceEventId, @surface, @type, @start, @end, @worldTime, @recordedAt, @partition, @offset)
         ON CONFLICT (tenant, id) DO NOTHING`,
      ),
      mentionsOfEntities: db.prepare<[string, string], MentionRow>(
        `SELECT * FROM ${t.mentions} INDEXED BY ${t.mentions}_by_entity WHERE tenant = ? AND entity_id ${inJson}`,
      ),
      mentionsOfEntitiesUntil: db.prepare<[string, string, number], MentionRow>(
        `SELECT * FROM ${t.mentions} INDEXED BY ${t.mentions}_by_entity WHERE tenant = ? AND entity_id ${inJson} AND recorded_at <= ?`,
      ),
      firstMentionsOfEntities: db.prepare<{ tenant: string; ids: string; recordedAtMost: number | null; limit: number }, MentionRow>(
        `SELECT * FROM ${t.mentions} INDEXED BY ${t.mentions}_by_entity
         WHERE tenant = @tenant AND entity_id IN (SELECT value FROM json_each(@ids)) AND (@recordedAtMost IS NULL OR recorded_at <= @recordedAtMost)
         ORDER BY recorded_at, partition, "offset", id LIMIT @limit`,
      ),
      mentionsOfEvents: db.prepare<[string, string], MentionRow>(
        `SELECT * FROM ${t.mentions} INDEXED BY ${t.mentions}_by_event WHERE tenant = ? AND event_id ${inJson}`,
      ),
      deleteMentionsOfEvent: db.prepare<[string, string]>(`DELETE FROM ${t.mentions} INDEXED BY ${t.mentions}_by_event WHERE tenant = ? AND event_id = ?`),

      factsOfSubjects: db.prepare<[string, string, string], FactRow>(
        `SELECT * FROM ${t.facts} INDEXED BY ${t.facts}_by_subject WHERE tenant = ? AND subject_id ${inJson} AND predicate ${inJson}`,
      ),
      factsTouching: db.prepare<
        { tenant: string; ids: string; recordedAtMost: number | null; validFromAtMost: number | null; currentOnly: number },
        FactRow
      >(
        `SELECT * FROM ${t.facts} INDEXED BY ${t.facts}_by_subject WHERE tenant = @tenant AND subject_id IN (SELECT value FROM json_each(@ids))
           AND (@recordedAtMost IS NULL OR recorded_at <= @recordedAtMost)
           AND (@validFromAtMost IS NULL OR valid_from <= @validFromAtMost)
           AND (@currentOnly = 0 OR expired_at IS NULL)
         UNION
         SELECT * FROM ${t.facts} INDEXED BY ${t.facts}_by_object WHERE tenant = @tenant AND object_id IN (SELECT value FROM json_each(@ids))
           AND (@recordedAtMost IS NULL OR recorded_at <= @recordedAtMost)
           AND (@validFromAtMost IS NULL OR valid_from <= @validFromAtMost)
           AND (@currentOnly = 0 OR expired_at IS NULL)`,
      ),
      upsertFact: db.prepare(
        `INSERT INTO ${t.facts} (tenant, id, subject_id, predicate, object_id, single_valued, valid_from, stated_valid_to, valid_to,
           recorded_at, partition, "offset", event_id, expired_at, invalidated_by)
         VALUES (@tenant, @id, @subjectId, @predicate, @objectId, @singleValued, @validFrom, @statedValidTo, @validTo,
           @recordedAt, @partition, @offset, @eventId, @expiredAt, @invalidatedBy)
         ON CONFLICT (tenant, id) DO UPDATE SET valid_to = excluded.valid_to, expired_at = excluded.expired_at, invalidated_by = excluded.invalidated_by`,
      ),
      deleteFactsOfTimeline: db.prepare<[string, string, string]>(`DELETE FROM ${t.facts} WHERE tenant = ? AND subject_id = ? AND predicate = ?`),

      revisionsOfFacts: db.prepare<[string, string], RevisionRow>(
        `SELECT * FROM ${t.factRevisions} INDEXED BY ${t.factRevisions}_by_fact WHERE tenant = ? AND fact_id ${inJson}`,
      ),
      insertRevision: db.prepare(
        `INSERT INTO ${t.factRevisions} (tenant, id, fact_id, kind, valid_to, by_fact_id, event_id, source_event_id, recorded_at, partition, "offset")
         VALUES (@tenant, @id, @factId, @kind, @validTo, @byFactId, @eventId, @sourceEventId, @recordedAt, @partition, @offset)
         ON CONFLICT (tenant, id) DO NOTHING`,
      ),
      deleteRevisionsOfTimeline: db.prepare<[{ tenant: string; subjectId: string; predicate: string }]>(
        `DELETE FROM ${t.factRevisions} WHERE tenant = @tenant AND fact_id IN
           (SELECT id FROM ${t.facts} WHERE tenant = @tenant AND subject_id = @subjectId AND predicate = @predicate)`,
      ),

      supportOfFacts: db.prepare<[string, string], SupportRow>(
        `SELECT * FROM ${t.factSupport} INDEXED BY ${t.factSupport}_by_fact WHERE tenant = ? AND fact_id ${inJson}`,
      ),
      supportOfEvents: db.prepare<[string, string], SupportRow>(`SELECT * FROM ${t.factSupport} WHERE tenant = ? AND event_id ${inJson}`),
      supportOfTimeline: db.prepare<[string, string, string], SupportRow>(
        `SELECT * FROM ${t.factSupport} INDEXED BY ${t.factSupport}_by_timeline WHERE tenant = ? AND subject_id = ? AND predicate = ?`,
      ),
      insertSupport: db.prepare(
        `INSERT INTO ${t.factSupport} (tenant, event_id, idx, fact_id, source_event_id, subject_id, predicate, object_id, single_valued,
           valid_from, valid_to, world_time, recorded_at, partition, "offset")
         VALUES (@tenant, @eventId, @index, @factId, @sourceEventId, @subjectId, @predicate, @objectId, @singleValued,
           @validFrom, @validTo, @worldTime, @recordedAt, @partition, @offset)
         ON CONFLICT (tenant, event_id, idx) DO NOTHING`,
      ),
      deleteSupportOfTimeline: db.prepare<[string, string, string]>(`DELETE FROM ${t.factSupport} WHERE tenant = ? AND subject_id = ? AND predicate = ?`),
      factsOfTimeline: db.prepare<[string, string, string], FactRow>(
        `SELECT * FROM ${t.facts} INDEXED BY ${t.facts}_by_subject WHERE tenant = ? AND subject_id = ? AND predicate = ?`,
      ),

      counts: db.prepare<{ tenant: string }, GraphCounts>(
        `SELECT
           (SELECT COUNT(*) FROM ${t.entities} WHERE tenant = @tenant) AS entities,
           (SELECT COUNT(*) FROM ${t.facts} WHERE tenant = @tenant) AS facts,
           (SELECT COUNT(*) FROM ${t.facts} WHERE tenant = @tenant AND expired_at IS NOT NULL) AS invalidatedFacts,
           (SELECT COUNT(*) FROM ${t.mentions} WHERE tenant = @tenant) AS mentions,
           (SELECT COUNT(*) FROM ${t.events} WHERE tenant = @tenant AND purged_at IS NULL) AS events`,
      ),
    };
  }

  // ---- writes ------------------------------------------------------------------------------

  /**
   * Applies `facts.extracted` events in order, synchronously, in one transaction (a savepoint
   * inside the caller's transaction, if any): use inside `db.transaction` to commit a consumer
   * checkpoint with the rows. Idempotent per (tenant, event id).
   * @returns one result per input, in input order.
   * @throws ValidationError when an input is malformed (nothing is written).
   */
  applyExtractionsSync(inputs: readonly ExtractionInput[]): ApplyResult[] {
    assertExtractionInputs(inputs);
    return this.db.transaction(() => {
      // events already applied need nothing loaded: a redelivered batch costs one lookup per tenant
      const applied = [...eventIdsByTenant(inputs)].flatMap(([tenant, ids]) => this.stmts.eventsByIds.all(tenant, json(ids)).map(toEvent));
      const set = new GraphWorkingSet({ ...this.loadSnapshot(requirementsOf(unappliedInputs(inputs, applied))), events: applied });
      const results = inputs.map((input) => set.apply(input));
      this.write(set.changes());
      return results;
    })();
  }

  private loadSnapshot(requirements: ReturnType<typeof requirementsOf>): GraphSnapshot {
    const entities: EntityRecord[] = [];
    const facts: FactRecord[] = [];
    const revisions: FactRevision[] = [];
    for (const [tenant, req] of requirements) {
      entities.push(...readEntities(this.stmts, tenant, this.stmts.entitiesByIds.all(tenant, json(req.entityIds))));
      if (req.timelines.length === 0) continue;
      const wanted = new Set(req.timelines.map(timelineKeyOf));
      const rows = this.stmts.factsOfSubjects
        .all(tenant, json(new Set(req.timelines.map((k) => k.subjectId))), json(new Set(req.timelines.map((k) => k.predicate))))
        .map(toFact)
        .filter((f) => wanted.has(timelineKeyOf(f)));
      facts.push(...rows);
      if (rows.length > 0) revisions.push(...this.stmts.revisionsOfFacts.all(tenant, json(rows.map((f) => f.id))).map(toRevision));
    }
    return { events: [], entities, facts, revisions };
  }

  private write(changes: GraphChangeSet): void {
    for (const e of changes.events) this.stmts.insertEvent.run(e);
    for (const e of changes.entities) this.writeEntity(e, false);
    for (const m of changes.mentions) this.stmts.insertMention.run(m);
    for (const f of changes.facts) this.stmts.upsertFact.run({ ...f, singleValued: f.singleValued ? 1 : 0 });
    for (const s of changes.statements) this.stmts.insertSupport.run({ ...s, singleValued: s.singleValued ? 1 : 0 });
    for (const r of changes.revisions) this.stmts.insertRevision.run(r);
  }

  private writeEntity(entity: EntityRecord, replaceAliases: boolean): void {
    const { aliases, ...row } = entity;
    this.stmts.upsertEntity.run(row);
    if (replaceAliases) this.stmts.deleteAliases.run(entity.tenant, entity.id);
    aliases.forEach((alias, seq) => this.stmts.insertAlias.run(entity.tenant, entity.id, alias, seq));
  }

  /**
   * Purges what the events derived (see `GraphStore.purgeEvents`), synchronously, in one
   * transaction (a savepoint inside the caller's, if any).
   * @throws ValidationError when the tenant or ids are malformed.
   */
  purgeEventsSync(tenant: string, eventIds: readonly string[], purgedAt?: number): PurgeResult {
    assertTenant(tenant);
    assertIds(eventIds, 'eventIds');
    return this.db.transaction(() => {
      const ids = json(new Set(eventIds));
      const matched = this.stmts.eventsMatching.all(tenant, ids, tenant, ids).map(toEvent);
      const matchedIds = json(matched.map((e) => e.eventId));
      const scope = purgeScope({
        events: matched,
        statements: this.stmts.supportOfEvents.all(tenant, matchedIds).map(toStatement),
        mentions: this.stmts.mentionsOfEvents.all(tenant, matchedIds).map(toMention),
      });
      const plan = planPurge(
        {
          tenant,
          scope,
          statements: scope.timelines.flatMap((k) => this.stmts.supportOfTimeline.all(tenant, k.subjectId, k.predicate).map(toStatement)),
          facts: scope.timelines.flatMap((k) => this.stmts.factsOfTimeline.all(tenant, k.subjectId, k.predicate).map(toFact)),
          mentions: scope.entityIds.length > 0 ? this.stmts.mentionsOfEntities.all(tenant, json(scope.entityIds)).map(toMention) : [],
          entities: readEntities(this.stmts, tenant, this.stmts.entitiesByIds.all(tenant, json(scope.entityIds))),
        },
        purgedAt ?? this.clock(),
      );
      this.writePurge(plan);
      return plan.result;
    })();
  }

  private writePurge(plan: PurgePlan): void {
    const { tenant } = plan;
    for (const id of plan.eventIds) {
      this.stmts.markPurged.run(plan.purgedAt, tenant, id);
      this.stmts.deleteMentionsOfEvent.run(tenant, id);
    }
    for (const key of plan.timelines) this.clearTimeline(tenant, key);
    for (const f of plan.facts) this.stmts.upsertFact.run({ ...f, singleValued: f.singleValued ? 1 : 0 });
    for (const s of plan.statements) this.stmts.insertSupport.run({ ...s, singleValued: s.singleValued ? 1 : 0 });
    for (const r of plan.revisions) this.stmts.insertRevision.run(r);
    for (const id of plan.removeEntityIds) {
      this.stmts.deleteAliases.run(tenant, id);
      this.stmts.deleteEntity.run(tenant, id);
    }
    for (const e of plan.entities) this.writeEntity(e, true);
  }

  private clearTimeline(tenant: string, key: TimelineKey): void {
    this.stmts.deleteRevisionsOfTimeline.run({ tenant, subjectId: key.subjectId, predicate: key.predicate });
    this.stmts.deleteSupportOfTimeline.run(tenant, key.subjectId, key.predicate);
    this.stmts.deleteFactsOfTimeline.run(tenant, key.subjectId, key.predicate);
  }

  // ---- GraphStore --------------------------------------------------------------------------

  applyExtraction(tenant: string, extraction: FactsExtracted, provenance: Provenance): Promise<ApplyResult> {
    return settle(() => this.applyExtractionsSync([{ tenant, extraction, provenance }])[0]!);
  }

  applyExtractions(inputs: readonly ExtractionInput[]): Promise<ApplyResult[]> {
    return settle(() => this.applyExtractionsSync(inputs));
  }

  purgeEvents(tenant: string, eventIds: readonly string[], purgedAt?: number): Promise<PurgeResult> {
    return settle(() => this.purgeEventsSync(tenant, eventIds, purgedAt));
  }

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

  /** Nothing to release: the connection belongs to the caller. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

type Statements = ReturnType<SqliteGraphStore['prepare']>;

function readEntities(stmts: Statements, tenant: string, rows: readonly EntityRow[]): EntityRecord[] {
  if (rows.length === 0) return [];
  const aliases = new Map<string, string[]>();
  for (const a of stmts.aliasesOf.all(tenant, json(rows.map((r) => r.id)))) {
    const list = aliases.get(a.entity_id);
    if (list) list.push(a.alias);
    else aliases.set(a.entity_id, [a.alias]);
  }
  return rows.map((r) => ({
    tenant: r.tenant,
    id: r.id,
    canonicalName: r.canonical_name,
    name: r.name,
    type: r.type as EntityType,
    aliases: aliases.get(r.id) ?? [],
    eventId: r.event_id,
    recordedAt: r.recorded_at,
    partition: r.partition,
    offset: r.offset,
  }));
}

/** Reads of {@link SqliteGraphStore} for the shared query engine. */
class SqliteGraphReader implements GraphReader {
  constructor(private readonly stmts: Statements) {}

  factsTouching(tenant: string, entityIds: readonly string[], prefilter: FactPrefilter): Promise<FactBundle> {
    return settle(() => {
      const facts = this.stmts.factsTouching
        .all({
          tenant,
          ids: json(entityIds),
          recordedAtMost: prefilter.recordedAtMost ?? null,
          validFromAtMost: prefilter.validFromAtMost ?? null,
          currentOnly: prefilter.currentOnly === true ? 1 : 0,
        })
        .map(toFact);
      if (facts.length === 0) return { facts, revisions: [], statements: [] };
      const ids = json(facts.map((f) => f.id));
      return {
        facts,
        revisions: this.stmts.revisionsOfFacts.all(tenant, ids).map(toRevision),
        statements: this.stmts.supportOfFacts.all(tenant, ids).map(toStatement),
      };
    });
  }

  entitiesById(tenant: string, ids: readonly string[]): Promise<EntityRecord[]> {
    return settle(() => readEntities(this.stmts, tenant, this.stmts.entitiesByIds.all(tenant, json(ids))));
  }

  entitiesByCanonicalName(tenant: string, names: readonly string[]): Promise<EntityRecord[]> {
    return settle(() => readEntities(this.stmts, tenant, this.stmts.entitiesByNames.all(tenant, json(names))));
  }

  mentionsOf(tenant: string, entityIds: readonly string[], recordedAtMost?: number, limit?: number): Promise<MentionRecord[]> {
    return settle(() => {
      const ids = json(entityIds);
      if (limit !== undefined) return this.stmts.firstMentionsOfEntities.all({ tenant, ids, recordedAtMost: recordedAtMost ?? null, limit }).map(toMention);
      return (
        recordedAtMost === undefined ? this.stmts.mentionsOfEntities.all(tenant, ids) : this.stmts.mentionsOfEntitiesUntil.all(tenant, ids, recordedAtMost)
      ).map(toMention);
    });
  }

  counts(tenant: string): Promise<GraphCounts> {
    return settle(() => this.stmts.counts.get({ tenant })!);
  }
}
