import { ConfigurationError } from '@memfabric/errors';

/**
 * The SQL text of the analytics store, kept once. Every statement is ClickHouse SQL that both
 * chDB (in-process ClickHouse, run by the test suite) and a ClickHouse server (23.3 or later:
 * lightweight `DELETE`, query parameters, `DateTime64`, `LowCardinality`) accept; both adapters
 * send exactly these strings, with values bound as ClickHouse query parameters
 * (`{name:Type}`), never spliced into the text.
 *
 * ## Idempotency: ReplacingMergeTree read with FINAL
 *
 * Both tables are `ReplacingMergeTree(projected_at)`: a row inserted again with the same
 * sorting key (tenant, day, id) replaces the earlier one, the highest `projected_at` (the
 * insert time, so the later insert) winning. Background merges deduplicate eventually, so every
 * read says `FINAL`, which merges at read time and never counts a redelivered event twice.
 * FINAL was chosen over `argMax(column, projected_at) ... GROUP BY id` because it keeps each
 * aggregate a plain aggregate over deduplicated rows (no per-column argMax, no extra grouping
 * level), it applies to every column at once, and since ClickHouse 22 it is parallel and only
 * merges the parts that overlap. The sorting key embeds `toDate(recorded_at)` (events) and
 * `toDate(queried_at)` (queries), which never change for an id, so duplicates always share a
 * partition (`toYYYYMM` of the same time) and a key.
 *
 * ## Erasure
 *
 * Purges use lightweight `DELETE FROM` (ClickHouse 23.3+, and chDB): rows are masked at once
 * and removed by later merges; no mutation has to be awaited.
 *
 * ## Quantiles
 *
 * p50/p95 use `quantilesExactInclusive`: exact, deterministic, linear interpolation between
 * closest ranks (R-7 in Hyndman & Fan, "Sample Quantiles in Statistical Packages", 1996; Excel
 * `PERCENTILE.INC`). For n sorted values x, the q-quantile is x[h] + (h - floor(h)) (x[h+1] -
 * x[h]) with h = (n - 1) q (0-based). Memory grows with the queries of one tenant-day, which is
 * bounded in practice; `quantilesTDigest` would be the swap if it ever is not.
 */

/** Database used when the configuration names none. */
export const DEFAULT_ANALYTICS_DATABASE = 'memfabric';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Column order of {@link AnalyticsSql.eventsTable} inserts (JSONEachRow keys). */
export const EVENT_COLUMNS = [
  'event_id',
  'tenant_id',
  'stream_id',
  'stream_position',
  'type',
  'dataschema',
  'source',
  'actor',
  'datasubject',
  'world_time',
  'recorded_at',
  'log_partition',
  'log_offset',
  'batch_id',
  'content_chars',
  'erased',
] as const;

/** Column order of {@link AnalyticsSql.queriesTable} inserts (JSONEachRow keys). */
export const QUERY_COLUMNS = [
  'query_id',
  'tenant_id',
  'caller',
  'query_hash',
  'k',
  'preset',
  'channel_latency_ms',
  'total_latency_ms',
  'unit_ids',
  'as_of',
  'valid_at',
  'queried_at',
] as const;

/** A column of the events table. */
export type EventColumn = (typeof EVENT_COLUMNS)[number];
/** A column of the queries table. */
export type QueryColumn = (typeof QUERY_COLUMNS)[number];

/**
 * Every statement of the analytics store for one database. Build with {@link analyticsSql}.
 * The parameters each statement binds are listed on it.
 */
export interface AnalyticsSql {
  /** Database name (validated identifier). */
  readonly database: string;
  /** `<database>.events`. */
  readonly eventsTable: string;
  /** `<database>.queries`. */
  readonly queriesTable: string;
  /** DDL run in order by `migrate()`; each is idempotent (`IF NOT EXISTS`). No parameters. */
  readonly migrations: readonly string[];
  /** `INSERT INTO <events> (...) FORMAT JSONEachRow`; rows follow in the body. */
  readonly insertEvents: string;
  /** `INSERT INTO <queries> (...) FORMAT JSONEachRow`; rows follow in the body. */
  readonly insertQueries: string;
  /**
   * Per tenant per day usage. Params: `tenant Nullable(String)`, `from Nullable(Date)`,
   * `to Nullable(Date)`, `world_day UInt8` (1: events by world time, 0: by transaction time).
   */
  readonly dailyStats: string;
  /**
   * Query-log rows of a tenant, oldest first. Params: `tenant String`,
   * `since Nullable(DateTime64(3, 'UTC'))`, `limit UInt32`.
   */
  readonly listQueries: string;
  /** Events per tenant and type. Params: `tenant Nullable(String)`. */
  readonly eventCounts: string;
  /** Events of a subject. Params: `tenant String`, `subject String`. */
  readonly countSubjectEvents: string;
  /** Params: `tenant String`, `subject String`. */
  readonly deleteSubjectEvents: string;
  /** Queries asked by a subject. Params: `tenant String`, `subject String`. */
  readonly countSubjectQueries: string;
  /** Params: `tenant String`, `subject String`. */
  readonly deleteSubjectQueries: string;
  /** Events with given ids. Params: `tenant String`, `ids Array(String)`. */
  readonly countEventsById: string;
  /** Params: `tenant String`, `ids Array(String)`. */
  readonly deleteEventsById: string;
}

/**
 * Renders the statements for `database`.
 * @throws ConfigurationError when `database` is not a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`,
 * at most 63 characters): it is the one name written into the SQL text, so nothing else is allowed.
 */
export function analyticsSql(database: string = DEFAULT_ANALYTICS_DATABASE): AnalyticsSql {
  if (typeof database !== 'string' || !IDENTIFIER.test(database)) {
    throw new ConfigurationError(
      `analytics database must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters), got ${JSON.stringify(database)}`,
      { context: { database } },
    );
  }
  const events = `${database}.events`;
  const queries = `${database}.queries`;
  const tenantFilter = `({tenant:Nullable(String)} IS NULL OR tenant_id = {tenant:Nullable(String)})`;
  const dayFilter = (day: string) =>
    `({from:Nullable(Date)} IS NULL OR ${day} >= {from:Nullable(Date)}) AND ({to:Nullable(Date)} IS NULL OR ${day} <= {to:Nullable(Date)})`;
  const eventDay = `toDate(if({world_day:UInt8} = 1, world_time, recorded_at))`;

  return {
    database,
    eventsTable: events,
    queriesTable: queries,
    migrations: [
      `CREATE DATABASE IF NOT EXISTS ${database}`,
      `CREATE TABLE IF NOT EXISTS ${events}
(
    event_id        String,
    tenant_id       LowCardinality(String),
    stream_id       String,
    stream_position UInt64,
    type            LowCardinality(String),
    dataschema      LowCardinality(String),
    source          LowCardinality(String),
    actor           String,
    datasubject     String,
    world_time      DateTime64(3, 'UTC'),
    recorded_at     DateTime64(3, 'UTC'),
    log_partition   UInt32,
    log_offset      UInt64,
    batch_id        String,
    content_chars   UInt32,
    erased          Bool,
    projected_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(projected_at)
PARTITION BY toYYYYMM(recorded_at)
ORDER BY (tenant_id, toDate(recorded_at), event_id)`,
      `CREATE TABLE IF NOT EXISTS ${queries}
(
    query_id           String,
    tenant_id          LowCardinality(String),
    caller             String,
    query_hash         String,
    k                  UInt32,
    preset             LowCardinality(String),
    channel_latency_ms Map(String, Float64),
    total_latency_ms   Float64,
    unit_ids           Array(String),
    as_of              Nullable(DateTime64(3, 'UTC')),
    valid_at           Nullable(DateTime64(3, 'UTC')),
    queried_at         DateTime64(3, 'UTC'),
    projected_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(projected_at)
PARTITION BY toYYYYMM(queried_at)
ORDER BY (tenant_id, toDate(queried_at), query_id)`,
    ],
    insertEvents: `INSERT INTO ${events} (${EVENT_COLUMNS.join(', ')}) FORMAT JSONEachRow`,
    insertQueries: `INSERT INTO ${queries} (${QUERY_COLUMNS.join(', ')}) FORMAT JSONEachRow`,
    dailyStats: `SELECT
    tenant_id,
    day,
    ev.events AS events,
    ev.events_by_type AS events_by_type,
    ev.erased_events AS erased_events,
    ev.content_chars AS content_chars,
    ev.streams AS streams,
    ev.actors AS actors,
    qs.queries AS queries,
    qs.latency_ms AS latency_ms,
    qs.units_returned AS units_returned,
    qs.distinct_units AS distinct_units,
    ch.channels AS channels
FROM
(
    SELECT
        tenant_id,
        day,
        sum(n) AS events,
        groupArray((type, n)) AS events_by_type,
        sum(erased_n) AS erased_events,
        sum(chars) AS content_chars,
        uniqExactMerge(stream_state) AS streams,
        uniqExactMerge(actor_state) AS actors
    FROM
    (
        SELECT
            tenant_id,
            ${eventDay} AS day,
            type,
            count() AS n,
            countIf(erased) AS erased_n,
            sum(content_chars) AS chars,
            uniqExactState(stream_id) AS stream_state,
            uniqExactState(actor) AS actor_state
        FROM ${events} FINAL
        WHERE ${tenantFilter} AND ${dayFilter(eventDay)}
        GROUP BY tenant_id, day, type
    )
    GROUP BY tenant_id, day
) AS ev
FULL OUTER JOIN
(
    SELECT
        tenant_id,
        toDate(queried_at) AS day,
        count() AS queries,
        quantilesExactInclusive(0.5, 0.95)(total_latency_ms) AS latency_ms,
        sum(length(unit_ids)) AS units_returned,
        uniqExactArray(unit_ids) AS distinct_units
    FROM ${queries} FINAL
    WHERE ${tenantFilter} AND ${dayFilter('toDate(queried_at)')}
    GROUP BY tenant_id, day
) AS qs USING (tenant_id, day)
LEFT JOIN
(
    SELECT tenant_id, day, groupArray((channel, channel_q[1], channel_q[2])) AS channels
    FROM
    (
        SELECT
            tenant_id,
            toDate(queried_at) AS day,
            channel,
            quantilesExactInclusive(0.5, 0.95)(ms) AS channel_q
        FROM ${queries} FINAL
        ARRAY JOIN mapKeys(channel_latency_ms) AS channel, mapValues(channel_latency_ms) AS ms
        WHERE ${tenantFilter} AND ${dayFilter('toDate(queried_at)')}
        GROUP BY tenant_id, day, channel
    )
    GROUP BY tenant_id, day
) AS ch USING (tenant_id, day)
ORDER BY tenant_id, day`,
    listQueries: `SELECT
    query_id,
    tenant_id,
    caller,
    query_hash,
    k,
    preset,
    channel_latency_ms,
    total_latency_ms,
    unit_ids,
    as_of,
    valid_at,
    queried_at
FROM ${queries} FINAL
WHERE tenant_id = {tenant:String}
  AND ({since:Nullable(DateTime64(3, 'UTC'))} IS NULL OR queried_at >= {since:Nullable(DateTime64(3, 'UTC'))})
ORDER BY queried_at, query_id
LIMIT {limit:UInt32}`,
    eventCounts: `SELECT
    tenant_id,
    type,
    count() AS events,
    countIf(erased) AS erased_events,
    max(recorded_at) AS last_recorded_at
FROM ${events} FINAL
WHERE ${tenantFilter}
GROUP BY tenant_id, type
ORDER BY tenant_id, type`,
    countSubjectEvents: `SELECT count() AS n FROM ${events} FINAL
WHERE tenant_id = {tenant:String} AND (datasubject = {subject:String} OR actor = {subject:String})`,
    deleteSubjectEvents: `DELETE FROM ${events}
WHERE tenant_id = {tenant:String} AND (datasubject = {subject:String} OR actor = {subject:String})`,
    countSubjectQueries: `SELECT count() AS n FROM ${queries} FINAL
WHERE tenant_id = {tenant:String} AND caller = {subject:String}`,
    deleteSubjectQueries: `DELETE FROM ${queries}
WHERE tenant_id = {tenant:String} AND caller = {subject:String}`,
    countEventsById: `SELECT count() AS n FROM ${events} FINAL
WHERE tenant_id = {tenant:String} AND has({ids:Array(String)}, event_id)`,
    deleteEventsById: `DELETE FROM ${events}
WHERE tenant_id = {tenant:String} AND has({ids:Array(String)}, event_id)`,
  };
}
