import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseExecutor, InsertStatement, QueryParams, ResultRow } from '@memfabric/analytics';
import { mapClickHouseError } from './errors.js';

/**
 * Runs the analytics SQL through `@clickhouse/client` (HTTP interface). Values travel as
 * ClickHouse query parameters (`query_params`: `param_<name>` in the request, bound by the
 * server to the `{name:Type}` placeholders), never inside the SQL text. Inserts send
 * `JSONEachRow` bodies.
 */
export class ClickHouseClientExecutor implements ClickHouseExecutor {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly url: string,
    private readonly ownsClient: boolean,
  ) {}

  async command(sql: string, params?: QueryParams): Promise<void> {
    try {
      await this.client.command({ query: sql, ...(params ? { query_params: params } : {}) });
    } catch (error) {
      throw mapClickHouseError(error, 'command', this.url);
    }
  }

  async select(sql: string, params?: QueryParams): Promise<ResultRow[]> {
    try {
      const result = await this.client.query({ query: sql, format: 'JSONEachRow', ...(params ? { query_params: params } : {}) });
      return await result.json<ResultRow>();
    } catch (error) {
      throw mapClickHouseError(error, 'select', this.url);
    }
  }

  async insert(statement: InsertStatement, rows: readonly ResultRow[]): Promise<void> {
    // The client sends `INSERT INTO <table> (<columns>) FORMAT JSONEachRow`: the text of `statement.sql`.
    try {
      await this.client.insert({ table: statement.table, columns: [...statement.columns] as [string, ...string[]], values: [...rows], format: 'JSONEachRow' });
    } catch (error) {
      throw mapClickHouseError(error, `insert into ${statement.table}`, this.url);
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}
