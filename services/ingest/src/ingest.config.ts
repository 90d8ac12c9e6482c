import path from 'node:path';
import { MemfabricError } from '@memfabric/errors';
import { parseMasterKey } from '@memfabric/event-log-sqlite';
import { configurationError, type ConfigReading } from './config-reading.js';

/** Log levels accepted by `MEMFABRIC_LOG_LEVEL` (pino's, plus `silent`). */
export const INGEST_LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link INGEST_LOG_LEVELS}. */
export type IngestLogLevel = (typeof INGEST_LOG_LEVELS)[number];

/** Configuration of the ingest service, built and validated by {@link loadIngestConfig}. */
export interface IngestConfig {
  /** Directory holding the log file and the master key file; absolute. */
  readonly dataDir: string;
  /** SQLite event log file: `<dataDir>/memfabric.db`. */
  readonly logFile: string;
  /** Interface the HTTP server binds to. */
  readonly host: string;
  /** TCP port of the HTTP server; 0 picks a free port. */
  readonly port: number;
  /** Largest accepted request body, in bytes; a larger body is answered 413. */
  readonly maxBodyBytes: number;
  /** 32-byte master key from `MEMFABRIC_MASTER_KEY`; absent when it is read from {@link masterKeyFile}. */
  readonly masterKey?: Uint8Array;
  /** Master key file used when `MEMFABRIC_MASTER_KEY` is unset: `<dataDir>/master.key` (created when missing). */
  readonly masterKeyFile: string;
  /** Minimum level of log lines written to stdout. */
  readonly logLevel: IngestLogLevel;
}

/** Environment variables as `process.env` holds them. */
export type IngestEnv = Readonly<Record<string, string | undefined>>;

/** Defaults applied when a variable is unset or empty. */
export const INGEST_DEFAULTS = {
  /** `MEMFABRIC_DATA_DIR`, relative to the working directory. */
  dataDir: './data',
  /** `MEMFABRIC_INGEST_HOST`: loopback only, so a bare start never exposes the log. */
  host: '127.0.0.1',
  /** `MEMFABRIC_INGEST_PORT`. */
  port: 8081,
  /** `MEMFABRIC_MAX_BODY_BYTES`: 5 MiB. */
  maxBodyBytes: 5 * 1024 * 1024,
  /** `MEMFABRIC_LOG_LEVEL`. */
  logLevel: 'info',
} as const;

/** Largest value accepted for `MEMFABRIC_MAX_BODY_BYTES`: 1 GiB. */
export const MAX_BODY_BYTES_CEILING = 1024 * 1024 * 1024;

const LOG_FILE_NAME = 'memfabric.db';
const MASTER_KEY_FILE_NAME = 'master.key';

function value(env: IngestEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function integer(raw: string, min: number, max: number): number | undefined {
  if (!/^[0-9]+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/**
 * Builds the ingest configuration from environment variables and checks every value, without
 * throwing: the caller reports these problems together with those of the other modules.
 * Nothing is read from `process.env` here: pass it (or any object) in. A variable that is unset
 * or empty takes its default ({@link INGEST_DEFAULTS}).
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `MEMFABRIC_DATA_DIR` | directory of `memfabric.db` and `master.key` | `./data` |
 * | `MEMFABRIC_INGEST_HOST` | bind address | `127.0.0.1` |
 * | `MEMFABRIC_INGEST_PORT` | TCP port, 0-65535 (0 = any free port) | `8081` |
 * | `MEMFABRIC_MAX_BODY_BYTES` | request body limit in bytes, 1 to 1 GiB | 5 MiB (5242880) |
 * | `MEMFABRIC_MASTER_KEY` | 32 bytes of base64 (`openssl rand -base64 32`) | read/created at `<dataDir>/master.key` |
 * | `MEMFABRIC_LOG_LEVEL` | fatal, error, warn, info, debug, trace or silent | `info` |
 *
 * @param env - the environment, e.g. `process.env`.
 * @param cwd - directory a relative `MEMFABRIC_DATA_DIR` is resolved against; default the working directory.
 * @returns the configuration when every value is valid, and one line per invalid variable
 *   (naming it, its value and what to set instead).
 */
export function readIngestConfig(env: IngestEnv, cwd: string = process.cwd()): ConfigReading<IngestConfig> {
  const problems: string[] = [];
  const dataDir = path.resolve(cwd, value(env, 'MEMFABRIC_DATA_DIR') ?? INGEST_DEFAULTS.dataDir);

  const host = value(env, 'MEMFABRIC_INGEST_HOST') ?? INGEST_DEFAULTS.host;
  if (/\s/.test(host)) problems.push(`MEMFABRIC_INGEST_HOST must be a host name or IP address without spaces (got "${host}")`);

  const rawPort = value(env, 'MEMFABRIC_INGEST_PORT');
  const port = rawPort === undefined ? INGEST_DEFAULTS.port : integer(rawPort, 0, 65535);
  if (port === undefined) {
    problems.push(`MEMFABRIC_INGEST_PORT must be an integer from 0 to 65535 (0 picks a free port); got "${rawPort}"`);
  }

  const rawBody = value(env, 'MEMFABRIC_MAX_BODY_BYTES');
  const maxBodyBytes = rawBody === undefined ? INGEST_DEFAULTS.maxBodyBytes : integer(rawBody, 1, MAX_BODY_BYTES_CEILING);
  if (maxBodyBytes === undefined) {
    problems.push(`MEMFABRIC_MAX_BODY_BYTES must be a whole number of bytes from 1 to ${MAX_BODY_BYTES_CEILING}; got "${rawBody}"`);
  }

  const rawLevel = value(env, 'MEMFABRIC_LOG_LEVEL') ?? INGEST_DEFAULTS.logLevel;
  const logLevel = INGEST_LOG_LEVELS.find((l) => l === rawLevel);
  if (logLevel === undefined) problems.push(`MEMFABRIC_LOG_LEVEL must be one of ${INGEST_LOG_LEVELS.join(', ')}; got "${rawLevel}"`);

  let masterKey: Uint8Array | undefined;
  const rawKey = value(env, 'MEMFABRIC_MASTER_KEY');
  if (rawKey !== undefined) {
    try {
      masterKey = parseMasterKey(rawKey, 'MEMFABRIC_MASTER_KEY');
    } catch (error) {
      if (!MemfabricError.is(error)) throw error;
      problems.push(error.message);
    }
  }

  if (problems.length > 0 || port === undefined || maxBodyBytes === undefined || logLevel === undefined) return { problems };
  const config: IngestConfig = {
    dataDir,
    logFile: path.join(dataDir, LOG_FILE_NAME),
    host,
    port,
    maxBodyBytes,
    masterKeyFile: path.join(dataDir, MASTER_KEY_FILE_NAME),
    logLevel,
  };
  return { config: masterKey === undefined ? config : { ...config, masterKey }, problems };
}

/**
 * {@link readIngestConfig}, throwing.
 * @param env - the environment, e.g. `process.env`.
 * @param cwd - directory a relative `MEMFABRIC_DATA_DIR` is resolved against.
 * @returns the validated configuration.
 * @throws ConfigurationError listing every invalid variable, its value and what to set instead.
 */
export function loadIngestConfig(env: IngestEnv, cwd: string = process.cwd()): IngestConfig {
  const { config, problems } = readIngestConfig(env, cwd);
  if (config === undefined) throw configurationError('ingest', problems);
  return config;
}

/**
 * Where a start-up binds and keeps its data, read even when other variables are invalid (so the
 * security configuration can be checked in the same pass): the absolute data directory and the host.
 */
export function ingestBind(env: IngestEnv, cwd: string = process.cwd()): { readonly dataDir: string; readonly host: string } {
  return { dataDir: path.resolve(cwd, value(env, 'MEMFABRIC_DATA_DIR') ?? INGEST_DEFAULTS.dataDir), host: value(env, 'MEMFABRIC_INGEST_HOST') ?? INGEST_DEFAULTS.host };
}
