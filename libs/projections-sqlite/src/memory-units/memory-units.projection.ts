import type Database from 'better-sqlite3';
import type { StoredEvent } from '@memfabric/events';
import {
  applyUnitChange,
  MEMORY_UNIT_EVENT_TYPES,
  MEMORY_UNITS_PROJECTION,
  memoryUnitChanges,
  type MemoryUnitChange,
  type MemoryUnitStatus,
  type RollbackFilter,
  type UnitTransition,
} from '@memfabric/projections';
import type { SqliteProjectionHandler } from '../sqlite.projection-runtime.js';
import { MEMORY_UNIT_COLUMNS, memoryUnitDecisionsTable, memoryUnitsDdl, memoryUnitsTable, rollbacksToText, rowToUnit, unitToValues, type MemoryUnitRow } from './memory-units.table.js';

/**
 * Version of the memory-unit projection's code. Bump it whenever the rules or the table
 * change: the runtime then rebuilds the view into a new generation.
 */
export const MEMORY_UNITS_VERSION = 4;

/** Rollback candidates: one statement per combination of the filter's equality fields. */
function rollbackCandidatesSql(table: string, filter: RollbackFilter): string {
  const where = ['tenantid = @tenantid', "status IN ('active', 'rolled_back', 'erased')", 'created_offset <= @upto'];
  if (filter.streamid !== undefined) where.push('streamid = @streamid');
  if (filter.actor !== undefined) where.push('actor = @actor');
  if (filter.batchid !== undefined) where.push('batchid = @batchid');
  return `SELECT * FROM ${table} WHERE ${where.join(' AND ')}`;
}

function statements(db: Database.Database, generation: number) {
  const t = memoryUnitsTable(generation);
  const invalidate = `invalidated_by = @by, invalidated_partition = @partition, invalidated_offset = @offset, invalidated_at = @recordedat`;
  return {
    get: db.prepare<[string], MemoryUnitRow>(`SELECT * FROM ${t} WHERE id = ?`),
    insert: db.prepare<unknown[]>(`INSERT INTO ${t} (${MEMORY_UNIT_COLUMNS.join(', ')}) VALUES (${MEMORY_UNIT_COLUMNS.map(() => '?').join(', ')})`),
    status: db.prepare<[string], { status: MemoryUnitStatus }>(`SELECT status FROM ${t} WHERE id = ?`),
    supersede: db.prepare<[{ id: string; supersededBy: string; by: string; partition: number; offset: number; recordedat: string }], { status: MemoryUnitStatus }>(
      `UPDATE ${t} SET status = CASE WHEN status = 'erased' THEN 'erased' ELSE 'superseded' END,
         superseded_by = @supersededBy, ${invalidate} WHERE id = @id RETURNING status`,
    ),
    retract: db.prepare<[{ id: string; by: string; partition: number; offset: number; recordedat: string }], { status: MemoryUnitStatus }>(
      `UPDATE ${t} SET status = CASE WHEN status = 'erased' THEN 'erased' ELSE 'retracted' END, ${invalidate} WHERE id = @id RETURNING status`,
    ),
    toErase: db.prepare<[{ tenantid: string; datasubject: string; offset: number }], { id: string }>(
      `SELECT id FROM ${t} WHERE tenantid = @tenantid AND datasubject = @datasubject AND created_offset < @offset AND status != 'erased' ORDER BY created_offset`,
    ),
    decide: db.prepare<[{ eventId: string; tenantid: string; transitions: string; rejected: string | null }]>(
      `INSERT INTO ${memoryUnitDecisionsTable(generation)} (event_id, tenantid, transitions, rejected) VALUES (@eventId, @tenantid, @transitions, @rejected)
       ON CONFLICT (event_id) DO UPDATE SET transitions = excluded.transitions, rejected = excluded.rejected`,
    ),
    rolledBackBy: db.prepare<[{ tenantid: string; rollbackId: string }], MemoryUnitRow>(
      `SELECT * FROM ${t} WHERE tenantid = @tenantid AND rollbacks IS NOT NULL
         AND EXISTS (SELECT 1 FROM json_each(rollbacks) AS rb WHERE rb.value ->> 'rollbackId' = @rollbackId)`,
    ),
    setRollbacks: db.prepare<[{ id: string; status: string; rollbacks: string | null }]>(`UPDATE ${t} SET status = @status, rollbacks = @rollbacks WHERE id = @id`),
    candidates: new Map<string, Database.Statement<[Record<string, unknown>], MemoryUnitRow>>(),
    db,
    table: t,
    erase: db.prepare<[{ tenantid: string; datasubject: string; offset: number; recordedat: string }]>(
      `UPDATE ${t} SET status = 'erased', text = NULL, speaker = NULL, attributes = NULL, sourceref = NULL,
         erased_offset = COALESCE(erased_offset, @offset), erased_at = COALESCE(erased_at, @recordedat)
       WHERE tenantid = @tenantid AND datasubject = @datasubject AND created_offset < @offset`,
    ),
  };
}

/**
 * The memory-unit projection for the embedded runtime: applies the pure rules of
 * `memoryUnitChanges` (`@memfabric/projections`) to the table `memory_units_g<generation>`
 * (see `memoryUnitsDdl`). Events the rules reject (a correction of an unknown or retracted
 * memory, data of the wrong shape) are dead-lettered through `context.reject`; lookups of
 * earlier units run in the batch transaction, so they see the batch's own earlier writes.
 * Every event of a memory-unit type also gets its `UnitDecision` (the units it created or whose
 * status it changed, or why it was rejected) in `memory_unit_decisions_g<generation>`, written
 * in the same transaction: the other read models consume it through `SqliteUnitDecisions`.
 * Read the view with `SqliteMemoryUnitStore`.
 */
export function memoryUnitsProjection(): SqliteProjectionHandler {
  const types = new Set(MEMORY_UNIT_EVENT_TYPES);
  // Prepared statements per connection and generation.
  const cache = new WeakMap<Database.Database, Map<number, ReturnType<typeof statements>>>();
  const stmtsFor = (db: Database.Database, generation: number) => {
    let byGeneration = cache.get(db);
    if (!byGeneration) {
      byGeneration = new Map();
      cache.set(db, byGeneration);
    }
    let s = byGeneration.get(generation);
    if (!s) {
      s = statements(db, generation);
      byGeneration.set(generation, s);
    }
    return s;
  };
  return {
    name: MEMORY_UNITS_PROJECTION,
    version: MEMORY_UNITS_VERSION,
    kind: 'read-model',
    description: 'one memory unit per interaction or asserted memory, with supersession, retraction, rollback and erasure status',
    accepts: (event: StoredEvent) => types.has(event.type),
    createSchema(db, generation) {
      db.exec(memoryUnitsDdl(generation));
    },
    dropSchema(db, generation) {
      db.exec(`DROP TABLE IF EXISTS ${memoryUnitsTable(generation)}; DROP TABLE IF EXISTS ${memoryUnitDecisionsTable(generation)}`);
      cache.get(db)?.delete(generation);
    },
    apply(events, context) {
      const s = stmtsFor(context.store, context.generation);
      const lookup = (id: string) => {
        const row = s.get.get(id);
        return row ? rowToUnit(row) : undefined;
      };
      for (const event of events) {
        const decision = memoryUnitChanges(event, lookup);
        const transitions: UnitTransition[] = [];
        if (decision.outcome === 'rejected') context.reject(event, decision.reason);
        else if (decision.outcome === 'changes') for (const change of decision.changes) write(s, change, transitions);
        s.decide.run({
          eventId: event.id,
          tenantid: event.tenantid,
          transitions: JSON.stringify(transitions),
          rejected: decision.outcome === 'rejected' ? decision.reason : null,
        });
      }
    },
  };
}

/** Writes one change and appends the units whose status it changed to `transitions`. */
function write(s: ReturnType<typeof statements>, change: MemoryUnitChange, transitions: UnitTransition[]): void {
  switch (change.type) {
    case 'created':
      s.insert.run(...unitToValues(change.unit));
      transitions.push({ id: change.unit.id, status: change.unit.status, created: true });
      return;
    case 'superseded':
    case 'retracted': {
      const before = s.status.get(change.id)?.status;
      const at = { id: change.id, by: change.at.eventId, partition: change.at.partition, offset: change.at.offset, recordedat: change.at.recordedat };
      const after = change.type === 'superseded' ? s.supersede.get({ ...at, supersededBy: change.by }) : s.retract.get(at);
      if (after && after.status !== before) transitions.push({ id: change.id, status: after.status });
      return;
    }
    case 'erased': {
      const at = { tenantid: change.tenantid, datasubject: change.datasubject, offset: change.at.offset };
      for (const { id } of s.toErase.all(at)) transitions.push({ id, status: 'erased' });
      s.erase.run({ ...at, recordedat: change.at.recordedat });
      return;
    }
    case 'rolled_back': {
      const sql = rollbackCandidatesSql(s.table, change.filter);
      let candidates = s.candidates.get(sql);
      if (!candidates) {
        candidates = s.db.prepare<[Record<string, unknown>], MemoryUnitRow>(sql);
        s.candidates.set(sql, candidates);
      }
      const { tenantid, streamid, actor, batchid } = change.filter;
      const rows = candidates.all({ tenantid, upto: change.upto, ...(streamid === undefined ? {} : { streamid }), ...(actor === undefined ? {} : { actor }), ...(batchid === undefined ? {} : { batchid }) });
      updateRollbacks(s, rows, change, transitions);
      return;
    }
    case 'rollback_reverted':
      updateRollbacks(s, s.rolledBackBy.all({ tenantid: change.tenantid, rollbackId: change.rollbackId }), change, transitions);
      return;
  }
}

/** Applies a rollback change to candidate rows through the pure rules and writes the units it changed. */
function updateRollbacks(
  s: ReturnType<typeof statements>,
  rows: readonly MemoryUnitRow[],
  change: Extract<MemoryUnitChange, { type: 'rolled_back' | 'rollback_reverted' }>,
  transitions: UnitTransition[],
): void {
  for (const row of [...rows].sort((a, b) => a.created_offset - b.created_offset)) {
    const unit = rowToUnit(row);
    const next = applyUnitChange(unit, change);
    if (next === unit) continue;
    s.setRollbacks.run({ id: next.id, status: next.status, rollbacks: rollbacksToText(next.rollbacks) });
    if (next.status !== unit.status) transitions.push({ id: next.id, status: next.status });
  }
}
