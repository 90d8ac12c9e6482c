import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { ConfigurationError, NotFoundError } from '@memfabric/errors';
import { loadOrCreateMasterKey, parseMasterKey, SqliteEventLog } from '@memfabric/event-log-sqlite';

/** Where the embedded fabric keeps its files. */
export interface DataDirConfig {
  /** Absolute data directory. */
  readonly dataDir: string;
  /** SQLite file of the event log: `<dataDir>/memfabric.db`. */
  readonly logFile: string;
  /** 32-byte master key that wraps content keys. */
  readonly masterKey: Uint8Array;
}

/** How a command treats a data directory that holds no fabric yet. */
export interface DataDirUse {
  /**
   * True for commands that write (ingest) or when the user passed `--create`: the directory,
   * its master key and log are created on first use. False (the default) for commands that
   * only read or change an existing fabric: a directory without `memfabric.db` is refused, so
   * a mistyped `--data-dir` fails instead of reporting an empty fabric.
   */
  readonly create?: boolean;
}

/**
 * Resolves the data directory: the `--data-dir` option, else `MEMFABRIC_DATA_DIR`, else
 * `./data`. The master key comes from `MEMFABRIC_MASTER_KEY` (base64, 32 bytes) or the file
 * `<dataDir>/master.key`, created on first use with mode 0600.
 * @throws NotFoundError naming the directory when it holds no fabric and `use.create` is not set.
 * @throws ConfigurationError when the master key is malformed.
 */
export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv, use: DataDirUse = {}): DataDirConfig {
  const dataDir = path.resolve(option ?? env.MEMFABRIC_DATA_DIR ?? './data');
  if (use.create !== true && !existsSync(path.join(dataDir, 'memfabric.db'))) {
    const what = existsSync(dataDir) ? 'holds no fabric (no memfabric.db)' : 'does not exist';
    throw new NotFoundError(`data directory ${dataDir} ${what}; check --data-dir / MEMFABRIC_DATA_DIR, or pass --create to start an empty fabric there`, {
      context: { dataDir },
    });
  }
  const fromEnv = env.MEMFABRIC_MASTER_KEY;
  const masterKey =
    fromEnv !== undefined && fromEnv !== ''
      ? parseMasterKey(fromEnv, 'MEMFABRIC_MASTER_KEY')
      : loadOrCreateMasterKey(path.join(dataDir, 'master.key'));
  return { dataDir, logFile: path.join(dataDir, 'memfabric.db'), masterKey };
}

/** Opens the embedded event log of a data directory. */
export function openEventLog(config: DataDirConfig): SqliteEventLog {
  return SqliteEventLog.open({ path: config.logFile, masterKey: config.masterKey });
}

/** Parses a positive integer option. @throws ConfigurationError naming the option. */
export function positiveInt(name: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigurationError(`${name} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

/**
 * The principal recorded in the read audit for CLI reads (recall, history, state): `--caller`,
 * else `cli:<OS user>` (`cli` when the OS user cannot be read).
 */
export function cliCaller(option: string | undefined): string {
  if (option !== undefined && option !== '') return option;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
