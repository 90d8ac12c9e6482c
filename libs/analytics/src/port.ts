/**
 * The analytics port: a column store that holds every log event flattened (no content) and
 * every recall query the gateway answered, and answers per-tenant usage questions.
 *
 * Adapters: chDB, in-process ClickHouse (`@memfabric/analytics-chdb`), and a ClickHouse server
 * (`@memfabric/analytics-clickhouse`). Both run the same SQL text ({@link analyticsSql}) and pass
 * the contract suite in `@memfabric/analytics/testing`.
 */

/**
 * One log event, flattened for analytics: the envelope and log position of a `StoredEvent`,
 * without its data. Personal content is never copied into analytics; only its length is.
 * Built from a stored event by {@link flattenEvent}.
 *
 * Timestamps are ISO 8601 strings; they are stored as `DateTime64(3, 'UTC')`, so anything
 * below the millisecond is dropped and offsets are converted to UTC.
 */
export interface FlatEvent {
  /** CloudEvents `id` (UUIDv7). The row key: inserting the same id again replaces the row. */
  readonly eventId: string;
  readonly tenantId: string;
  readonly streamId: string;
  /** 1-based position of the event in its stream. */
  readonly streamPosition: number;
  /** Event type, for example `interaction.recorded`. */
  readonly type: string;
  /** Schema URN of the data shape, for example `urn:memfabric:schema:interaction.recorded:v2`. */
  readonly dataschema: string;
  /** CloudEvents `source` (the producing agent or system). */
  readonly source: string;
  /** Who wrote the event. */
  readonly actor: string;
  /** Whose personal data the event carries. */
  readonly datasubject: string;
  /** World time: when the interaction happened (CloudEvents `time`), ISO 8601. */
  readonly worldTime: string;
  /** Transaction time: when the log stored the event, ISO 8601. */
  readonly recordedAt: string;
  /** Log partition (0 in the embedded log). */
  readonly partition: number;
  /** 0-based offset of the event in its partition. */
  readonly offset: number;
  /** Ingest batch the event arrived in. */
  readonly batchId: string;
  /** Length of the event's text content in UTF-16 code units (0 when it has none or was erased). */
  readonly contentChars: number;
  /** True when the data subject's content key was destroyed before the event was flattened. */
  readonly erased: boolean;
}

/**
 * One recall query answered by the query gateway. The query text is never stored, only a hash
 * of it, so identical questions can be counted without keeping what was asked.
 */
export interface QueryLogRow {
  /** Unique id of the query. The row key: inserting the same id again replaces the row. */
  readonly queryId: string;
  readonly tenantId: string;
  /** Who asked (agent, user or service principal). */
  readonly caller: string;
  /** Hash of the normalized query text (for example hex SHA-256); never the text. */
  readonly queryHash: string;
  /** Number of results requested. */
  readonly k: number;
  /** Name of the search configuration used (for example `hybrid-rrf`). */
  readonly preset: string;
  /** Latency of each retrieval channel in milliseconds, keyed by channel name (`dense`, `lexical`, ...). */
  readonly channelLatencyMs: Readonly<Record<string, number>>;
  /** End-to-end latency of the query in milliseconds. */
  readonly totalLatencyMs: number;
  /** Ids of the memory units returned, in rank order. */
  readonly unitIds: readonly string[];
  /** Transaction-time bound of the query (what the fabric knew then), ISO 8601, when given. */
  readonly asOf?: string | null;
  /** World-time bound of the query (what was true then), ISO 8601, when given. */
  readonly validAt?: string | null;
  /** When the query was answered, ISO 8601. */
  readonly at: string;
}

/** Selection of {@link AnalyticsStore.listQueries}. */
export interface QueryListFilter {
  /** The tenant whose query log is listed. */
  readonly tenant: string;
  /** Only queries answered at or after this instant (ISO 8601 with offset); all when absent. */
  readonly since?: string;
  /** Most rows to return; default 1000, at most 10 000. */
  readonly limit?: number;
}

/** Which clock assigns an event to a day in {@link AnalyticsStore.tenantDailyStats}. */
export type EventDayClock = 'recorded' | 'world';

/** Selection of {@link AnalyticsStore.tenantDailyStats}. */
export interface DailyStatsFilter {
  /** Only this tenant; all tenants when absent. */
  readonly tenant?: string;
  /** First UTC day to include, `YYYY-MM-DD` (inclusive); unbounded when absent. */
  readonly from?: string;
  /** Last UTC day to include, `YYYY-MM-DD` (inclusive); unbounded when absent. */
  readonly to?: string;
  /**
   * Which time puts an event on a day: `recorded` (transaction time, when the fabric received
   * it: usage) or `world` (when the interaction happened). Default `recorded`. Queries always
   * count on the day they were answered.
   */
  readonly eventDay?: EventDayClock;
}

/** Median and 95th percentile of one latency series, in milliseconds. */
export interface LatencyQuantiles {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/**
 * Usage of one tenant on one UTC day. A day appears when it has at least one event or one
 * query. Quantiles are exact with linear interpolation between closest ranks (ClickHouse
 * `quantileExactInclusive`, the R-7 / Excel `PERCENTILE.INC` definition of Hyndman & Fan 1996).
 */
export interface TenantDailyStats {
  readonly tenantId: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Events on this day. */
  readonly events: number;
  /** Events on this day by event type. */
  readonly eventsByType: Readonly<Record<string, number>>;
  /** Events whose content was erased when they were flattened. */
  readonly erasedEvents: number;
  /** Sum of the events' content lengths, UTF-16 code units. */
  readonly contentChars: number;
  /** Distinct streams with an event on this day. */
  readonly streams: number;
  /** Distinct actors with an event on this day. */
  readonly actors: number;
  /** Queries answered on this day. */
  readonly queries: number;
  /** Median end-to-end query latency in ms; null without queries. */
  readonly latencyP50Ms: number | null;
  /** 95th-percentile end-to-end query latency in ms; null without queries. */
  readonly latencyP95Ms: number | null;
  /** p50/p95 latency of each retrieval channel that ran on this day. */
  readonly channelLatency: Readonly<Record<string, LatencyQuantiles>>;
  /** Unit ids returned, counted with repetition (sum of result-list lengths). */
  readonly unitsReturned: number;
  /** Distinct unit ids returned. */
  readonly distinctUnitsReturned: number;
}

/** Event totals over the whole store or one tenant. */
export interface EventCounts {
  readonly events: number;
  readonly erasedEvents: number;
  readonly byType: Readonly<Record<string, number>>;
  /** Events per tenant. */
  readonly byTenant: Readonly<Record<string, number>>;
  /** Latest transaction time among the counted events (ISO 8601), or null when there are none. */
  readonly lastRecordedAt: string | null;
}

/** What an erasure purge removed. Counts are taken just before the delete. */
export interface PurgeResult {
  /** Event rows removed. */
  readonly events: number;
  /** Query-log rows removed. */
  readonly queries: number;
}

/**
 * The analytics store port. A projection (consumer group) feeds it at least once; inserts are
 * idempotent on the row key, so redelivered batches change nothing.
 */
export interface AnalyticsStore {
  /**
   * Creates the database and tables when missing. Idempotent: safe to call at every start.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  migrate(): Promise<void>;

  /**
   * Inserts flattened events as one insert. Idempotent on `eventId`: a re-inserted id replaces
   * the earlier row (the later insert wins), and reads never count it twice.
   * @throws ValidationError naming each bad field (`/3/recordedAt`) before anything is written.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  insertEvents(rows: readonly FlatEvent[]): Promise<void>;

  /**
   * Inserts query-log rows as one insert. Idempotent on `queryId`.
   * @throws ValidationError naming each bad field before anything is written.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  insertQueries(rows: readonly QueryLogRow[]): Promise<void>;

  /**
   * The query log of one tenant (recalls and audited reads such as history), oldest first by
   * answer time then query id: who asked, when, which units were returned. Page on with
   * `since` = the last row's `at` (rows at that instant repeat; drop ids already seen).
   * @throws ValidationError when the tenant is empty, `since` is not an ISO 8601 instant or
   * `limit` is not an integer from 1 to 10 000.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  listQueries(filter: QueryListFilter): Promise<QueryLogRow[]>;

  /**
   * Usage per tenant per UTC day, ordered by tenant then day.
   * @throws ValidationError when `from`/`to` are not `YYYY-MM-DD` or `eventDay` is unknown.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  tenantDailyStats(filter?: DailyStatsFilter): Promise<TenantDailyStats[]>;

  /**
   * Event totals of one tenant, or of every tenant when `tenant` is absent.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  eventCounts(tenant?: string): Promise<EventCounts>;

  /**
   * Erasure: removes every event row of `tenant` whose data subject or actor is `datasubject`,
   * and every query-log row that subject asked. Derived data only; the log keeps its
   * crypto-shredded events.
   * @throws ValidationError when an argument is empty.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  purgeSubject(tenant: string, datasubject: string): Promise<PurgeResult>;

  /**
   * Removes the event rows of `tenant` with the given ids (unknown ids are ignored).
   * @throws ValidationError when an argument is empty.
   * @throws UnavailableError when the backend cannot be reached (retriable).
   */
  purgeEvents(tenant: string, ids: readonly string[]): Promise<PurgeResult>;

  /** Releases the connection or engine. The store cannot be used afterwards. Idempotent. */
  close(): Promise<void>;
}
