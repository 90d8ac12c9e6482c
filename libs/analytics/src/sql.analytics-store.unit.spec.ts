import { describe, expect, it } from 'vitest';
import type { ClickHouseExecutor, InsertStatement, QueryParams, ResultRow } from './executor.js';
import { PURGE_CHUNK, SqlAnalyticsStore } from './sql.analytics-store.js';
import { analyticsSql, EVENT_COLUMNS, QUERY_COLUMNS } from './sql.js';
import { flatEvent } from './testing/fixtures.js';

/** Records what the store asks of its engine; answers counts with `n`. */
class RecordingExecutor implements ClickHouseExecutor {
  readonly calls: { kind: string; sql: string; params?: QueryParams; rows?: number }[] = [];
  closed = 0;
  constructor(
    private readonly n = 1,
    private readonly answer: (sql: string) => ResultRow[] = () => [{ n: String(this.n) }],
  ) {}
  command(sql: string, params?: QueryParams): Promise<void> {
    this.calls.push({ kind: 'command', sql, ...(params ? { params } : {}) });
    return Promise.resolve();
  }
  select(sql: string, params?: QueryParams): Promise<ResultRow[]> {
    this.calls.push({ kind: 'select', sql, ...(params ? { params } : {}) });
    return Promise.resolve(this.answer(sql));
  }
  insert(statement: InsertStatement, rows: readonly ResultRow[]): Promise<void> {
    this.calls.push({ kind: 'insert', sql: statement.sql, rows: rows.length });
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed += 1;
    return Promise.resolve();
  }
}

describe('analyticsSql', () => {
  it('qualifies every table with the database and lists insert columns in encoding order', () => {
    const sql = analyticsSql('mf_test');
    expect(sql.migrations[0]).toBe('CREATE DATABASE IF NOT EXISTS mf_test');
    expect(sql.insertEvents).toBe(`INSERT INTO mf_test.events (${EVENT_COLUMNS.join(', ')}) FORMAT JSONEachRow`);
    expect(sql.insertQueries).toBe(`INSERT INTO mf_test.queries (${QUERY_COLUMNS.join(', ')}) FORMAT JSONEachRow`);
    for (const statement of [sql.dailyStats, sql.eventCounts, sql.countSubjectEvents, sql.deleteEventsById]) {
      expect(statement).not.toMatch(/\bmemfabric\./);
      expect(statement).not.toMatch(/FORMAT/); // the clients append the output format
    }
  });

  it('refuses a database name that is not a plain identifier', () => {
    for (const bad of ['', 'a-b', 'x; DROP DATABASE y', '1abc', 'a'.repeat(64), '`x`']) {
      expect(() => analyticsSql(bad)).toThrow(/plain identifier/);
    }
  });
});

describe('SqlAnalyticsStore', () => {
  it('migrates with the DDL in order and inserts each batch as one statement', async () => {
    const executor = new RecordingExecutor();
    const store = new SqlAnalyticsStore(executor, { backend: 'test' });
    await store.migrate();
    await store.insertEvents([flatEvent('t'), flatEvent('t')]);
    expect(executor.calls.map((c) => c.kind)).toEqual(['command', 'command', 'command', 'insert']);
    expect(executor.calls[3]).toMatchObject({ sql: store.sql.insertEvents, rows: 2 });
  });

  it('binds filter values as parameters, NULL for absent ones', async () => {
    const executor = new RecordingExecutor(0, () => []);
    const store = new SqlAnalyticsStore(executor, { backend: 'test' });
    await store.tenantDailyStats({ tenant: "o'brien", eventDay: 'world' });
    await store.eventCounts();
    expect(executor.calls[0]).toEqual({ kind: 'select', sql: store.sql.dailyStats, params: { tenant: "o'brien", from: null, to: null, world_day: 1 } });
    expect(executor.calls[1]!.params).toEqual({ tenant: null });
  });

  it('purges ids in chunks, deduplicated, and skips the delete when nothing matches', async () => {
    const executor = new RecordingExecutor(3);
    const store = new SqlAnalyticsStore(executor, { backend: 'test' });
    const ids = Array.from({ length: PURGE_CHUNK + 5 }, (_, i) => `e${i}`);
    expect(await store.purgeEvents('t', [...ids, 'e0'])).toEqual({ events: 6, queries: 0 });
    const deletes = executor.calls.filter((c) => c.kind === 'command');
    expect(deletes.map((c) => (c.params?.['ids'] as string[]).length)).toEqual([PURGE_CHUNK, 5]);

    const none = new RecordingExecutor(0);
    expect(await new SqlAnalyticsStore(none, { backend: 'test' }).purgeSubject('t', 's')).toEqual({ events: 0, queries: 0 });
    expect(none.calls.every((c) => c.kind === 'select')).toBe(true);
  });

  it('closes its executor once and then refuses calls', async () => {
    const executor = new RecordingExecutor();
    const store = new SqlAnalyticsStore(executor, { backend: 'test' });
    await store.close();
    await store.close();
    expect(executor.closed).toBe(1);
    await expect(store.migrate()).rejects.toMatchObject({ code: 'unavailable', message: 'analytics store (test) is closed' });
  });
});
