import { ConfigurationError } from '@memfabric/errors';
import { analyticsSql, DEFAULT_ANALYTICS_DATABASE } from '@memfabric/analytics';

/**
 * Configuration of {@link ClickHouseAnalyticsStore}. Checked once, in the constructor, by
 * {@link resolveClickHouseAnalyticsConfig}; nothing here is read from the environment.
 */
export interface ClickHouseAnalyticsConfig {
  /** HTTP(S) endpoint of the server, for example `http://clickhouse:8123` (no credentials in it). */
  readonly url: string;
  /** User name; default `default`. */
  readonly username?: string;
  /** Password; default empty. */
  readonly password?: string;
  /** Database holding the tables (created by `migrate()`); default `memfabric`. A plain identifier. */
  readonly database?: string;
  /** Timeout of one HTTP request, in ms; default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Most concurrent HTTP connections to the server; default 10. */
  readonly maxOpenConnections?: number;
  /** Application name sent with every request (shows up in `system.query_log`); default `memfabric-analytics`. */
  readonly application?: string;
  /**
   * Level of `@clickhouse/client`'s own console log; default `off`, since every failure is thrown
   * to the caller as a memfabric error (and logged there).
   */
  readonly logLevel?: ClickHouseClientLogLevel;
}

/** Levels of `@clickhouse/client`'s log. */
export type ClickHouseClientLogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const LOG_LEVELS: readonly ClickHouseClientLogLevel[] = ['off', 'error', 'warn', 'info', 'debug', 'trace'];

/** A configuration with every default filled in. */
export interface ResolvedClickHouseAnalyticsConfig {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  readonly requestTimeoutMs: number;
  readonly maxOpenConnections: number;
  readonly application: string;
  readonly logLevel: ClickHouseClientLogLevel;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigurationError(`ClickHouse analytics: \`${name}\` must be a positive integer, got ${JSON.stringify(value)}`, {
      context: { field: name },
    });
  }
  return value;
}

function optionalString(name: string, value: unknown, fallback: string, { allowEmpty }: { allowEmpty: boolean }): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || (!allowEmpty && value.trim() === '')) {
    throw new ConfigurationError(`ClickHouse analytics: \`${name}\` must be a ${allowEmpty ? '' : 'non-empty '}string`, { context: { field: name } });
  }
  return value;
}

function logLevel(value: unknown): ClickHouseClientLogLevel {
  if (value === undefined) return 'off';
  if (!LOG_LEVELS.includes(value as ClickHouseClientLogLevel)) {
    throw new ConfigurationError(`ClickHouse analytics: \`logLevel\` must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`, {
      context: { field: 'logLevel' },
    });
  }
  return value as ClickHouseClientLogLevel;
}

/**
 * Checks a configuration and fills in defaults.
 * @throws ConfigurationError naming the field to fix and how.
 */
export function resolveClickHouseAnalyticsConfig(config: ClickHouseAnalyticsConfig): ResolvedClickHouseAnalyticsConfig {
  if (typeof config !== 'object' || config === null) {
    throw new ConfigurationError('ClickHouse analytics: pass a configuration object { url, username, password, database }');
  }
  if (typeof config.url !== 'string' || config.url.trim() === '') {
    throw new ConfigurationError('ClickHouse analytics: `url` is required, for example http://clickhouse:8123', { context: { field: 'url' } });
  }
  let url: URL;
  try {
    url = new URL(config.url);
  } catch (error) {
    throw new ConfigurationError(`ClickHouse analytics: \`url\` is not a URL (${JSON.stringify(config.url)}); write it as http://host:8123`, {
      cause: error,
      context: { field: 'url' },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`ClickHouse analytics: \`url\` must use http or https (the HTTP interface, port 8123/8443), got ${url.protocol}`, {
      context: { field: 'url' },
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError('ClickHouse analytics: put credentials in `username`/`password`, not in `url`', { context: { field: 'url' } });
  }
  const database = config.database ?? DEFAULT_ANALYTICS_DATABASE;
  analyticsSql(database); // throws ConfigurationError unless a plain identifier
  return {
    url: url.toString().replace(/\/$/, ''),
    username: optionalString('username', config.username, 'default', { allowEmpty: false }),
    password: optionalString('password', config.password, '', { allowEmpty: true }),
    database,
    requestTimeoutMs: positiveInteger('requestTimeoutMs', config.requestTimeoutMs, 30_000),
    maxOpenConnections: positiveInteger('maxOpenConnections', config.maxOpenConnections, 10),
    application: optionalString('application', config.application, 'memfabric-analytics', { allowEmpty: false }),
    logLevel: logLevel(config.logLevel),
  };
}
