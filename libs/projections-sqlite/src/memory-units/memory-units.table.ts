import { generationTable, type MemoryUnit, type UnitRollback } from '@memfabric/projections';

/** Name of the memory-unit table of a generation: `memory_units_g<generation>`. */
export function memoryUnitsTable(generation: number): string {
  return generationTable('memory_units', generation);
}

/** Name of the decision table of a generation: `memory_unit_decisions_g<generation>`. */
export function memoryUnitDecisionsTable(generation: number): string {
  return generationTable('memory_unit_decisions', generation);
}

/**
 * DDL of one generation's memory-unit table and its indexes (by tenant + offset, by stream, by
 * data subject for erasure, and a partial index over the units some rollback touched, for
 * reverts), and the decision table (one row per event of a memory-unit type: the `UnitDecision`
the other read models consume, `transitions` as a JSON array of `UnitTransition`, no content).
`rollbacks` holds the unit's rollback intervals as a JSON array of `UnitRollback`
 * (NULL when no rollback touched it). `IF NOT EXISTS` throughout, so it can run again after a
 * crash.
 */
export function memoryUnitsDdl(generation: number): string {
  const t = memoryUnitsTable(generation);
  return `
CREATE TABLE IF NOT EXISTS ${t} (
  id                    TEXT PRIMARY KEY,
  tenantid              TEXT NOT NULL,
  streamid              TEXT NOT NULL,
  actor                 TEXT NOT NULL,
  datasubject           TEXT NOT NULL,
  eventtype             TEXT NOT NULL,
  memorytype            TEXT,
  memoryid              TEXT,
  kind                  TEXT,
  role                  TEXT,
  speaker               TEXT,
  text                  TEXT,
  attributes            TEXT,
  confidence            REAL,
  validfrom             TEXT,
  validto               TEXT,
  time                  TEXT NOT NULL,
  recordedat            TEXT NOT NULL,
  created_partition     INTEGER NOT NULL,
  created_offset        INTEGER NOT NULL,
  streamposition        INTEGER NOT NULL,
  batchid               TEXT NOT NULL,
  sourceref             TEXT,
  status                TEXT NOT NULL CHECK (status IN ('active', 'superseded', 'retracted', 'rolled_back', 'erased')),
  supersedes            TEXT,
  superseded_by         TEXT,
  invalidated_by        TEXT,
  invalidated_partition INTEGER,
  invalidated_offset    INTEGER,
  invalidated_at        TEXT,
  erased_offset         INTEGER,
  erased_at             TEXT,
  rollbacks             TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS ${t}_by_tenant ON ${t} (tenantid, created_offset);
CREATE INDEX IF NOT EXISTS ${t}_by_stream ON ${t} (tenantid, streamid, created_offset);
CREATE INDEX IF NOT EXISTS ${t}_by_subject ON ${t} (tenantid, datasubject);
CREATE INDEX IF NOT EXISTS ${t}_rolled_back ON ${t} (tenantid) WHERE rollbacks IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${memoryUnitDecisionsTable(generation)} (
  event_id    TEXT PRIMARY KEY,
  tenantid    TEXT NOT NULL,
  transitions TEXT NOT NULL,
  rejected    TEXT
) STRICT, WITHOUT ROWID;
`;
}

/** A row of the memory-unit table (snake_case columns of `MemoryUnit`; `attributes` as JSON text). */
export interface MemoryUnitRow {
  id: string;
  tenantid: string;
  streamid: string;
  actor: string;
  datasubject: string;
  eventtype: string;
  memorytype: string | null;
  memoryid: string | null;
  kind: string | null;
  role: string | null;
  speaker: string | null;
  text: string | null;
  attributes: string | null;
  confidence: number | null;
  validfrom: string | null;
  validto: string | null;
  time: string;
  recordedat: string;
  created_partition: number;
  created_offset: number;
  streamposition: number;
  batchid: string;
  sourceref: string | null;
  status: string;
  supersedes: string | null;
  superseded_by: string | null;
  invalidated_by: string | null;
  invalidated_partition: number | null;
  invalidated_offset: number | null;
  invalidated_at: string | null;
  erased_offset: number | null;
  erased_at: string | null;
  /** JSON array of `UnitRollback`, NULL when empty. */
  rollbacks: string | null;
}

/** Column list in insert order. */
export const MEMORY_UNIT_COLUMNS = [
  'id', 'tenantid', 'streamid', 'actor', 'datasubject', 'eventtype', 'memorytype', 'memoryid', 'kind', 'role', 'speaker',
  'text', 'attributes', 'confidence', 'validfrom', 'validto', 'time', 'recordedat', 'created_partition', 'created_offset',
  'streamposition', 'batchid', 'sourceref', 'status', 'supersedes', 'superseded_by', 'invalidated_by',
  'invalidated_partition', 'invalidated_offset', 'invalidated_at', 'erased_offset', 'erased_at', 'rollbacks',
] as const satisfies readonly (keyof MemoryUnitRow)[];

/** The values of {@link MEMORY_UNIT_COLUMNS} for a unit, in that order (positional binding is the fast path). */
export function unitToValues(u: MemoryUnit): unknown[] {
  return [
    u.id, u.tenantid, u.streamid, u.actor, u.datasubject, u.eventtype, u.memorytype, u.memoryid, u.kind, u.role, u.speaker,
    u.text, u.attributes === null ? null : JSON.stringify(u.attributes), u.confidence, u.validfrom, u.validto, u.time,
    u.recordedat, u.createdPartition, u.createdOffset, u.streamposition, u.batchid, u.sourceref, u.status, u.supersedes,
    u.supersededBy, u.invalidatedBy, u.invalidatedPartition, u.invalidatedOffset, u.invalidatedAt, u.erasedOffset, u.erasedAt,
    rollbacksToText(u.rollbacks),
  ];
}

/** The `MemoryUnit` a table row stores (inverse of {@link unitToValues}). */
export function rowToUnit(r: MemoryUnitRow): MemoryUnit {
  return {
    id: r.id, tenantid: r.tenantid, streamid: r.streamid, actor: r.actor, datasubject: r.datasubject,
    eventtype: r.eventtype as MemoryUnit['eventtype'], memorytype: r.memorytype as MemoryUnit['memorytype'], memoryid: r.memoryid,
    kind: r.kind as MemoryUnit['kind'], role: r.role as MemoryUnit['role'], speaker: r.speaker, text: r.text,
    attributes: r.attributes === null ? null : (JSON.parse(r.attributes) as Record<string, unknown>), confidence: r.confidence,
    validfrom: r.validfrom, validto: r.validto, time: r.time, recordedat: r.recordedat,
    createdPartition: r.created_partition, createdOffset: r.created_offset, streamposition: r.streamposition,
    batchid: r.batchid, sourceref: r.sourceref, status: r.status as MemoryUnit['status'], supersedes: r.supersedes,
    supersededBy: r.superseded_by, invalidatedBy: r.invalidated_by, invalidatedPartition: r.invalidated_partition,
    invalidatedOffset: r.invalidated_offset, invalidatedAt: r.invalidated_at, erasedOffset: r.erased_offset, erasedAt: r.erased_at,
    rollbacks: r.rollbacks === null ? NO_ROLLBACKS : (JSON.parse(r.rollbacks) as UnitRollback[]),
  };
}

const NO_ROLLBACKS: readonly UnitRollback[] = Object.freeze([]);

/** The `rollbacks` column value of a unit's rollback intervals (NULL when there are none). */
export function rollbacksToText(rollbacks: readonly UnitRollback[]): string | null {
  return rollbacks.length === 0 ? null : JSON.stringify(rollbacks);
}

/**
 * SQL condition (one generation's table, parameter `@asOf`) true when no rollback interval of
 * the row contains log offset `@asOf`: the SQL form of `rolledBackAt` being false.
 */
export const NOT_ROLLED_BACK_AS_OF = `(rollbacks IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(rollbacks) AS rb
  WHERE rb.value ->> 'offset' <= @asOf AND (rb.value ->> 'revertedOffset' IS NULL OR rb.value ->> 'revertedOffset' > @asOf)))`;
