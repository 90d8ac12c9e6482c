import type Database from 'better-sqlite3';
import type { RollbackApplied, RollbackReverted, StoredEvent, SubjectErased } from '@memfabric/events';
import { extractionFromEvent, type EntityMention, type ExtractionInput, type GraphFact, type Neighbourhood } from '@memfabric/graph-store';
import { dropGraphTables, SqliteGraphStore } from '@memfabric/graph-store-sqlite';
import { rollbackCovers, rollbackFilterProblems, rollbackUpTo } from '@memfabric/projections';
import type { SqliteProjectionHandler } from '@memfabric/projections-sqlite';

/** Name of the temporal knowledge-graph projection (consumer groups `projection:graph:g<N>`). */
export const GRAPH_PROJECTION = 'graph';

/** Event types that create a memory unit: the source events facts are extracted from. */
const SOURCE_TYPES: ReadonlySet<string> = new Set(['interaction.recorded', 'memory.asserted', 'memory.corrected']);
const GRAPH_EVENT_TYPES: ReadonlySet<string> = new Set([...SOURCE_TYPES, 'facts.extracted', 'rollback.applied', 'rollback.reverted', 'subject.erased']);

/** Names of the audit tables the graph projection keeps beside the graph store's, per generation. */
export function graphAuditTables(generation: number): { readonly sources: string; readonly rolledBack: string } {
  return { sources: `graph_g${generation}_audit_sources`, rolledBack: `graph_g${generation}_rolled_back` };
}

/**
 * DDL of the audit tables of a graph generation:
 * - `audit_sources`: one row per source event (interaction, asserted or corrected memory) with
 *   what a rollback filter and an erasure look at (tenant, stream, actor, data subject, world
 *   time, ingest batch, offset); `erased = 1` once its subject was erased (personal fields
 *   blanked). Facts extracted from an erased source are never applied.
 * - `rolled_back`: per rollback and source event it covers, the offsets between which the
 *   source's facts and mentions are hidden (`rolled_back_offset` inclusive, `reverted_offset`
 *   exclusive, NULL while the rollback holds).
 */
export function graphAuditDdl(generation: number): string {
  const t = graphAuditTables(generation);
  return `
CREATE TABLE IF NOT EXISTS ${t.sources} (
  id             TEXT PRIMARY KEY,
  tenantid       TEXT NOT NULL,
  streamid       TEXT NOT NULL,
  actor          TEXT NOT NULL,
  datasubject    TEXT NOT NULL,
  time           TEXT NOT NULL,
  batchid        TEXT NOT NULL,
  created_offset INTEGER NOT NULL,
  erased         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS ${t.sources}_by_tenant ON ${t.sources} (tenantid, created_offset);
CREATE INDEX IF NOT EXISTS ${t.sources}_by_subject ON ${t.sources} (tenantid, datasubject);
CREATE TABLE IF NOT EXISTS ${t.rolledBack} (
  tenantid           TEXT NOT NULL,
  rollback_id        TEXT NOT NULL,
  source_event_id    TEXT NOT NULL,
  rolled_back_offset INTEGER NOT NULL,
  reverted_offset    INTEGER,
  PRIMARY KEY (rollback_id, source_event_id)
) STRICT;
CREATE INDEX IF NOT EXISTS ${t.rolledBack}_by_source ON ${t.rolledBack} (tenantid, source_event_id);
`;
}

interface SourceRow {
  id: string;
  tenantid: string;
  streamid: string;
  actor: string;
  datasubject: string;
  time: string;
  batchid: string;
  created_offset: number;
  erased: number;
}

function auditStatements(db: Database.Database, generation: number) {
  const t = graphAuditTables(generation);
  return {
    insertSource: db.prepare(
      `INSERT INTO ${t.sources} (id, tenantid, streamid, actor, datasubject, time, batchid, created_offset, erased)
       VALUES (@id, @tenantid, @streamid, @actor, @datasubject, @time, @batchid, @offset, @erased) ON CONFLICT (id) DO NOTHING`,
    ),
    source: db.prepare<[string, string], SourceRow>(`SELECT * FROM ${t.sources} WHERE tenantid = ? AND id = ?`),
    candidates: db.prepare<[string, number], SourceRow>(`SELECT * FROM ${t.sources} WHERE tenantid = ? AND erased = 0 AND created_offset <= ?`),
    ofSubject: db.prepare<[string, string, number], { id: string }>(
      `SELECT id FROM ${t.sources} WHERE tenantid = ? AND datasubject = ? AND erased = 0 AND created_offset < ?`,
    ),
    eraseSource: db.prepare<[string]>(`UPDATE ${t.sources} SET erased = 1, streamid = '', actor = '', datasubject = '', time = '', batchid = '' WHERE id = ?`),
    forgetRollbacks: db.prepare<[string, string]>(`DELETE FROM ${t.rolledBack} WHERE tenantid = ? AND source_event_id = ?`),
    rollBack: db.prepare<[string, string, string, number]>(
      `INSERT INTO ${t.rolledBack} (tenantid, rollback_id, source_event_id, rolled_back_offset) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    revert: db.prepare<[number, string, string]>(`UPDATE ${t.rolledBack} SET reverted_offset = ? WHERE tenantid = ? AND rollback_id = ? AND reverted_offset IS NULL`),
  };
}

/**
 * The temporal knowledge-graph projection: applies facts.extracted events to the SQLite graph
 * store of its generation (`graph_g<N>_*` tables in the log's file), in the runtime's
 * transaction, so graph rows and the checkpoint commit together. Entities, mentions and facts
 * carry valid time and transaction time; a fact that contradicts a single-valued one
 * invalidates it (Graphiti's rule), never deletes it. Applying an event twice is a no-op.
 *
 * Audit (see {@link graphAuditDdl}): source events are recorded so that
 * - `subject.erased` purges everything derived from the subject's earlier source events
 *   (`purgeEventsSync`: mentions, facts only they stated, entities nobody else mentions; the
 *   affected timelines are replayed), and facts extracted later from such a source are skipped;
 * - `rollback.applied` records the source events its filter covers (`rollbackCovers`, the rule
 *   the memory units use) and `rollback.reverted` closes their interval. The graph rows stay:
 *   readers exclude rolled-back sources with {@link GraphRollbacks}. Rollback filters the
 *   memory-unit rules reject are dead-lettered here too.
 */
export function graphProjection(): SqliteProjectionHandler {
  const stores = new Map<number, { store: SqliteGraphStore; audit: ReturnType<typeof auditStatements> }>();
  const storeOf = (db: Database.Database, generation: number) => {
    let entry = stores.get(generation);
    if (!entry || entry.store.db !== db) {
      const store = SqliteGraphStore.open({ db, generation });
      db.exec(graphAuditDdl(generation));
      entry = { store, audit: auditStatements(db, generation) };
      stores.set(generation, entry);
    }
    return entry;
  };
  return {
    name: GRAPH_PROJECTION,
    version: 2,
    kind: 'read-model',
    description: 'facts.extracted -> entities, mentions and bi-temporal facts (SQLite); rollback and erasure of source events',
    accepts: (e) => GRAPH_EVENT_TYPES.has(e.type),
    createSchema: (db, generation) => {
      storeOf(db, generation);
    },
    dropSchema: (db, generation) => {
      dropGraphTables(db, { generation });
      const t = graphAuditTables(generation);
      db.exec(`DROP TABLE IF EXISTS ${t.sources}; DROP TABLE IF EXISTS ${t.rolledBack};`);
      stores.delete(generation);
    },
    apply(events, context) {
      const { store, audit } = storeOf(context.store, context.generation);
      // consecutive facts.extracted events are applied in one call (one working set), flushed
      // before an erasure so that it purges what came before it
      let pending: ExtractionInput[] = [];
      const flush = () => {
        if (pending.length > 0) store.applyExtractionsSync(pending);
        pending = [];
      };
      for (const event of events) {
        if (SOURCE_TYPES.has(event.type)) {
          recordSource(audit, event);
        } else if (event.type === 'facts.extracted') {
          const input = extractionFromEvent(event);
          if (!input) continue;
          const source = audit.source.get(event.tenantid, input.provenance.sourceEventId);
          if (source?.erased !== 1) pending.push(input);
        } else if (event.data === null) {
          continue;
        } else if (event.type === 'rollback.applied') {
          const problems = rollbackFilterProblems(event.data.filter, event.tenantid);
          if (problems.length > 0) {
            context.reject(event, problems.join('; '));
            continue;
          }
          const data = event.data as unknown as RollbackApplied;
          const upto = rollbackUpTo(data, event.offset);
          for (const row of audit.candidates.all(event.tenantid, upto)) {
            const target = { tenantid: row.tenantid, streamid: row.streamid, actor: row.actor, time: row.time, batchid: row.batchid, createdOffset: row.created_offset };
            if (rollbackCovers(data.filter, upto, target)) audit.rollBack.run(event.tenantid, event.id, row.id, event.offset);
          }
        } else if (event.type === 'rollback.reverted') {
          audit.revert.run(event.offset, event.tenantid, (event.data as unknown as RollbackReverted).rollbackid);
        } else if (event.type === 'subject.erased') {
          flush();
          const subject = (event.data as unknown as SubjectErased).datasubject;
          const ids = audit.ofSubject.all(event.tenantid, subject, event.offset).map((r) => r.id);
          if (ids.length === 0) continue;
          store.purgeEventsSync(event.tenantid, ids);
          for (const id of ids) {
            audit.eraseSource.run(id);
            audit.forgetRollbacks.run(event.tenantid, id);
          }
        }
      }
      flush();
    },
  };
}

function recordSource(audit: ReturnType<typeof auditStatements>, event: StoredEvent): void {
  const erased = event.data === null;
  audit.insertSource.run({
    id: event.id,
    tenantid: event.tenantid,
    streamid: erased ? '' : event.streamid,
    actor: erased ? '' : event.actor,
    datasubject: erased ? '' : event.datasubject,
    time: erased ? '' : event.time,
    batchid: erased ? '' : event.batchid,
    offset: event.offset,
    erased: erased ? 1 : 0,
  });
}

/** The graph store of a generation, for reads (counts, queries). */
export function openGraphStore(db: Database.Database, generation: number): SqliteGraphStore {
  return SqliteGraphStore.open({ db, generation });
}

/** Options of the {@link GraphRollbacks} reads. */
export interface GraphRollbackReadOptions {
  /**
   * Log offset (inclusive): exclude what was rolled back at that position (a rollback applied by
   * then and not reverted by then). Default: now (every rollback not reverted).
   */
  readonly asOf?: number;
}

/**
 * Which source events of a graph generation are rolled back, and graph reads without them. The
 * graph store keeps facts and mentions of rolled-back sources (a rollback never deletes);
 * readers pass what the store returned through these filters:
 * - a fact stays while at least one of its source events is not rolled back (another turn may
 *   state it too); a fact whose every source is rolled back is left out;
 * - a mention of a rolled-back source is left out;
 * - in a neighbourhood, entities no remaining fact or mention touches are left out, seeds kept.
 *
 * Not undone: invalidations caused by a rolled-back fact (a fact it contradicted stays
 * invalidated; its validity interval keeps the end the rolled-back fact gave it). Erasure, in
 * contrast, purges and replays the affected timelines.
 */
export class GraphRollbacks {
  private readonly current: Database.Statement<[string, string], { source_event_id: string }> | undefined;
  private readonly asOf: Database.Statement<[string, string, number, number], { source_event_id: string }> | undefined;

  private constructor(db: Database.Database, generation: number) {
    const t = graphAuditTables(generation).rolledBack;
    // A generation built by an older handler has no rollback table: nothing is rolled back there.
    const exists = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(t)!.n > 0;
    this.current = exists
      ? db.prepare(
          `SELECT DISTINCT source_event_id FROM ${t} WHERE tenantid = ? AND reverted_offset IS NULL
             AND source_event_id IN (SELECT value FROM json_each(?))`,
        )
      : undefined;
    this.asOf = exists
      ? db.prepare(
          `SELECT DISTINCT source_event_id FROM ${t} WHERE tenantid = ? AND source_event_id IN (SELECT value FROM json_each(?))
             AND rolled_back_offset <= ? AND (reverted_offset IS NULL OR reverted_offset > ?)`,
        )
      : undefined;
  }

  /** The rollback view of graph generation `generation` in `db` (read only). */
  static open(db: Database.Database, generation: number): GraphRollbacks {
    return new GraphRollbacks(db, generation);
  }

  /** Of `sourceEventIds`, those hidden by a rollback (now, or at `options.asOf`). */
  rolledBack(tenant: string, sourceEventIds: readonly string[], options: GraphRollbackReadOptions = {}): Set<string> {
    if (sourceEventIds.length === 0 || !this.current || !this.asOf) return new Set();
    const ids = JSON.stringify([...new Set(sourceEventIds)]);
    const rows = options.asOf === undefined ? this.current.all(tenant, ids) : this.asOf.all(tenant, ids, options.asOf, options.asOf);
    return new Set(rows.map((r) => r.source_event_id));
  }

  /** `facts` without those whose every source event is rolled back. */
  visibleFacts(tenant: string, facts: readonly GraphFact[], options: GraphRollbackReadOptions = {}): GraphFact[] {
    const hidden = this.rolledBack(tenant, facts.flatMap((f) => f.sourceEvents), options);
    if (hidden.size === 0) return [...facts];
    return facts.filter((f) => f.sourceEvents.length === 0 || f.sourceEvents.some((id) => !hidden.has(id)));
  }

  /** `mentions` without those of rolled-back source events. */
  visibleMentions(tenant: string, mentions: readonly EntityMention[], options: GraphRollbackReadOptions = {}): EntityMention[] {
    const hidden = this.rolledBack(tenant, mentions.map((m) => m.sourceEventId), options);
    return hidden.size === 0 ? [...mentions] : mentions.filter((m) => !hidden.has(m.sourceEventId));
  }

  /** A neighbourhood without rolled-back facts and mentions, and without entities only they reached (`seedIds` are kept). */
  visibleNeighbourhood(tenant: string, neighbourhood: Neighbourhood, seedIds: readonly string[], options: GraphRollbackReadOptions = {}): Neighbourhood {
    const facts = this.visibleFacts(tenant, neighbourhood.facts, options);
    const mentions = this.visibleMentions(tenant, neighbourhood.mentions, options);
    const touched = new Set<string>(seedIds);
    for (const f of facts) touched.add(f.subjectId).add(f.objectId);
    for (const m of mentions) touched.add(m.entityId);
    return { entities: neighbourhood.entities.filter((e) => touched.has(e.id)), facts, mentions };
  }
}
