import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { SqlAnalyticsStore } from '@memfabric/analytics';
import { ClickHouseClientExecutor } from './clickhouse.executor.js';
import { resolveClickHouseAnalyticsConfig, type ClickHouseAnalyticsConfig, type ResolvedClickHouseAnalyticsConfig } from './config.js';

const CLIENT_LOG_LEVELS = {
  off: ClickHouseLogLevel.OFF,
  error: ClickHouseLogLevel.ERROR,
  warn: ClickHouseLogLevel.WARN,
  info: ClickHouseLogLevel.INFO,
  debug: ClickHouseLogLevel.DEBUG,
  trace: ClickHouseLogLevel.TRACE,
} as const;

/** Collaborators of {@link ClickHouseAnalyticsStore} that are not configuration. */
export interface ClickHouseAnalyticsDeps {
  /**
   * A client to use instead of one built from the configuration (to share a client, or to run
   * over another `@clickhouse/client` connection such as chDB's). The store does not close a
   * client it was given.
   */
  readonly client?: ClickHouseClient;
}

/**
 * The analytics store on a ClickHouse server (23.3 or later) through `@clickhouse/client`. Runs
 * the same SQL text as the chDB adapter ({@link SqlAnalyticsStore}); values are bound as
 * ClickHouse query parameters. Failures of the server or the network are retriable
 * `UnavailableError`s; refused credentials are `ConfigurationError`s.
 */
export class ClickHouseAnalyticsStore extends SqlAnalyticsStore {
  /** The configuration in effect, defaults filled in. */
  readonly config: ResolvedClickHouseAnalyticsConfig;

  /**
   * Validates the configuration and creates the HTTP client (no request is made until the first
   * call; run `migrate()` first).
   * @throws ConfigurationError naming the field to fix.
   */
  constructor(config: ClickHouseAnalyticsConfig, deps: ClickHouseAnalyticsDeps = {}) {
    const resolved = resolveClickHouseAnalyticsConfig(config);
    const client =
      deps.client ??
      createClient({
        url: resolved.url,
        username: resolved.username,
        password: resolved.password,
        request_timeout: resolved.requestTimeoutMs,
        max_open_connections: resolved.maxOpenConnections,
        application: resolved.application,
        log: { level: CLIENT_LOG_LEVELS[resolved.logLevel] },
      });
    super(new ClickHouseClientExecutor(client, resolved.url, deps.client === undefined), { database: resolved.database, backend: 'clickhouse' });
    this.config = resolved;
  }
}
