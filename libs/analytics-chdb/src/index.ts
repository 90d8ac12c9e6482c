export { ChdbAnalyticsStore, resolveChdbAnalyticsStoreConfig, type ChdbAnalyticsStoreConfig } from './chdb.analytics-store.js';
export { ChdbExecutor, mapChdbError, parseJsonEachRow } from './chdb.executor.js';
