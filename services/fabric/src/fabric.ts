import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EmbeddedFabric, embedderFromEnv } from '@memfabric/embedded';
import { loadOrCreateMasterKey } from '@memfabric/event-log-sqlite';
import { createIngestApp, createIngestLogger, loadIngestConfig, type IngestConfig, type IngestEnv, type IngestLogger } from '@memfabric/ingest';

/** The embedded fabric running in one process. */
export interface RunningFabric {
  /** The log, the projection runtime and the read stores. */
  readonly fabric: EmbeddedFabric;
  /** The ingest HTTP application. */
  readonly app: NestExpressApplication;
  readonly config: IngestConfig;
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  /** Stops the HTTP server and the projections, then closes every store. */
  close(): Promise<void>;
}

/** Options of {@link startFabric}. */
export interface StartFabricOptions {
  /** Logger; default pino to stdout at the configured level. */
  readonly logger?: IngestLogger;
}

/**
 * Starts every memfabric service of the embedded stack in this process on the data directory
 * named by `MEMFABRIC_DATA_DIR` (default `./data`): the ingest API over the SQLite event log,
 * and the projections (memory units, analytics) running continuously behind it.
 *
 * @param env - environment variables (see `loadIngestConfig` for names and defaults).
 * @throws ConfigurationError when the configuration is invalid or a store cannot be opened.
 * @throws Error when the port cannot be bound (e.g. EADDRINUSE).
 */
export async function startFabric(env: IngestEnv, options: StartFabricOptions = {}): Promise<RunningFabric> {
  const config = loadIngestConfig(env);
  const logger = options.logger ?? createIngestLogger(config.logLevel);
  const masterKey = config.masterKey ?? loadOrCreateMasterKey(config.masterKeyFile);
  const fabric = await EmbeddedFabric.open({ dataDir: config.dataDir, masterKey, embedder: embedderFromEnv(env) });
  let app: NestExpressApplication | undefined;
  try {
    app = await createIngestApp({ log: fabric.log, config, logger });
    await app.listen(config.port, config.host);
  } catch (error) {
    await app?.close();
    await fabric.close();
    throw error;
  }
  fabric.runtime.start();
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, dataDir: config.dataDir, projections: fabric.projections }, 'memfabric embedded fabric listening');
  const running = app;
  return {
    fabric,
    app: running,
    config,
    url,
    close: async () => {
      await running.close();
      await fabric.close();
    },
  };
}
