import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Embedder } from '@memfabric/embeddings';
import type { InteractionRecorded, MemoryAsserted, MemoryCorrected, StoredEvent } from '@memfabric/events';
import {
  applyUnitChange,
  memoryUnitChanges,
  type MemoryUnit,
  type MemoryUnitChange,
  type MemoryUnitStatus,
  type UnitRollback,
} from '@memfabric/projections';
import type { SqliteProjectionHandler } from '@memfabric/projections-sqlite';
import { SqliteLexicalIndex, SqliteVectorIndex } from '@memfabric/vector-index-hnsw';
import { unitKey, type UnitPayload, type UnitStatus } from '@memfabric/vector-index';

/** Name of the vector + lexical projection (consumer groups `projection:vectors:g<N>`). */
export const VECTOR_PROJECTION = 'vectors';

/** The dense and lexical indexes of one generation. */
export interface GenerationIndexes {
  readonly vectors: SqliteVectorIndex;
  readonly lexical: SqliteLexicalIndex;
}

/** Options of {@link vectorProjection}. */
export interface VectorProjectionOptions {
  /** Directory of a generation's HNSW cache files, e.g. `<dataDir>/vectors-g<N>`. */
  readonly indexDir: (generation: number) => string;
}

/** The vector projection and access to its per-generation indexes. */
export interface VectorProjection {
  readonly handler: SqliteProjectionHandler<Map<string, Float32Array>>;
  /** The indexes of a generation over `db` (opened on first use). */
  indexes(db: Database.Database, generation: number): GenerationIndexes;
  /** Writes every open generation's HNSW cache files (call before closing). */
  saveIndexFiles(): void;
}

/** The text of the unit an event creates, or undefined when it creates none. */
function unitText(event: StoredEvent): string | undefined {
  if (event.data === null) return undefined;
  switch (event.type) {
    case 'interaction.recorded':
      return (event.data as unknown as InteractionRecorded).content;
    case 'memory.asserted':
      return (event.data as unknown as MemoryAsserted).content;
    case 'memory.corrected':
      return (event.data as unknown as MemoryCorrected).content;
    default:
      return undefined;
  }
}

/** Speaker named by the event's data (`data.speaker`), if any. */
function speakerOf(event: StoredEvent): string | undefined {
  const speaker = (event.data as { speaker?: unknown } | null)?.speaker;
  return typeof speaker === 'string' ? speaker : undefined;
}

/** Event types the vector projection reads. */
const VECTOR_EVENT_TYPES: ReadonlySet<string> = new Set([
  'interaction.recorded',
  'memory.asserted',
  'memory.corrected',
  'memory.retracted',
  'rollback.applied',
  'rollback.reverted',
  'subject.erased',
]);

/** Name of a generation's unit-state table (see {@link unitStateDdl}). */
export function unitStateTable(generation: number): string {
  return `vec_g${generation}_unit_state`;
}

/**
 * DDL of the unit-state table of a vector generation: per memory unit, what the memory-unit
 * rules need to decide later events (tenant, stream, actor, data subject, world time, ingest
 * batch, creating offset, status, supersession link, rollback intervals as JSON), without the
 * text. It lets the vector projection apply exactly the rules of the memory-unit projection
 * (`memoryUnitChanges`): the head of a supersession chain is what a correction supersedes,
 * rollbacks cover the same units, an erasure finds the subject's units. Erased units keep a
 * row with the personal fields blanked (id, tenant, offset and status only).
 */
export function unitStateDdl(generation: number): string {
  const t = unitStateTable(generation);
  return `
CREATE TABLE IF NOT EXISTS ${t} (
  id                 TEXT PRIMARY KEY,
  tenantid           TEXT NOT NULL,
  streamid           TEXT NOT NULL,
  actor              TEXT NOT NULL,
  datasubject        TEXT NOT NULL,
  time               TEXT NOT NULL,
  batchid            TEXT NOT NULL,
  created_offset     INTEGER NOT NULL,
  status             TEXT NOT NULL,
  superseded_by      TEXT,
  invalidated_offset INTEGER,
  rollbacks          TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS ${t}_by_tenant ON ${t} (tenantid, created_offset);
CREATE INDEX IF NOT EXISTS ${t}_by_subject ON ${t} (tenantid, datasubject);
CREATE INDEX IF NOT EXISTS ${t}_rolled_back ON ${t} (tenantid) WHERE rollbacks IS NOT NULL;
`;
}

interface UnitStateRow {
  id: string;
  tenantid: string;
  streamid: string;
  actor: string;
  datasubject: string;
  time: string;
  batchid: string;
  created_offset: number;
  status: MemoryUnitStatus;
  superseded_by: string | null;
  invalidated_offset: number | null;
  rollbacks: string | null;
}

/** The memory unit a state row stands for, with the fields the rules read (no content). */
function rowToUnit(r: UnitStateRow): MemoryUnit {
  return {
    id: r.id, tenantid: r.tenantid, streamid: r.streamid, actor: r.actor, datasubject: r.datasubject,
    eventtype: 'interaction.recorded', memorytype: null, memoryid: null, kind: null, role: null, speaker: null, text: null,
    attributes: null, confidence: null, validfrom: null, validto: null, time: r.time, recordedat: r.time,
    createdPartition: 0, createdOffset: r.created_offset, streamposition: 0, batchid: r.batchid, sourceref: null,
    status: r.status, supersedes: null, supersededBy: r.superseded_by, invalidatedBy: null, invalidatedPartition: null,
    invalidatedOffset: r.invalidated_offset, invalidatedAt: null, erasedOffset: null, erasedAt: null,
    rollbacks: r.rollbacks === null ? [] : (JSON.parse(r.rollbacks) as UnitRollback[]),
  };
}

function stateStatements(db: Database.Database, generation: number) {
  const t = unitStateTable(generation);
  return {
    table: t,
    get: db.prepare<[string], UnitStateRow>(`SELECT * FROM ${t} WHERE id = ?`),
    insert: db.prepare(
      `INSERT INTO ${t} (id, tenantid, streamid, actor, datasubject, time, batchid, created_offset, status, superseded_by, invalidated_offset, rollbacks)
       VALUES (@id, @tenantid, @streamid, @actor, @datasubject, @time, @batchid, @createdOffset, @status, NULL, NULL, NULL)
       ON CONFLICT (id) DO NOTHING`,
    ),
    invalidate: db.prepare<[{ id: string; status: string; supersededBy: string | null; offset: number }]>(
      `UPDATE ${t} SET status = @status, superseded_by = COALESCE(@supersededBy, superseded_by), invalidated_offset = @offset WHERE id = @id`,
    ),
    setRollbacks: db.prepare<[{ id: string; status: string; rollbacks: string | null }]>(`UPDATE ${t} SET status = @status, rollbacks = @rollbacks WHERE id = @id`),
    rolledBackBy: db.prepare<[{ tenantid: string; rollbackId: string }], UnitStateRow>(
      `SELECT * FROM ${t} WHERE tenantid = @tenantid AND rollbacks IS NOT NULL
         AND EXISTS (SELECT 1 FROM json_each(rollbacks) AS rb WHERE rb.value ->> 'rollbackId' = @rollbackId)`,
    ),
    rollbackCandidates: db.prepare<[{ tenantid: string; upto: number }], UnitStateRow>(
      `SELECT * FROM ${t} WHERE tenantid = @tenantid AND status IN ('active', 'rolled_back') AND created_offset <= @upto`,
    ),
    ofSubject: db.prepare<[{ tenantid: string; datasubject: string; offset: number }], { id: string }>(
      `SELECT id FROM ${t} WHERE tenantid = @tenantid AND datasubject = @datasubject AND created_offset < @offset`,
    ),
    erase: db.prepare<[string]>(
      `UPDATE ${t} SET status = 'erased', streamid = '', actor = '', datasubject = '', time = '', batchid = '', rollbacks = NULL WHERE id = ?`,
    ),
  };
}

/**
 * The vector + lexical projection: one point per memory unit (unit id = event id) with its
 * embedding in the dense index (rows in SQLite, HNSW files beside it as a cache re-synchronised
 * on open) and its text in the SQLite FTS5 index (BM25). Embeddings are computed in `prepare`,
 * outside the runtime's transaction; rows are written in `apply`, inside it, with the
 * checkpoint.
 *
 * Statuses follow the memory-unit rules exactly (`memoryUnitChanges` of
 * `@memfabric/projections`, over the generation's unit-state table, see {@link unitStateDdl}):
 * a correction supersedes the head of its target's supersession chain, a retraction retracts
 * it, a `rollback.applied` marks the units its filter covers (`rollbackCovers`) `rolled_back`
 * and a `rollback.reverted` makes them `active` again unless something else holds them, and
 * events the memory-unit rules reject are dead-lettered here too (no point is written for a
 * correction of an unknown or retracted memory). Searches return `active` points by default.
 * A `subject.erased` event deletes the subject's points and lexical documents for good
 * (erasure purges derived data; the FTS5 index is merged so the words leave the file).
 *
 * The embedding model id is recorded in the index: opening it with another model fails, so a
 * model change means `memfabric rebuild --projection vectors`.
 */
export function vectorProjection(embedder: Embedder, options: VectorProjectionOptions): VectorProjection {
  const open = new Map<number, GenerationIndexes & { db: Database.Database; state: ReturnType<typeof stateStatements> }>();
  const model = { id: embedder.modelId, dimension: embedder.dimensions };
  const openGeneration = (db: Database.Database, generation: number) => {
    const existing = open.get(generation);
    if (existing && existing.db === db) return existing;
    db.exec(unitStateDdl(generation));
    const created = {
      db,
      vectors: SqliteVectorIndex.open({ database: db, model, tablePrefix: `vec_g${generation}`, indexDir: options.indexDir(generation) }),
      lexical: SqliteLexicalIndex.open({ database: db, tablePrefix: `lex_g${generation}` }),
      state: stateStatements(db, generation),
    };
    open.set(generation, created);
    return created;
  };
  const handler: SqliteProjectionHandler<Map<string, Float32Array>> = {
    name: VECTOR_PROJECTION,
    version: 3,
    kind: 'read-model',
    description: `memory units -> dense (${embedder.modelId}, HNSW) and lexical (FTS5 BM25) indexes, with rollback and erasure`,
    accepts: (e) => VECTOR_EVENT_TYPES.has(e.type),
    createSchema: (db, generation) => {
      openGeneration(db, generation);
    },
    dropSchema: (db, generation) => {
      open.delete(generation);
      const tables = db
        .prepare<[string, string], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')")
        .all(`vec\\_g${generation}\\_%`, `lex\\_g${generation}\\_%`);
      // FTS5 shadow tables go with their virtual table: drop virtual tables first.
      for (const { name } of tables.sort((a, b) => Number(b.name.endsWith('_fts')) - Number(a.name.endsWith('_fts')))) {
        db.exec(`DROP TABLE IF EXISTS "${name}"`);
      }
      rmSync(options.indexDir(generation), { recursive: true, force: true });
    },
    async prepare(events) {
      const toEmbed = events.flatMap((e) => {
        const text = unitText(e);
        return text === undefined || text.trim() === '' ? [] : [{ id: e.id, text: unitKey(speakerOf(e), text) }];
      });
      const vectors = toEmbed.length === 0 ? [] : await embedder.embed(toEmbed.map((t) => t.text));
      return new Map(toEmbed.map((t, i) => [t.id, vectors[i]!]));
    },
    apply(events, context) {
      const generation = openGeneration(context.store, context.generation);
      const lookup = (id: string) => {
        const row = generation.state.get.get(id);
        return row ? rowToUnit(row) : undefined;
      };
      for (const event of events) {
        const decision = memoryUnitChanges(event, lookup);
        if (decision.outcome === 'rejected') context.reject(event, decision.reason);
        else if (decision.outcome === 'changes') for (const change of decision.changes) applyChange(generation, event, change, context.prepared);
      }
    },
  };

  function applyChange(
    g: GenerationIndexes & { state: ReturnType<typeof stateStatements> },
    event: StoredEvent,
    change: MemoryUnitChange,
    prepared: ReadonlyMap<string, Float32Array>,
  ): void {
    const { vectors, lexical, state } = g;
    switch (change.type) {
      case 'created': {
        const unit = change.unit;
        state.insert.run({
          id: unit.id, tenantid: unit.tenantid, streamid: unit.streamid, actor: unit.actor, datasubject: unit.datasubject,
          time: unit.time, batchid: unit.batchid, createdOffset: unit.createdOffset, status: unit.status,
        });
        const vector = prepared.get(event.id);
        if (unit.status !== 'active' || unit.text === null || vector === undefined) return;
        const payload: UnitPayload = {
          id: unit.id,
          tenant: unit.tenantid,
          stream: unit.streamid,
          actor: unit.actor,
          worldTime: Date.parse(unit.validfrom ?? unit.time),
          txTime: Date.parse(unit.recordedat),
          offset: unit.createdOffset,
          status: 'active',
          text: unitKey(unit.speaker, unit.text),
        };
        vectors.upsertSync([{ ...payload, vector, modelId: embedder.modelId }]);
        lexical.upsertSync([payload]);
        return;
      }
      case 'superseded':
      case 'retracted': {
        const row = state.get.get(change.id);
        if (!row) return;
        const next = applyUnitChange(rowToUnit(row), change);
        state.invalidate.run({ id: next.id, status: next.status, supersededBy: next.supersededBy, offset: change.at.offset });
        if (next.status !== 'erased') setStatus(g, next.tenantid, [next.id], next.status);
        return;
      }
      case 'erased': {
        const ids = state.ofSubject.all({ tenantid: change.tenantid, datasubject: change.datasubject, offset: change.at.offset }).map((r) => r.id);
        if (ids.length === 0) return;
        for (const id of ids) state.erase.run(id);
        vectors.deleteSync(change.tenantid, ids);
        lexical.deleteSync(change.tenantid, ids);
        return;
      }
      case 'rolled_back':
      case 'rollback_reverted': {
        const rows =
          change.type === 'rolled_back'
            ? state.rollbackCandidates.all({ tenantid: change.filter.tenantid, upto: change.upto })
            : state.rolledBackBy.all({ tenantid: change.tenantid, rollbackId: change.rollbackId });
        const byStatus = new Map<UnitStatus, string[]>();
        for (const row of rows) {
          const unit = rowToUnit(row);
          const next = applyUnitChange(unit, change);
          if (next === unit) continue;
          state.setRollbacks.run({ id: next.id, status: next.status, rollbacks: next.rollbacks.length === 0 ? null : JSON.stringify(next.rollbacks) });
          if (next.status !== unit.status && next.status !== 'erased') {
            const list = byStatus.get(next.status) ?? [];
            list.push(next.id);
            byStatus.set(next.status, list);
          }
        }
        const tenant = change.type === 'rolled_back' ? change.filter.tenantid : change.tenantid;
        for (const [status, ids] of byStatus) setStatus(g, tenant, ids, status);
        return;
      }
    }
  }

  function setStatus(g: GenerationIndexes, tenant: string, ids: readonly string[], status: UnitStatus): void {
    g.vectors.setStatusSync(tenant, ids, status);
    g.lexical.setStatusSync(tenant, ids, status);
  }

  return {
    handler,
    indexes: (db, generation) => {
      const { vectors, lexical } = openGeneration(db, generation);
      return { vectors, lexical };
    },
    saveIndexFiles: () => {
      for (const { vectors } of open.values()) vectors.saveIndexFiles();
    },
  };
}
