import neo4j, { type Driver, type ManagedTransaction, type QueryResult, type RecordShape } from 'neo4j-driver';
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
import { READ, SCHEMA, WRITE } from './cypher.js';

/** Configuration of {@link Neo4jGraphStore.start}. */
export interface Neo4jGraphStoreConfig {
  /** Bolt URL (`neo4j://host:7687`, `bolt://…`, `neo4j+s://…`); required unless `driver` is given. */
  readonly url?: string;
  /** User name for basic auth (with `url`). */
  readonly username?: string;
  /** Password for basic auth (with `url`). */
  readonly password?: string;
  /** An existing driver, owned by the caller (not closed by `close`). */
  readonly driver?: Driver;
  /** Database name; default the server's default database. */
  readonly database?: string;
  /** Most rows per UNWIND statement; default 1000. */
  readonly batchSize?: number;
  /** Transaction-time clock of purges, ms; default `Date.now`. */
  readonly clock?: () => number;
}

const URL_SCHEMES = /^(neo4j|bolt)(\+s|\+ssc)?:\/\//;

/**
 * Checks a configuration; every message says what to fix.
 * @throws ConfigurationError on the first problem.
 */
export function validateNeo4jConfig(config: Neo4jGraphStoreConfig): void {
  if (config.driver === undefined) {
    if (typeof config.url !== 'string' || !URL_SCHEMES.test(config.url)) {
      throw new ConfigurationError(
        `neo4j url ${JSON.stringify(config.url)} is invalid: give a Bolt URL such as neo4j://localhost:7687 (or pass an existing driver)`,
      );
    }
    if ((config.username === undefined) !== (config.password === undefined)) {
      throw new ConfigurationError('neo4j username and password go together: give both or neither');
    }
  } else if (config.url !== undefined) {
    throw new ConfigurationError('give either a neo4j url or a driver, not both');
  }
  if (config.database !== undefined && (typeof config.database !== 'string' || config.database.length === 0)) {
    throw new ConfigurationError('neo4j database must be a non-empty name (or left out for the default database)');
  }
  if (config.batchSize !== undefined && (!Number.isSafeInteger(config.batchSize) || config.batchSize < 1 || config.batchSize > 100_000)) {
    throw new ConfigurationError(`neo4j batchSize ${String(config.batchSize)} is invalid: use an integer from 1 to 100000`);
  }
  if (config.clock !== undefined && typeof config.clock !== 'function') throw new ConfigurationError('clock must be a function returning ms');
}

/** Converts driver values (Integer, absent) to record values. */
function num(value: unknown): number {
  if (neo4j.isInt(value)) return value.toNumber();
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new TypeError(`expected a number from neo4j, got ${typeof value}`);
}
const numOrNull = (value: unknown): number | null => (value === undefined || value === null ? null : num(value));
function str(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new TypeError(`expected a string from neo4j, got ${typeof value}`);
}
const strOrNull = (value: unknown): string | null => (value === undefined || value === null ? null : str(value));
type Props = Record<string, unknown>;

const toEvent = (p: Props): AppliedEventRecord => ({
  tenant: str(p.tenant),
  eventId: str(p.eventId),
  sourceEventId: str(p.sourceEventId),
  extractor: str(p.extractor),
  worldTime: num(p.worldTime),
  recordedAt: num(p.recordedAt),
  partition: num(p.partition),
  offset: num(p.offset),
  purgedAt: numOrNull(p.purgedAt),
});
const toEntity = (p: Props): EntityRecord => ({
  tenant: str(p.tenant),
  id: str(p.id),
  canonicalName: str(p.canonicalName),
  name: str(p.name),
  type: str(p.type) as EntityType,
  aliases: Array.isArray(p.aliases) ? p.aliases.map(str) : [],
  eventId: str(p.eventId),
  recordedAt: num(p.recordedAt),
  partition: num(p.partition),
  offset: num(p.offset),
});
const toMention = (p: Props): MentionRecord => ({
  tenant: str(p.tenant),
  id: str(p.id),
  entityId: str(p.entityId),
  eventId: str(p.eventId),
  sourceEventId: str(p.sourceEventId),
  surface: str(p.surface),
  type: str(p.type) as EntityType,
  start: numOrNull(p.start),
  end: numOrNull(p.end),
  worldTime: num(p.worldTime),
  recordedAt: num(p.recordedAt),
  partition: num(p.partition),
  offset: num(p.offset),
});
const toFact = (p: Props): FactRecord => ({
  tenant: str(p.tenant),
  id: str(p.id),
  subjectId: str(p.subjectId),
  predicate: str(p.predicate),
  objectId: str(p.objectId),
  singleValued: p.singleValued === true,
  validFrom: num(p.validFrom),
  statedValidTo: numOrNull(p.statedValidTo),
  validTo: numOrNull(p.validTo),
  recordedAt: num(p.recordedAt),
  partition: num(p.partition),
  offset: num(p.offset),
  eventId: str(p.eventId),
  expiredAt: numOrNull(p.expiredAt),
  invalidatedBy: strOrNull(p.invalidatedBy),
});
const toStatement = (p: Props): FactStatement => ({
  tenant: str(p.tenant),
  factId: str(p.factId),
  eventId: str(p.eventId),
  index: num(p.index),
  sourceEventId: str(p.sourceEventId),
  subjectId: str(p.subjectId),
  predicate: str(p.predicate),
  objectId: str(p.objectId),
  singleValued: p.singleValued === true,
  validFrom: num(p.validFrom),
  validTo: numOrNull(p.validTo),
  worldTime: num(p.worldTime),
  recordedAt: num(p.recordedAt),
  partition: num(p.partition),
  offset: num(p.offset),
});
const toRevision = (p: Props): FactRevision => ({
  tenant: str(p.tenant),
  id: str(p.id),
  factId: str(p.factId),
  kind: str(p.kind) as RevisionKind,
  validTo: num(p.validTo),
  byFactId: strOrNull(p.byFactId),
  eventId: str(p.eventId),
  sourceEventId: str(p.sourceEventId),
  recordedAt: num(p.recordedAt),
  partition: num(p.partition),
  offset: num(p.offset),
});

/**
 * A record as Cypher parameters: integers as Neo4j integers (so stored values are INTEGER, not
 * FLOAT), `null` kept (`SET x += row` removes the property).
 */
function toRow(record: object): Props {
  const row: Props = {};
  for (const [key, value] of Object.entries(record)) {
    row[key] = typeof value === 'number' && Number.isSafeInteger(value) ? neo4j.int(value) : value;
  }
  return row;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Maps driver errors: connectivity and transient failures become retriable {@link UnavailableError}s. */
function translate(error: unknown): Error {
  if (MemfabricError.is(error)) return error;
  if (error instanceof neo4j.Neo4jError && neo4j.isRetryableError(error)) {
    return new UnavailableError(`neo4j unavailable: ${error.message}`, { cause: error, context: { code: error.code } });
  }
  return error instanceof Error ? error : new Error(String(error));
}

type Runner = Pick<ManagedTransaction, 'run'>;

async function rows(tx: Runner, query: string, params: Props, key: string): Promise<Props[]> {
  const result: QueryResult<RecordShape> = await tx.run(query, params);
  return result.records.map((r) => r.get(key) as Props);
}

/**
 * The temporal knowledge graph in Neo4j (neo4j-driver 6, Neo4j 5.26+). Constraints and indexes are
 * created on start. Writes run in one managed write transaction per call: the adapter reads what the
 * batch needs, applies the shared pure rules (`GraphWorkingSet`, `planPurge`) and writes with batched
 * `UNWIND … MERGE` statements keyed by tenant and id, so a retried transaction or a redelivered
 * event changes nothing (idempotent on the `facts.extracted` event id). A projection on the cluster
 * commits its Kafka offset after `applyExtractions` resolves; a crash in between redelivers a batch
 * that is then applied as a no-op.
 *
 * Every statement is parameterised (`cypher.ts`), every node and relationship carries `tenant` and
 * every statement matches on it.
 */
export class Neo4jGraphStore implements GraphStore {
  private readonly queries: GraphQueries;
  private closed = false;

  private constructor(
    /** The driver (owned by this store when it was created from a url). */
    readonly driver: Driver,
    private readonly ownsDriver: boolean,
    private readonly database: string | undefined,
    private readonly batchSize: number,
    private readonly clock: () => number,
  ) {
    this.queries = new GraphQueries(new Neo4jGraphReader(this));
  }

  /**
   * Connects (or takes `config.driver`), checks connectivity and creates the constraints and indexes
   * when missing.
   * @throws ConfigurationError when the configuration is invalid.
   * @throws UnavailableError when the server cannot be reached (retriable).
   */
  static async start(config: Neo4jGraphStoreConfig): Promise<Neo4jGraphStore> {
    validateNeo4jConfig(config);
    const driver =
      config.driver ??
      neo4j.driver(config.url!, config.username === undefined ? undefined : neo4j.auth.basic(config.username, config.password!), {
        userAgent: 'memfabric-graph-store',
      });
    const store = new Neo4jGraphStore(driver, config.driver === undefined, config.database, config.batchSize ?? 1000, config.clock ?? Date.now);
    try {
      await driver.verifyConnectivity(config.database === undefined ? {} : { database: config.database });
      await store.ensureSchema();
      return store;
    } catch (error) {
      if (store.ownsDriver) await driver.close();
      const translated = translate(error);
      if (MemfabricError.is(translated)) throw translated;
      throw new UnavailableError(`cannot start the neo4j graph store: ${translated.message}`, { cause: error });
    }
  }

  /** Creates the constraints and indexes of the model (`IF NOT EXISTS`). */
  async ensureSchema(): Promise<void> {
    for (const statement of SCHEMA) {
      await this.driver.executeQuery(statement, {}, { database: this.database, routing: neo4j.routing.WRITE });
    }
  }

  /** Runs a read query of one tenant. */
  async read(query: string, params: Props, key: string): Promise<Props[]> {
    this.assertOpen();
    try {
      const result = await this.driver.executeQuery(query, params, { database: this.database, routing: neo4j.routing.READ });
      return result.records.map((r) => r.get(key) as Props);
    } catch (error) {
      throw translate(error);
    }
  }

  /** Runs a read query of one tenant that returns one row; its columns as a map. */
  async readRow(query: string, params: Props): Promise<Props | undefined> {
    this.assertOpen();
    try {
      const result = await this.driver.executeQuery(query, params, { database: this.database, routing: neo4j.routing.READ });
      return result.records[0]?.toObject();
    } catch (error) {
      throw translate(error);
    }
  }

  private async write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    this.assertOpen();
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      return await session.executeWrite(work);
    } catch (error) {
      throw translate(error);
    } finally {
      await session.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ConfigurationError('the neo4j graph store is closed');
  }

  private async unwind(tx: Runner, query: string, tenant: string, records: readonly object[]): Promise<void> {
    for (const batch of chunks(records, this.batchSize)) await tx.run(query, { tenant, rows: batch.map(toRow) });
  }

  // ---- writes ------------------------------------------------------------------------------

  async applyExtractions(inputs: readonly ExtractionInput[]): Promise<ApplyResult[]> {
    assertExtractionInputs(inputs);
    return this.write(async (tx) => {
      // events already applied need nothing loaded: a redelivered batch costs one lookup per tenant
      const applied: Pick<AppliedEventRecord, 'tenant' | 'eventId'>[] = [];
      for (const [tenant, ids] of eventIdsByTenant(inputs)) {
        const result = await tx.run(READ.appliedEvents, { tenant, ids });
        applied.push(...result.records.map((r) => ({ tenant, eventId: str(r.get('eventId')) })));
      }
      const snapshot = await this.loadSnapshot(tx, requirementsOf(unappliedInputs(inputs, applied)));
      const set = new GraphWorkingSet({ ...snapshot, events: applied });
      const results = inputs.map((input) => set.apply(input));
      await this.writeChanges(tx, set.changes());
      return results;
    });
  }

  async applyExtraction(tenant: string, extraction: FactsExtracted, provenance: Provenance): Promise<ApplyResult> {
    const [result] = await this.applyExtractions([{ tenant, extraction, provenance }]);
    return result!;
  }

  private async loadSnapshot(tx: Runner, requirements: ReturnType<typeof requirementsOf>): Promise<GraphSnapshot> {
    const entities: EntityRecord[] = [];
    const facts: FactRecord[] = [];
    const revisions: FactRevision[] = [];
    for (const [tenant, req] of requirements) {
      if (req.entityIds.length > 0) entities.push(...(await rows(tx, READ.entitiesById, { tenant, ids: req.entityIds }, 'n')).map(toEntity));
      if (req.timelines.length === 0) continue;
      const wanted = new Set(req.timelines.map(timelineKeyOf));
      const found = (await rows(tx, READ.factsOfTimelines, { tenant, keys: req.timelines }, 'r')).map(toFact).filter((f) => wanted.has(timelineKeyOf(f)));
      facts.push(...found);
      if (found.length > 0) revisions.push(...(await rows(tx, READ.revisionsOfFacts, { tenant, ids: found.map((f) => f.id) }, 'v')).map(toRevision));
    }
    return { events: [], entities, facts, revisions };
  }

  private async writeChanges(tx: Runner, changes: GraphChangeSet): Promise<void> {
    const byTenant = new Map<string, { [K in keyof GraphChangeSet]: object[] }>();
    const add = <K extends keyof GraphChangeSet>(key: K, items: GraphChangeSet[K]) => {
      for (const item of items) {
        let group = byTenant.get(item.tenant);
        if (!group) {
          group = { events: [], entities: [], mentions: [], facts: [], statements: [], revisions: [] };
          byTenant.set(item.tenant, group);
        }
        group[key].push(item);
      }
    };
    add('events', changes.events);
    add('entities', changes.entities);
    add('mentions', changes.mentions);
    add('facts', changes.facts);
    add('statements', changes.statements);
    add('revisions', changes.revisions);
    for (const [tenant, group] of byTenant) {
      // order matters: mentions and facts MATCH the nodes written before them
      await this.unwind(tx, WRITE.mergeEvents, tenant, group.events);
      await this.unwind(tx, WRITE.mergeEntities, tenant, group.entities);
      await this.unwind(tx, WRITE.mergeMentions, tenant, group.mentions);
      await this.unwind(tx, WRITE.mergeFacts, tenant, group.facts);
      await this.unwind(tx, WRITE.mergeStatements, tenant, group.statements);
      await this.unwind(tx, WRITE.mergeRevisions, tenant, group.revisions);
    }
  }

  async purgeEvents(tenant: string, eventIds: readonly string[], purgedAt?: number): Promise<PurgeResult> {
    assertTenant(tenant);
    assertIds(eventIds, 'eventIds');
    const ids = [...new Set(eventIds)];
    return this.write(async (tx) => {
      const matched = (await rows(tx, READ.eventsMatching, { tenant, ids }, 'x')).map(toEvent);
      const matchedIds = matched.map((e) => e.eventId);
      const scope = purgeScope({
        events: matched,
        statements: (await rows(tx, READ.statementsOfEvents, { tenant, ids: matchedIds }, 's')).map(toStatement),
        mentions: (await rows(tx, READ.mentionsOfEvents, { tenant, ids: matchedIds }, 'm')).map(toMention),
      });
      const keys = scope.timelines.map((k) => ({ subjectId: k.subjectId, predicate: k.predicate }));
      const plan = planPurge(
        {
          tenant,
          scope,
          statements: (await rows(tx, READ.statementsOfTimelines, { tenant, keys }, 's')).map(toStatement),
          facts: (await rows(tx, READ.factsOfTimelines, { tenant, keys }, 'r')).map(toFact),
          mentions: (await rows(tx, READ.mentionsOfEntities, { tenant, ids: scope.entityIds, recordedAtMost: null }, 'm')).map(toMention),
          entities: (await rows(tx, READ.entitiesById, { tenant, ids: scope.entityIds }, 'n')).map(toEntity),
        },
        purgedAt ?? this.clock(),
      );
      await this.writePurge(tx, plan);
      return plan.result;
    });
  }

  private async writePurge(tx: Runner, plan: PurgePlan): Promise<void> {
    const { tenant } = plan;
    const keys = plan.timelines.map((k: TimelineKey) => ({ subjectId: k.subjectId, predicate: k.predicate }));
    await tx.run(WRITE.markPurged, { tenant, ids: plan.eventIds, purgedAt: neo4j.int(plan.purgedAt) });
    await tx.run(WRITE.deleteMentionsOfEvents, { tenant, ids: plan.eventIds });
    await tx.run(WRITE.deleteRevisionsOfTimelines, { tenant, keys });
    await tx.run(WRITE.deleteStatementsOfTimelines, { tenant, keys });
    await tx.run(WRITE.deleteFactsOfTimelines, { tenant, keys });
    await tx.run(WRITE.deleteEntities, { tenant, ids: plan.removeEntityIds });
    await this.unwind(tx, WRITE.mergeEntities, tenant, plan.entities);
    await this.unwind(tx, WRITE.mergeFacts, tenant, plan.facts);
    await this.unwind(tx, WRITE.mergeStatements, tenant, plan.statements);
    await this.unwind(tx, WRITE.mergeRevisions, tenant, plan.revisions);
  }

  // ---- queries -----------------------------------------------------------------------------

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

  /** Closes the driver when this store created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDriver) await this.driver.close();
  }
}

/** Reads of {@link Neo4jGraphStore} for the shared query engine. */
class Neo4jGraphReader implements GraphReader {
  constructor(private readonly store: Neo4jGraphStore) {}

  async factsTouching(tenant: string, entityIds: readonly string[], prefilter: FactPrefilter): Promise<FactBundle> {
    const facts = (
      await this.store.read(
        READ.factsTouching,
        {
          tenant,
          ids: [...entityIds],
          recordedAtMost: prefilter.recordedAtMost ?? null,
          validFromAtMost: prefilter.validFromAtMost ?? null,
          currentOnly: prefilter.currentOnly === true,
        },
        'r',
      )
    ).map(toFact);
    if (facts.length === 0) return { facts, revisions: [], statements: [] };
    const ids = facts.map((f) => f.id);
    const [revisions, statements] = await Promise.all([
      this.store.read(READ.revisionsOfFacts, { tenant, ids }, 'v'),
      this.store.read(READ.statementsOfFacts, { tenant, ids }, 's'),
    ]);
    return { facts, revisions: revisions.map(toRevision), statements: statements.map(toStatement) };
  }

  async entitiesById(tenant: string, ids: readonly string[]): Promise<EntityRecord[]> {
    return (await this.store.read(READ.entitiesById, { tenant, ids: [...ids] }, 'n')).map(toEntity);
  }

  async entitiesByCanonicalName(tenant: string, names: readonly string[]): Promise<EntityRecord[]> {
    return (await this.store.read(READ.entitiesByName, { tenant, names: [...names] }, 'n')).map(toEntity);
  }

  async mentionsOf(tenant: string, entityIds: readonly string[], recordedAtMost?: number, limit?: number): Promise<MentionRecord[]> {
    const params = { tenant, ids: [...entityIds], recordedAtMost: recordedAtMost ?? null };
    const found =
      limit === undefined
        ? await this.store.read(READ.mentionsOfEntities, params, 'm')
        : await this.store.read(READ.firstMentionsOfEntities, { ...params, limit: neo4j.int(limit) }, 'm');
    return found.map(toMention);
  }

  async counts(tenant: string): Promise<GraphCounts> {
    const row = await this.store.readRow(READ.counts, { tenant });
    if (!row) return { entities: 0, facts: 0, invalidatedFacts: 0, mentions: 0, events: 0 };
    return {
      entities: num(row.entities),
      facts: num(row.facts),
      invalidatedFacts: num(row.invalidatedFacts),
      mentions: num(row.mentions),
      events: num(row.events),
    };
  }
}
