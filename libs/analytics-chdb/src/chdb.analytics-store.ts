import { chmodSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '@memfabric/errors';
import { SqlAnalyticsStore, analyticsSql, DEFAULT_ANALYTICS_DATABASE } from '@memfabric/analytics';
import { Session, drainPending } from 'chdb';
import { ChdbExecutor } from './chdb.executor.js';

/** Configuration of {@link ChdbAnalyticsStore}; nothing is read from the environment. */
export interface ChdbAnalyticsStoreConfig {
  /**
   * Directory of chDB's data (created when missing), for example `<dataDir>/analytics`. chDB binds
   * one data directory per process: every store of a process must use the same one.
   */
  readonly path: string;
  /** Database holding the tables; default `memfabric`. A plain identifier. */
  readonly database?: string;
}

/** The data directory bound in this process and how many stores hold it. */
let bound: { path: string; stores: number } | undefined;

/**
 * Checks a configuration and fills in defaults.
 * @throws ConfigurationError naming the field to fix.
 */
export function resolveChdbAnalyticsStoreConfig(config: ChdbAnalyticsStoreConfig): Required<ChdbAnalyticsStoreConfig> {
  if (typeof config !== 'object' || config === null) throw new ConfigurationError('chDB analytics store: pass a configuration object { path }');
  if (typeof config.path !== 'string' || config.path.trim() === '') {
    throw new ConfigurationError('chDB analytics store: `path` must name the directory for analytics data, for example <dataDir>/analytics');
  }
  const database = config.database ?? DEFAULT_ANALYTICS_DATABASE;
  analyticsSql(database); // validates the identifier
  return { path: path.resolve(config.path), database };
}

/**
 * The embedded analytics store: chDB (ClickHouse in-process, `chdb` npm package) with a
 * persistent session in a directory of the caller's choosing. Runs the same SQL text as the
 * ClickHouse server adapter ({@link SqlAnalyticsStore}).
 *
 * Process model: libchdb hosts one engine bound to one data directory per process. Stores opened
 * at the same path share it (each has its own connection); opening one at another path while a
 * store is open fails. chdb-node serializes parameterized statements process-wide (libchdb keeps
 * parameter state outside the connection), while inserts and unparameterized statements run in
 * parallel on libuv's thread pool. `close()` waits until no native operation is in flight, so a
 * store at another directory can be opened right after.
 */
export class ChdbAnalyticsStore extends SqlAnalyticsStore {
  /** Absolute data directory. */
  readonly path: string;

  private constructor(session: Session, resolved: Required<ChdbAnalyticsStoreConfig>) {
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      session.close();
      await drainPending();
      if (bound && bound.path === resolved.path) {
        bound.stores -= 1;
        if (bound.stores === 0) bound = undefined;
      }
    };
    super(new ChdbExecutor(session, release), { database: resolved.database, backend: 'chdb' });
    this.path = resolved.path;
  }

  /**
   * Opens (creating the directory when missing) a chDB session at `config.path`; the directory
   * gets mode 0700 (also when it existed with a wider mode). Call
   * `migrate()` before the first insert.
   * @throws ConfigurationError when the configuration is invalid, or when this process already
   * has a chDB data directory open elsewhere (close that store first, or use the same path).
   */
  static open(config: ChdbAnalyticsStoreConfig): ChdbAnalyticsStore {
    const resolved = resolveChdbAnalyticsStoreConfig(config);
    if (bound && bound.path !== resolved.path) {
      throw new ConfigurationError(
        `chDB binds one data directory per process and ${bound.path} is open: close that analytics store first, or open this one at the same path`,
        { context: { open: bound.path, requested: resolved.path } },
      );
    }
    // owner-only: chDB writes its parts with the process umask, the directory keeps others out
    mkdirSync(resolved.path, { recursive: true, mode: 0o700 });
    if ((statSync(resolved.path).mode & 0o077) !== 0) chmodSync(resolved.path, 0o700);
    let session: Session;
    try {
      session = new Session(resolved.path);
    } catch (error) {
      throw new ConfigurationError(
        `chDB could not open ${resolved.path}: ${(error as Error).message} (one data directory per process; check permissions and that no other chDB session in this process uses another directory)`,
        { cause: error, context: { path: resolved.path } },
      );
    }
    bound = { path: resolved.path, stores: (bound?.stores ?? 0) + 1 };
    return new ChdbAnalyticsStore(session, resolved);
  }
}
