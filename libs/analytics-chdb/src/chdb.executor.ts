import { MemfabricError, UnavailableError } from '@memfabric/errors';
import {
  RETRIABLE_CLICKHOUSE_CODES,
  type ClickHouseExecutor,
  type InsertStatement,
  type QueryParams,
  type ResultRow,
} from '@memfabric/analytics';
import type { Session } from 'chdb';

/** chDB error codes that mean the engine, not the statement, failed. */
const UNAVAILABLE_CHDB_CODES = new Set(['CHDB_CONNECTION', 'CHDB_CLOSED', 'CHDB_TIMEOUT', 'CHDB_ABORT', 'CHDB_INTERNAL']);

/**
 * Maps a chDB failure: engine-side trouble (closed or lost connection, timeout, a retriable
 * ClickHouse code such as MEMORY_LIMIT_EXCEEDED) becomes a retriable {@link UnavailableError}
 * keeping the cause; anything else (a bad statement: a bug) is returned unchanged, still carrying
 * chDB's `code` and `clickhouseCode`.
 */
export function mapChdbError(error: unknown, operation: string): unknown {
  if (MemfabricError.is(error)) return error;
  const e = error as { code?: unknown; clickhouseCode?: unknown; message?: unknown };
  const retriable =
    (typeof e.code === 'string' && UNAVAILABLE_CHDB_CODES.has(e.code)) ||
    (typeof e.clickhouseCode === 'number' && RETRIABLE_CLICKHOUSE_CODES.has(e.clickhouseCode));
  if (!retriable) return error;
  return new UnavailableError(`chDB ${operation} failed: ${typeof e.message === 'string' ? e.message : String(error)}`, {
    cause: error,
    context: {
      operation,
      ...(typeof e.code === 'string' ? { chdbCode: e.code } : {}),
      ...(typeof e.clickhouseCode === 'number' ? { clickhouseCode: e.clickhouseCode } : {}),
    },
  });
}

/** Splits `JSONEachRow` text into rows. */
export function parseJsonEachRow(text: string): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const line of text.split('\n')) if (line.trim() !== '') rows.push(JSON.parse(line) as ResultRow);
  return rows;
}

/**
 * Runs the analytics SQL on one chDB {@link Session}. Query parameters are bound by the engine
 * (`Session.queryBindAsync`, chDB's server-side `{name:Type}` binding): values never enter the
 * SQL text. Every call runs off the event loop on libuv's thread pool.
 */
export class ChdbExecutor implements ClickHouseExecutor {
  constructor(
    private readonly session: Session,
    private readonly onClose: () => Promise<void>,
  ) {}

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.run(sql, params, 'CSV', 'command');
  }

  async select(sql: string, params?: QueryParams): Promise<ResultRow[]> {
    return parseJsonEachRow(await this.run(sql, params, 'JSONEachRow', 'select'));
  }

  async insert(statement: InsertStatement, rows: readonly ResultRow[]): Promise<void> {
    // chDB's raw insert hands the payload to the engine without copying it and sends
    // `INSERT INTO <table> (<columns>) FORMAT JSONEachRow`: the text of `statement.sql`.
    let payload = '';
    for (const row of rows) payload += `${JSON.stringify(row)}\n`;
    try {
      await this.session.insert({ table: statement.table, columns: statement.columns, values: Buffer.from(payload, 'utf8'), format: 'JSONEachRow' });
    } catch (error) {
      throw mapChdbError(error, `insert into ${statement.table}`);
    }
  }

  async close(): Promise<void> {
    await this.onClose();
  }

  private async run(sql: string, params: QueryParams | undefined, format: string, operation: string): Promise<string> {
    try {
      const result =
        params && Object.keys(params).length > 0
          ? await this.session.queryBindAsync(sql, params, { format })
          : await this.session.queryAsync(sql, { format });
      return result.text();
    } catch (error) {
      throw mapChdbError(error, operation);
    }
  }
}
