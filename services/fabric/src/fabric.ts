import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EmbeddedFabric, embedderFromEnv } from '@memfabric/embedded';
import { loadOrCreateMasterKey } from '@memfabric/event-log-sqlite';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { AuditModule, loadAuditConfig } from '@memfabric/audit-service';
import { assertBindAllowed, createIngestLogger, IngestModule, loadIngestConfig, openSecurity, PinoNestLogger, securedApp, type IngestConfig, type IngestEnv, type IngestLogger } from '@memfabric/ingest';
import { loadQueryGatewayConfig, QueryGatewayModule } from '@memfabric/query-gateway';

/** The embedded fabric running in one process. */
export interface RunningFabric {
  /** The log, the projection runtime and the read stores. */
  readonly fabric: EmbeddedFabric;
  /** The HTTP application: ingest, query gateway and audit modules. */
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
 * named by `MEMFABRIC_DATA_DIR` (default `./data`), on one HTTP port: the ingest API over the
 * SQLite event log (`/v1/events`, `/v1/tenants/{t}/streams/...`), the query gateway
 * (`POST /v1/recall`) and the audit service (history, state, rollback, erasure, export, read
 * audit), with the projections (memory units, vectors, extraction, graph, analytics) running
 * continuously behind them.
 *
 * @param env - environment variables (see `loadIngestConfig`, `loadQueryGatewayConfig` and
 *   `loadAuditConfig` for names and defaults).
 * @throws ConfigurationError when the configuration is invalid or a store cannot be opened.
 * @throws Error when the port cannot be bound (e.g. EADDRINUSE).
 */
export async function startFabric(env: IngestEnv, options: StartFabricOptions = {}): Promise<RunningFabric> {
  const config = loadIngestConfig(env);
  const logger = options.logger ?? createIngestLogger(config.logLevel);
  const security = openSecurity(env, { dataDir: config.dataDir, host: config.host });
  const authRequired = await security.required();
  try {
    assertBindAllowed(config.host, authRequired);
  } catch (error) {
    await security.close();
    throw error;
  }
  const masterKey = config.masterKey ?? loadOrCreateMasterKey(config.masterKeyFile);
  let fabric: EmbeddedFabric;
  try {
    fabric = await EmbeddedFabric.open({ dataDir: config.dataDir, masterKey, embedder: embedderFromEnv(env) });
  } catch (error) {
    await security.close();
    throw error;
  }
  let app: NestExpressApplication | undefined;
  try {
    const root = securedApp(
      security.options,
      IngestModule.forRoot({ log: fabric.log, config, logger }),
      QueryGatewayModule.forRoot({ recaller: fabric.recaller(), config: loadQueryGatewayConfig(env), logger }),
      AuditModule.forRoot({ fabric, config: loadAuditConfig({ ...env, MEMFABRIC_DATA_DIR: config.dataDir }), dataDir: config.dataDir, logger }),
    );
    app = await NestFactory.create<NestExpressApplication>(root, new ExpressAdapter(), {
      bodyParser: false,
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    app.disable('x-powered-by');
    await app.listen(config.port, config.host);
  } catch (error) {
    await app?.close();
    await fabric.close();
    await security.close();
    throw error;
  }
  fabric.runtime.start();
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, dataDir: config.dataDir, projections: fabric.projections }, 'memfabric embedded fabric listening');
  if (!authRequired) {
    logger.warn(
      { host: config.host },
      'no credential configured: serving loopback only, without authentication (memory read/write and audit reads; admin routes refused). Create a key with `memfabric keys create --tenant T --scopes memory:read,memory:write`',
    );
  }
  const running = app;
  return {
    fabric,
    app: running,
    config,
    url,
    close: async () => {
      await running.close();
      await fabric.close();
      await security.close();
    },
  };
}
