export type * from './port.js';
export type * from './executor.js';
export { RETRIABLE_CLICKHOUSE_CODES } from './executor.js';
export { flattenEvent, contentChars } from './flatten.js';
export {
  analyticsSql,
  DEFAULT_ANALYTICS_DATABASE,
  EVENT_COLUMNS,
  QUERY_COLUMNS,
  type AnalyticsSql,
  type EventColumn,
  type QueryColumn,
} from './sql.js';
export {
  parseInstant,
  toClickHouseTime,
  fromClickHouseTime,
  isDay,
  validateFlatEvents,
  validateQueryLogRows,
  validateDailyStatsFilter,
  encodeEvent,
  encodeQuery,
  decodeDailyStats,
  decodeEventCounts,
  decodeQueryLog,
  validateQueryListFilter,
  QUERY_LIST_LIMITS,
} from './rows.js';
export { SqlAnalyticsStore, PURGE_CHUNK, type SqlAnalyticsStoreOptions } from './sql.analytics-store.js';
export { QueryLogBuffer, type QueryLogBufferOptions } from './query-log.buffer.js';
