import type Database from 'better-sqlite3';
import { UnavailableError } from '@memfabric/errors';
import {
  checkAsOf,
  checkUnitLookup,
  emptyCounts,
  MEMORY_UNITS_PROJECTION,
  normalizeListUnitsOptions,
  unitAsOf,
  type ListUnitsOptions,
  type MemoryUnit,
  type MemoryUnitCounts,
  type MemoryUnitStatus,
  type MemoryUnitStore,
  type StreamAnchor,
  type StreamNeighbourOptions,
} from '@memfabric/projections';
import { activeGenerationOf } from '../generation-registry.js';
import { memoryUnitsTable, NOT_ROLLED_BACK_AS_OF, rowToUnit, type MemoryUnitRow } from './memory-units.table.js';

/** Options of {@link SqliteMemoryUnitStore}. */
export interface SqliteMemoryUnitStoreOptions {
  /**
   * Read this generation instead of the active one (tests, audits of a rebuild in progress).
   * Default: the active generation, looked up in `projection_generations` on every query.
   */
  readonly generation?: number;
}

/**
 * The status a unit had at the `asOf` position, in SQL (mirrors `unitAsOf`): a unit visible
 * then was `active` (or is `erased` for good).
 */
const STATUS_AS_OF = "CASE WHEN status = 'erased' THEN 'erased' ELSE 'active' END";
/** Visible at `@asOf` (mirrors `unitAsOf`): created by then, not invalidated by then, not hidden by a rollback then. */
const VISIBLE_AS_OF = `created_offset <= @asOf AND (invalidated_offset IS NULL OR invalidated_offset > @asOf) AND ${NOT_ROLLED_BACK_AS_OF}`;

/**
 * Reads the memory-unit view of the embedded fabric (`memory_units_g<active generation>` in
 * the log's SQLite file). Each query resolves the active generation and reads its table in one
 * read transaction, so a generation switch by a rebuild (in this or another process) is seen
 * atomically: a query is answered wholly from the old or wholly from the new generation.
 */
export class SqliteMemoryUnitStore implements MemoryUnitStore {
  private readonly statements = new Map<string, Database.Statement<Record<string, unknown>, MemoryUnitRow>>();

  /**
   * @param db - the event log's connection (`SqliteEventLog.db`) or another connection to the
   *   same file (read-only is enough).
   */
  constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteMemoryUnitStoreOptions = {},
  ) {}

  /**
   * @throws UnavailableError (retriable) when the projection has no active generation yet.
   * @throws ValidationError for a bad `asOf`.
   */
  getUnit(tenantid: string, id: string, options: { readonly asOf?: number } = {}): Promise<MemoryUnit | undefined> {
    return this.read((table) => {
      checkAsOf(options.asOf);
      const row = this.statement(`SELECT * FROM ${table} WHERE id = @id AND tenantid = @tenantid`).get({ id, tenantid });
      if (!row) return undefined;
      const unit = rowToUnit(row);
      return options.asOf === undefined ? unit : unitAsOf(unit, options.asOf);
    });
  }

  /**
   * @throws UnavailableError (retriable) when the projection has no active generation yet.
   * @throws ValidationError for a bad `asOf` or more than 10 000 ids.
   */
  getUnits(tenantid: string, ids: readonly string[], options: { readonly asOf?: number } = {}): Promise<MemoryUnit[]> {
    return this.read((table) => {
      checkUnitLookup({ ids, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) });
      if (ids.length === 0) return [];
      const rows = this.statement(`SELECT * FROM ${table} WHERE id IN (SELECT value FROM json_each(@ids)) AND +tenantid = @tenantid`).all({
        tenantid,
        ids: JSON.stringify(ids),
      });
      const byId = new Map(rows.map((row) => [row.id, rowToUnit(row)]));
      return ids.flatMap((id) => {
        const unit = byId.get(id);
        const visible = unit === undefined || options.asOf === undefined ? unit : unitAsOf(unit, options.asOf);
        return visible ? [visible] : [];
      });
    });
  }

  /**
   * @throws UnavailableError (retriable) when the projection has no active generation yet.
   * @throws ValidationError for a bad offset, `asOf`, `before` or `after`.
   */
  streamNeighbours(tenantid: string, streamid: string, offset: number, options: StreamNeighbourOptions): Promise<MemoryUnit[]> {
    return this.read((table) => {
      checkUnitLookup({ offset, before: options.before, after: options.after, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) });
      return this.neighboursIn(table, tenantid, streamid, offset, options);
    });
  }

  /**
   * @throws UnavailableError (retriable) when the projection has no active generation yet.
   * @throws ValidationError for a bad offset, `asOf`, `before`, `after` or too many anchors.
   */
  streamNeighbourhoods(tenantid: string, anchors: readonly StreamAnchor[], options: StreamNeighbourOptions): Promise<MemoryUnit[][]> {
    return this.read((table) => {
      checkUnitLookup({ anchors, before: options.before, after: options.after, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) });
      return anchors.map((a) => this.neighboursIn(table, tenantid, a.streamid, a.offset, options));
    });
  }

  /** The neighbours of one offset, inside a read of `table`. */
  private neighboursIn(table: string, tenantid: string, streamid: string, offset: number, options: StreamNeighbourOptions): MemoryUnit[] {
    const visible = options.asOf === undefined ? '' : ` AND ${VISIBLE_AS_OF}`;
    const params = { tenantid, streamid, offset, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) };
    const before =
      options.before === 0
        ? []
        : this.statement(
            `SELECT * FROM ${table} WHERE tenantid = @tenantid AND streamid = @streamid AND created_offset < @offset${visible} ORDER BY created_offset DESC LIMIT ${options.before}`,
          ).all(params);
    const after =
      options.after === 0
        ? []
        : this.statement(
            `SELECT * FROM ${table} WHERE tenantid = @tenantid AND streamid = @streamid AND created_offset > @offset${visible} ORDER BY created_offset LIMIT ${options.after}`,
          ).all(params);
    const units = [...before.reverse(), ...after].map(rowToUnit);
    return options.asOf === undefined ? units : units.map((u) => unitAsOf(u, options.asOf!)!);
  }

  /**
   * @throws UnavailableError (retriable) when the projection has no active generation yet.
   * @throws ValidationError for a bad limit, offset or status.
   */
  listUnits(tenantid: string, options: ListUnitsOptions = {}): Promise<MemoryUnit[]> {
    return this.read((table) => {
      const o = normalizeListUnitsOptions(options);
      const where = ['tenantid = @tenantid'];
      const params: Record<string, unknown> = { tenantid, limit: o.limit };
      for (const field of ['streamid', 'actor', 'datasubject', 'memorytype'] as const) {
        if (o[field] !== undefined) {
          where.push(`${field} = @${field}`);
          params[field] = o[field];
        }
      }
      if (o.asOf !== undefined) {
        where.push(VISIBLE_AS_OF);
        params.asOf = o.asOf;
      }
      if (o.statuses !== undefined) {
        const names = o.statuses.map((status, i) => {
          params[`s${i}`] = status;
          return `@s${i}`;
        });
        where.push(`${o.asOf === undefined ? 'status' : STATUS_AS_OF} IN (${names.length > 0 ? names.join(', ') : 'NULL'})`);
      }
      if (o.afterOffset !== undefined) {
        where.push('created_offset > @afterOffset');
        params.afterOffset = o.afterOffset;
      }
      const sql = `SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY created_offset, created_partition LIMIT @limit`;
      const units = this.statement(sql).all(params).map(rowToUnit);
      return o.asOf === undefined ? units : units.map((u) => unitAsOf(u, o.asOf!)!);
    });
  }

  /**
   * @throws UnavailableError (retriable) when the projection has no active generation yet.
   * @throws ValidationError for a bad `asOf`.
   */
  countUnits(tenantid: string, options: { readonly asOf?: number } = {}): Promise<MemoryUnitCounts> {
    return this.read((table) => {
      checkAsOf(options.asOf);
      const sql =
        options.asOf === undefined
          ? `SELECT status AS status, COUNT(*) AS n FROM ${table} WHERE tenantid = @tenantid GROUP BY status`
          : `SELECT ${STATUS_AS_OF} AS status, COUNT(*) AS n FROM ${table} WHERE tenantid = @tenantid AND ${VISIBLE_AS_OF} GROUP BY 1`;
      const rows = this.statement(sql).all({ tenantid, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) }) as unknown as {
        status: MemoryUnitStatus;
        n: number;
      }[];
      const counts = emptyCounts();
      for (const row of rows) {
        counts[row.status] = row.n;
        counts.total += row.n;
      }
      return counts;
    });
  }

  /** Runs `query` against the generation's table inside one read transaction. */
  private read<T>(query: (table: string) => T): Promise<T> {
    try {
      return Promise.resolve(
        this.db.transaction(() => {
          const generation = this.options.generation ?? activeGenerationOf(this.db, MEMORY_UNITS_PROJECTION);
          if (generation === undefined) {
            throw new UnavailableError('the memory-units projection has no active generation yet: run the projection runtime first', {
              context: { projection: MEMORY_UNITS_PROJECTION },
            });
          }
          return query(memoryUnitsTable(generation));
        })(),
      );
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private statement(sql: string): Database.Statement<Record<string, unknown>, MemoryUnitRow> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<Record<string, unknown>, MemoryUnitRow>(sql);
      if (this.statements.size > 256) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
