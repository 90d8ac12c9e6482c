/**
 * Every Cypher statement the Neo4j adapter runs, in one place (Graphiti keeps one operations file
 * per backend the same way). All values travel as parameters: no statement is built from data.
 * Every node and relationship carries `tenant`, and every statement matches on it.
 *
 * Graph model (labels and relationship types are fixed identifiers, never data):
 * - `(:Extraction {tenant, eventId, sourceEventId, extractor, worldTime, recordedAt, partition, offset, purgedAt?})`
 *   — one applied `facts.extracted` event (Graphiti's episode).
 * - `(:Entity {tenant, id, canonicalName, name, type, aliases, eventId, recordedAt, partition, offset})`
 * - `(:Extraction)-[:MENTIONS {tenant, id, entityId, eventId, sourceEventId, surface, type, start?, end?, worldTime, recordedAt, partition, offset}]->(:Entity)`
 * - `(:Entity)-[:RELATES_TO {tenant, id, subjectId, predicate, objectId, singleValued, validFrom, statedValidTo?,
 *   validTo?, recordedAt, partition, offset, eventId, expiredAt?, invalidatedBy?}]->(:Entity)` — one fact.
 * - `(:FactStatement {tenant, factId, eventId, index, sourceEventId, subjectId, predicate, objectId, singleValued,
 *   validFrom, validTo?, worldTime, recordedAt, partition, offset})` — support of a fact by an event.
 * - `(:FactRevision {tenant, id, factId, kind, validTo, byFactId?, eventId, sourceEventId, recordedAt, partition, offset})`
 *   — an append-only change of a fact's validity at a transaction time.
 *
 * Times are integers (ms since the epoch). A property that is `null` in the record is absent.
 * Requires Neo4j 5.26 or later (relationship property uniqueness constraints, `CALL () {}` scopes).
 */

/** Labels and relationship types of the model. */
export const LABELS = ['Extraction', 'Entity', 'FactStatement', 'FactRevision'] as const;
export const RELATIONSHIP_TYPES = ['MENTIONS', 'RELATES_TO'] as const;

/**
 * Constraints and indexes, created at start (`IF NOT EXISTS`, so starting again is harmless).
 * Schema commands run one per transaction.
 */
export const SCHEMA: readonly string[] = [
  'CREATE CONSTRAINT memfabric_entity_name IF NOT EXISTS FOR (n:Entity) REQUIRE (n.tenant, n.canonicalName) IS UNIQUE',
  'CREATE CONSTRAINT memfabric_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE (n.tenant, n.id) IS UNIQUE',
  'CREATE CONSTRAINT memfabric_fact_id IF NOT EXISTS FOR ()-[r:RELATES_TO]-() REQUIRE (r.tenant, r.id) IS UNIQUE',
  'CREATE CONSTRAINT memfabric_mention_id IF NOT EXISTS FOR ()-[m:MENTIONS]-() REQUIRE (m.tenant, m.id) IS UNIQUE',
  'CREATE CONSTRAINT memfabric_extraction_id IF NOT EXISTS FOR (x:Extraction) REQUIRE (x.tenant, x.eventId) IS UNIQUE',
  'CREATE CONSTRAINT memfabric_statement_id IF NOT EXISTS FOR (s:FactStatement) REQUIRE (s.tenant, s.eventId, s.index) IS UNIQUE',
  'CREATE CONSTRAINT memfabric_revision_id IF NOT EXISTS FOR (v:FactRevision) REQUIRE (v.tenant, v.id) IS UNIQUE',
  'CREATE INDEX memfabric_entity_tenant IF NOT EXISTS FOR (n:Entity) ON (n.tenant)',
  'CREATE INDEX memfabric_extraction_tenant IF NOT EXISTS FOR (x:Extraction) ON (x.tenant)',
  'CREATE INDEX memfabric_extraction_source IF NOT EXISTS FOR (x:Extraction) ON (x.tenant, x.sourceEventId)',
  'CREATE INDEX memfabric_fact_tenant IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.tenant)',
  'CREATE INDEX memfabric_fact_timeline IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.tenant, r.subjectId, r.predicate)',
  'CREATE INDEX memfabric_mention_tenant IF NOT EXISTS FOR ()-[m:MENTIONS]-() ON (m.tenant)',
  'CREATE INDEX memfabric_mention_event IF NOT EXISTS FOR ()-[m:MENTIONS]-() ON (m.tenant, m.eventId)',
  'CREATE INDEX memfabric_statement_fact IF NOT EXISTS FOR (s:FactStatement) ON (s.tenant, s.factId)',
  'CREATE INDEX memfabric_statement_event IF NOT EXISTS FOR (s:FactStatement) ON (s.tenant, s.eventId)',
  'CREATE INDEX memfabric_statement_timeline IF NOT EXISTS FOR (s:FactStatement) ON (s.tenant, s.subjectId, s.predicate)',
  'CREATE INDEX memfabric_revision_fact IF NOT EXISTS FOR (v:FactRevision) ON (v.tenant, v.factId)',
];

/** Reads. Parameters are named in each statement's comment. */
export const READ = {
  /** $tenant, $ids → eventId of applied (or purged) events. */
  appliedEvents: `
    MATCH (x:Extraction {tenant: $tenant}) WHERE x.eventId IN $ids
    RETURN x.eventId AS eventId`,
  /** $tenant, $ids (event ids or source event ids) → x: applied events matching either. */
  eventsMatching: `
    MATCH (x:Extraction {tenant: $tenant}) WHERE x.eventId IN $ids OR x.sourceEventId IN $ids
    RETURN x {.*} AS x`,
  /** $tenant, $ids → n: entities by id. */
  entitiesById: `
    MATCH (n:Entity {tenant: $tenant}) WHERE n.id IN $ids
    RETURN n {.*} AS n`,
  /** $tenant, $names → n: entities by canonical name. */
  entitiesByName: `
    MATCH (n:Entity {tenant: $tenant}) WHERE n.canonicalName IN $names
    RETURN n {.*} AS n`,
  /** $tenant, $keys: [{subjectId, predicate}] → r: every fact of those timelines. */
  factsOfTimelines: `
    UNWIND $keys AS k
    MATCH (:Entity {tenant: $tenant, id: k.subjectId})-[r:RELATES_TO {tenant: $tenant, predicate: k.predicate}]->(:Entity {tenant: $tenant})
    RETURN r {.*} AS r`,
  /**
   * $tenant, $ids, $recordedAtMost (ms or null), $validFromAtMost (ms or null), $currentOnly →
   * r: facts with one end among the entities, narrowed by the prefilter.
   */
  factsTouching: `
    MATCH (n:Entity {tenant: $tenant}) WHERE n.id IN $ids
    MATCH (n)-[r:RELATES_TO {tenant: $tenant}]-(:Entity {tenant: $tenant})
    WHERE ($recordedAtMost IS NULL OR r.recordedAt <= $recordedAtMost)
      AND ($validFromAtMost IS NULL OR r.validFrom <= $validFromAtMost)
      AND (NOT $currentOnly OR r.expiredAt IS NULL)
    RETURN DISTINCT r {.*} AS r`,
  /** $tenant, $ids (fact ids) → v: their revisions. */
  revisionsOfFacts: `
    MATCH (v:FactRevision {tenant: $tenant}) WHERE v.factId IN $ids
    RETURN v {.*} AS v`,
  /** $tenant, $ids (fact ids) → s: their statements. */
  statementsOfFacts: `
    MATCH (s:FactStatement {tenant: $tenant}) WHERE s.factId IN $ids
    RETURN s {.*} AS s`,
  /** $tenant, $ids (event ids) → s: statements those events made. */
  statementsOfEvents: `
    MATCH (s:FactStatement {tenant: $tenant}) WHERE s.eventId IN $ids
    RETURN s {.*} AS s`,
  /** $tenant, $keys: [{subjectId, predicate}] → s: every statement of those timelines. */
  statementsOfTimelines: `
    UNWIND $keys AS k
    MATCH (s:FactStatement {tenant: $tenant, subjectId: k.subjectId, predicate: k.predicate})
    RETURN s {.*} AS s`,
  /** $tenant, $ids (entity ids), $recordedAtMost (ms or null) → m: mentions of the entities. */
  mentionsOfEntities: `
    MATCH (:Extraction {tenant: $tenant})-[m:MENTIONS {tenant: $tenant}]->(n:Entity {tenant: $tenant})
    WHERE n.id IN $ids AND ($recordedAtMost IS NULL OR m.recordedAt <= $recordedAtMost)
    RETURN m {.*} AS m`,
  /** $tenant, $ids (entity ids), $recordedAtMost (ms or null), $limit → m: the first mentions in transaction order. */
  firstMentionsOfEntities: `
    MATCH (:Extraction {tenant: $tenant})-[m:MENTIONS {tenant: $tenant}]->(n:Entity {tenant: $tenant})
    WHERE n.id IN $ids AND ($recordedAtMost IS NULL OR m.recordedAt <= $recordedAtMost)
    RETURN m {.*} AS m
    ORDER BY m.recordedAt, m.partition, m.offset, m.id
    LIMIT $limit`,
  /** $tenant, $ids (event ids) → m: mentions those events made. */
  mentionsOfEvents: `
    MATCH (:Extraction {tenant: $tenant})-[m:MENTIONS {tenant: $tenant}]->(:Entity {tenant: $tenant})
    WHERE m.eventId IN $ids
    RETURN m {.*} AS m`,
  /** $tenant → entities, facts, invalidatedFacts, mentions, events. */
  counts: `
    CALL () { MATCH (n:Entity {tenant: $tenant}) RETURN count(n) AS entities }
    CALL () {
      MATCH (:Entity {tenant: $tenant})-[r:RELATES_TO {tenant: $tenant}]->(:Entity {tenant: $tenant})
      RETURN count(r) AS facts, count(r.expiredAt) AS invalidatedFacts
    }
    CALL () { MATCH (:Extraction {tenant: $tenant})-[m:MENTIONS {tenant: $tenant}]->(:Entity {tenant: $tenant}) RETURN count(m) AS mentions }
    CALL () { MATCH (x:Extraction {tenant: $tenant}) WHERE x.purgedAt IS NULL RETURN count(x) AS events }
    RETURN entities, facts, invalidatedFacts, mentions, events`,
} as const;

/**
 * Writes: batched with UNWIND over `$rows`, each row a record whose `tenant` is the batch's
 * tenant (every statement also matches `$tenant`, so a row of another tenant writes nothing).
 * Inserts are idempotent MERGEs keyed by tenant and id.
 */
export const WRITE = {
  /** $tenant, $rows: AppliedEventRecord[]. */
  mergeEvents: `
    UNWIND $rows AS row
    MERGE (x:Extraction {tenant: $tenant, eventId: row.eventId})
    ON CREATE SET x += row`,
  /** $tenant, $rows: EntityRecord[] (aliases replace the stored list). */
  mergeEntities: `
    UNWIND $rows AS row
    MERGE (n:Entity {tenant: $tenant, id: row.id})
    SET n += row`,
  /** $tenant, $rows: MentionRecord[]. */
  mergeMentions: `
    UNWIND $rows AS row
    MATCH (x:Extraction {tenant: $tenant, eventId: row.eventId})
    MATCH (n:Entity {tenant: $tenant, id: row.entityId})
    MERGE (x)-[m:MENTIONS {tenant: $tenant, id: row.id}]->(n)
    ON CREATE SET m += row`,
  /** $tenant, $rows: FactRecord[] (validity properties replaced; null removes). */
  mergeFacts: `
    UNWIND $rows AS row
    MATCH (s:Entity {tenant: $tenant, id: row.subjectId})
    MATCH (o:Entity {tenant: $tenant, id: row.objectId})
    MERGE (s)-[r:RELATES_TO {tenant: $tenant, id: row.id}]->(o)
    SET r += row`,
  /** $tenant, $rows: FactStatement[]. */
  mergeStatements: `
    UNWIND $rows AS row
    MERGE (s:FactStatement {tenant: $tenant, eventId: row.eventId, index: row.index})
    ON CREATE SET s += row`,
  /** $tenant, $rows: FactRevision[]. */
  mergeRevisions: `
    UNWIND $rows AS row
    MERGE (v:FactRevision {tenant: $tenant, id: row.id})
    ON CREATE SET v += row`,
  /** $tenant, $ids (event ids), $purgedAt (ms): marks events purged. */
  markPurged: `
    MATCH (x:Extraction {tenant: $tenant}) WHERE x.eventId IN $ids AND x.purgedAt IS NULL
    SET x.purgedAt = $purgedAt`,
  /** $tenant, $ids (event ids): deletes the mentions those events made. */
  deleteMentionsOfEvents: `
    MATCH (:Extraction {tenant: $tenant})-[m:MENTIONS {tenant: $tenant}]->(:Entity {tenant: $tenant})
    WHERE m.eventId IN $ids
    DELETE m`,
  /** $tenant, $keys: deletes the revisions of every fact of the timelines (run before deleteFactsOfTimelines). */
  deleteRevisionsOfTimelines: `
    UNWIND $keys AS k
    MATCH (:Entity {tenant: $tenant, id: k.subjectId})-[r:RELATES_TO {tenant: $tenant, predicate: k.predicate}]->(:Entity {tenant: $tenant})
    MATCH (v:FactRevision {tenant: $tenant, factId: r.id})
    DELETE v`,
  /** $tenant, $keys: deletes every statement of the timelines. */
  deleteStatementsOfTimelines: `
    UNWIND $keys AS k
    MATCH (s:FactStatement {tenant: $tenant, subjectId: k.subjectId, predicate: k.predicate})
    DELETE s`,
  /** $tenant, $keys: deletes every fact of the timelines. */
  deleteFactsOfTimelines: `
    UNWIND $keys AS k
    MATCH (:Entity {tenant: $tenant, id: k.subjectId})-[r:RELATES_TO {tenant: $tenant, predicate: k.predicate}]->(:Entity {tenant: $tenant})
    DELETE r`,
  /** $tenant, $ids (entity ids): deletes entities with their remaining relationships. */
  deleteEntities: `
    MATCH (n:Entity {tenant: $tenant}) WHERE n.id IN $ids
    DETACH DELETE n`,
} as const;

/** Property keys the statements use (for offline linting against the model). */
export const PROPERTY_KEYS = [
  'tenant',
  'id',
  'eventId',
  'sourceEventId',
  'extractor',
  'worldTime',
  'recordedAt',
  'partition',
  'offset',
  'purgedAt',
  'canonicalName',
  'name',
  'type',
  'aliases',
  'entityId',
  'surface',
  'start',
  'end',
  'subjectId',
  'predicate',
  'objectId',
  'singleValued',
  'validFrom',
  'statedValidTo',
  'validTo',
  'expiredAt',
  'invalidatedBy',
  'factId',
  'index',
  'kind',
  'byFactId',
] as const;
