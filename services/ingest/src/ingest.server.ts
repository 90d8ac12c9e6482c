import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadOrCreateMasterKey, SqliteEventLog } from '@memfabric/event-log-sqlite';
import { createIngestApp } from './ingest.app.js';
import { configurationError } from './config-reading.js';
import { openServerSecurity, readServerSecurityConfig } from './security/open-security.js';
import { assertBindAllowed } from './security/security.config.js';
import { ingestBind, readIngestConfig, type IngestConfig, type IngestEnv } from './ingest.config.js';
import { createIngestLogger, type IngestLogger } from './ingest.logger.js';

/** A running stand-alone ingest service. */
export interface RunningIngest {
  readonly app: NestExpressApplication;
  readonly log: SqliteEventLog;
  readonly config: IngestConfig;
  /** Base URL the server listens on, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  /** Stops accepting requests, waits for those in flight, then closes the log. */
  close(): Promise<void>;
}

/** Options of {@link startIngest}. */
export interface StartIngestOptions {
  /** Logger; default pino to stdout at the configured level. */
  readonly logger?: IngestLogger;
}

/**
 * Runs the ingest service alone on the embedded SQLite log: validates the configuration, loads
 * the master key (`MEMFABRIC_MASTER_KEY`, else `<dataDir>/master.key`, created when missing),
 * opens `<dataDir>/memfabric.db` and listens on `host:port`.
 *
 * @param env - environment variables (see `readIngestConfig` and `readServerSecurityConfig`).
 * @throws ConfigurationError listing every invalid variable of both at once (one line each),
 *   or when the key file is bad or the log cannot be opened.
 * @throws Error when the port cannot be bound (e.g. EADDRINUSE).
 */
export async function startIngest(env: IngestEnv, options: StartIngestOptions = {}): Promise<RunningIngest> {
  const ingest = readIngestConfig(env);
  const securityConfig = readServerSecurityConfig(env, ingest.config ?? ingestBind(env));
  if (ingest.config === undefined || securityConfig.config === undefined) throw configurationError('ingest', [...ingest.problems, ...securityConfig.problems]);
  const config = ingest.config;
  const logger = options.logger ?? createIngestLogger(config.logLevel);
  const security = openServerSecurity(securityConfig.config);
  const authRequired = await security.required();
  let log: SqliteEventLog;
  try {
    assertBindAllowed(config.host, authRequired);
    const masterKey = config.masterKey ?? loadOrCreateMasterKey(config.masterKeyFile);
    log = SqliteEventLog.open({ path: config.logFile, masterKey });
  } catch (error) {
    await security.close();
    throw error;
  }
  let app: NestExpressApplication | undefined;
  try {
    app = await createIngestApp({ log, config, logger, security: security.options });
    await app.listen(config.port, config.host);
  } catch (error) {
    await app?.close();
    await log.close();
    await security.close();
    throw error;
  }
  if (!authRequired) logger.warn({ host: config.host }, 'no credential configured: serving loopback only, without authentication');
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, dataDir: config.dataDir, maxBodyBytes: config.maxBodyBytes }, 'ingest service listening');
  const running = app;
  return {
    app: running,
    log,
    config,
    url,
    close: async () => {
      await running.close();
      await log.close();
      await security.close();
      logger.info('ingest service stopped');
    },
  };
}
