export { ClickHouseAnalyticsStore, type ClickHouseAnalyticsDeps } from './clickhouse.analytics-store.js';
export {
  resolveClickHouseAnalyticsConfig,
  type ClickHouseAnalyticsConfig,
  type ClickHouseClientLogLevel,
  type ResolvedClickHouseAnalyticsConfig,
} from './config.js';
export { ClickHouseClientExecutor } from './clickhouse.executor.js';
export { mapClickHouseError } from './errors.js';
