/**
 * What an adapter supplies to {@link SqlAnalyticsStore}: a way to run the shared SQL text
 * against one ClickHouse engine. Adapters translate their client's failures into memfabric
 * errors here (unreachable or overloaded backend: `UnavailableError`).
 */

/**
 * A value bound to a `{name:Type}` query parameter. Strings, finite numbers, `null` (for
 * `Nullable` types) and arrays of strings: the subset that ClickHouse's parameter parser reads
 * the same from every client.
 */
export type QueryParamValue = string | number | null | readonly string[];

/** Values of a statement's query parameters, by parameter name. */
export type QueryParams = Readonly<Record<string, QueryParamValue>>;

/** One result row as decoded from `JSONEachRow` (64-bit integers may arrive as strings). */
export type ResultRow = Readonly<Record<string, unknown>>;

/** An insert statement: the exact SQL text, and its table and columns for clients that build it. */
export interface InsertStatement {
  /** `INSERT INTO <table> (<columns>) FORMAT JSONEachRow`. */
  readonly sql: string;
  /** Qualified table, `<database>.<table>`. */
  readonly table: string;
  /** Column names, the keys of each row. */
  readonly columns: readonly string[];
}

/** Runs the analytics SQL on one engine (chDB session, ClickHouse HTTP client, ...). */
export interface ClickHouseExecutor {
  /**
   * Runs a statement that returns no rows (DDL, `DELETE`).
   * @throws UnavailableError when the engine cannot be reached or is overloaded (retriable).
   */
  command(sql: string, params?: QueryParams): Promise<void>;

  /**
   * Runs a `SELECT` and returns its rows decoded from `JSONEachRow`.
   * @throws UnavailableError when the engine cannot be reached or is overloaded (retriable).
   */
  select(sql: string, params?: QueryParams): Promise<ResultRow[]>;

  /**
   * Inserts rows (objects keyed by column name) as one `JSONEachRow` insert.
   * @throws UnavailableError when the engine cannot be reached or is overloaded (retriable).
   */
  insert(statement: InsertStatement, rows: readonly ResultRow[]): Promise<void>;

  /** Releases the engine or connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * ClickHouse error codes after which the same call may succeed later unchanged: network and
 * timeouts, overload and memory pressure, read-only replicas, Keeper trouble. Adapters map these
 * to `UnavailableError`; every other engine error is a bug or bad input and is not retried.
 * Codes from ClickHouse's `src/Common/ErrorCodes.cpp`.
 */
export const RETRIABLE_CLICKHOUSE_CODES: ReadonlySet<number> = new Set([
  3, // UNEXPECTED_END_OF_FILE
  159, // TIMEOUT_EXCEEDED
  164, // READONLY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);
