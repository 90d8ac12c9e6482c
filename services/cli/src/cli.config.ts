import path from 'node:path';
import { ConfigurationError } from '@memfabric/errors';
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

/**
 * Resolves the data directory: the `--data-dir` option, else `MEMFABRIC_DATA_DIR`, else
 * `./data`. The master key comes from `MEMFABRIC_MASTER_KEY` (base64, 32 bytes) or the file
 * `<dataDir>/master.key`, created on first use with mode 0600.
 * @throws ConfigurationError when the master key is malformed.
 */
export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv): DataDirConfig {
  const dataDir = path.resolve(option ?? env.MEMFABRIC_DATA_DIR ?? './data');
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
