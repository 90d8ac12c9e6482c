import { UnavailableError } from '@memfabric/errors';
import type { ClickHouseExecutor, InsertStatement } from './executor.js';
import type { AnalyticsStore, DailyStatsFilter, EventCounts, FlatEvent, PurgeResult, QueryListFilter, QueryLogRow, TenantDailyStats } from './port.js';
import {
  decodeCount,
  decodeDailyStats,
  decodeEventCounts,
  decodeQueryLog,
  queryListSince,
  QUERY_LIST_LIMITS,
  encodeEvent,
  encodeQuery,
  validateDailyStatsFilter,
  validateFlatEvents,
  validatePurge,
  validateQueryListFilter,
  validateQueryLogRows,
} from './rows.js';
import { EVENT_COLUMNS, QUERY_COLUMNS, analyticsSql, type AnalyticsSql } from './sql.js';

/** Options of {@link SqlAnalyticsStore}. */
export interface SqlAnalyticsStoreOptions {
  /** Database holding the tables; default `memfabric`. Must be a plain identifier. */
  readonly database?: string;
  /** Name of the backend in messages (`chdb`, `clickhouse`). */
  readonly backend: string;
}

/** Most ids bound into one purge statement (keeps query parameters, sent in the URL over HTTP, small). */
export const PURGE_CHUNK = 1_000;

/**
 * The {@link AnalyticsStore} over any ClickHouse engine: validation, row encoding, the shared
 * SQL text ({@link analyticsSql}) and result decoding live here, once; an adapter only supplies
 * a {@link ClickHouseExecutor}. Does no I/O of its own.
 */
export class SqlAnalyticsStore implements AnalyticsStore {
  /** The statements this store runs. */
  readonly sql: AnalyticsSql;
  private readonly backend: string;
  private readonly eventsInsert: InsertStatement;
  private readonly queriesInsert: InsertStatement;
  private closed = false;

  /** @throws ConfigurationError when `options.database` is not a plain identifier. */
  constructor(
    private readonly executor: ClickHouseExecutor,
    options: SqlAnalyticsStoreOptions,
  ) {
    this.sql = analyticsSql(options.database);
    this.backend = options.backend;
    this.eventsInsert = { sql: this.sql.insertEvents, table: this.sql.eventsTable, columns: EVENT_COLUMNS };
    this.queriesInsert = { sql: this.sql.insertQueries, table: this.sql.queriesTable, columns: QUERY_COLUMNS };
  }

  async migrate(): Promise<void> {
    this.assertOpen();
    for (const statement of this.sql.migrations) await this.executor.command(statement);
  }

  async insertEvents(rows: readonly FlatEvent[]): Promise<void> {
    this.assertOpen();
    validateFlatEvents(rows);
    if (rows.length === 0) return;
    await this.executor.insert(this.eventsInsert, rows.map(encodeEvent));
  }

  async insertQueries(rows: readonly QueryLogRow[]): Promise<void> {
    this.assertOpen();
    validateQueryLogRows(rows);
    if (rows.length === 0) return;
    await this.executor.insert(this.queriesInsert, rows.map(encodeQuery));
  }

  async listQueries(filter: QueryListFilter): Promise<QueryLogRow[]> {
    this.assertOpen();
    validateQueryListFilter(filter);
    const rows = await this.executor.select(this.sql.listQueries, {
      tenant: filter.tenant,
      since: queryListSince(filter),
      limit: filter.limit ?? QUERY_LIST_LIMITS.default,
    });
    return decodeQueryLog(rows);
  }

  async tenantDailyStats(filter: DailyStatsFilter = {}): Promise<TenantDailyStats[]> {
    this.assertOpen();
    validateDailyStatsFilter(filter);
    const rows = await this.executor.select(this.sql.dailyStats, {
      tenant: filter.tenant ?? null,
      from: filter.from ?? null,
      to: filter.to ?? null,
      world_day: filter.eventDay === 'world' ? 1 : 0,
    });
    return decodeDailyStats(rows);
  }

  async eventCounts(tenant?: string): Promise<EventCounts> {
    this.assertOpen();
    if (tenant !== undefined) validatePurge({ tenant });
    return decodeEventCounts(await this.executor.select(this.sql.eventCounts, { tenant: tenant ?? null }));
  }

  async purgeSubject(tenant: string, datasubject: string): Promise<PurgeResult> {
    this.assertOpen();
    validatePurge({ tenant, datasubject });
    const params = { tenant, subject: datasubject };
    const events = decodeCount(await this.executor.select(this.sql.countSubjectEvents, params));
    const queries = decodeCount(await this.executor.select(this.sql.countSubjectQueries, params));
    if (events > 0) await this.executor.command(this.sql.deleteSubjectEvents, params);
    if (queries > 0) await this.executor.command(this.sql.deleteSubjectQueries, params);
    return { events, queries };
  }

  async purgeEvents(tenant: string, ids: readonly string[]): Promise<PurgeResult> {
    this.assertOpen();
    validatePurge({ tenant, ids });
    const unique = [...new Set(ids)];
    let events = 0;
    for (let i = 0; i < unique.length; i += PURGE_CHUNK) {
      const params = { tenant, ids: unique.slice(i, i + PURGE_CHUNK) };
      const n = decodeCount(await this.executor.select(this.sql.countEventsById, params));
      if (n > 0) await this.executor.command(this.sql.deleteEventsById, params);
      events += n;
    }
    return { events, queries: 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.executor.close();
  }

  /** @throws UnavailableError once the store is closed. */
  protected assertOpen(): void {
    if (this.closed) throw new UnavailableError(`analytics store (${this.backend}) is closed`, { context: { backend: this.backend } });
  }
}
