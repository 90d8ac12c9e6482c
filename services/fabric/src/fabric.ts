import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EmbeddedFabric, embedderFromEnv, embeddingCacheFromEnv, extractorFromEnv } from '@memfabric/embedded';
import { loadOrCreateMasterKey } from '@memfabric/event-log-sqlite';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { embeddedAuditedFabric } from '@memfabric/audit-node';
import { AuditModule, readAuditConfig, type AuditConfig } from '@memfabric/audit-service';
import {
  assertBindAllowed,
  configurationError,
  createIngestLogger,
  ingestBind,
  IngestModule,
  openServerSecurity,
  PinoNestLogger,
  readIngestConfig,
  readServerSecurityConfig,
  readWith,
  securedApp,
  serviceLogger,
  type IngestConfig,
  type IngestEnv,
  type IngestLogger,
  type ServerSecurityConfig,
} from '@memfabric/ingest';
import { lagSamplesOf, registerLagSource } from '@memfabric/telemetry-node';
import { QueryGatewayModule, readQueryGatewayConfig, type QueryGatewayConfig } from '@memfabric/query-gateway';
import { ApiDocsModule } from './api-docs.module.js';
import { buildFabricOpenApiDocument } from './openapi.document.js';

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
  /**
   * Logger; default pino to stdout at the configured level. Each module logs through
   * `logger.child({ service })` (`ingest`, `query-gateway`, `audit`, the runner's own lines
   * `fabric`), so pass one created without a `service` field (`createIngestLogger(level, dest, null)`).
   */
  readonly logger?: IngestLogger;
}

/** Every module's configuration of the all-in-one runner, read by {@link readFabricConfig}. */
export interface FabricConfig {
  readonly ingest: IngestConfig;
  readonly security: ServerSecurityConfig;
  readonly queryGateway: QueryGatewayConfig;
  readonly audit: AuditConfig;
  readonly embedder: ReturnType<typeof embedderFromEnv>;
  readonly embeddingCache: ReturnType<typeof embeddingCacheFromEnv>;
  readonly extractor: ReturnType<typeof extractorFromEnv>;
}

/**
 * Reads the configuration of every module the all-in-one runner hosts (ingest, authentication
 * and request protections, query gateway, audit, embedder) and collects their problems, so one
 * start-up names every invalid variable at once.
 *
 * @param env - environment variables (see `readIngestConfig`, `readServerSecurityConfig`,
 *   `readQueryGatewayConfig`, `readAuditConfig`, `embedderFromEnv`, `embeddingCacheFromEnv` and `extractorFromEnv` for names and defaults).
 * @returns the configuration.
 * @throws ConfigurationError `invalid memfabric configuration:` with one `  - ` line per problem,
 *   each naming its variable (`context.problems` lists them).
 */
export function readFabricConfig(env: IngestEnv): FabricConfig {
  const ingest = readIngestConfig(env);
  const bind = ingest.config ?? ingestBind(env);
  const security = readServerSecurityConfig(env, bind);
  const queryGateway = readQueryGatewayConfig(env);
  // the admin token is checked once, by the authentication settings
  const audit = readAuditConfig({ ...env, MEMFABRIC_DATA_DIR: bind.dataDir }, { openApiPaths: [] }, { adminToken: false });
  const embedder = readWith(() => embedderFromEnv(env));
  const embeddingCache = readWith(() => embeddingCacheFromEnv(env));
  const extractor = readWith(() => extractorFromEnv(env));
  const problems = [
    ...ingest.problems,
    ...security.problems,
    ...queryGateway.problems,
    ...audit.problems,
    ...embedder.problems,
    ...embeddingCache.problems,
    ...extractor.problems,
  ];
  if (
    ingest.config === undefined ||
    security.config === undefined ||
    queryGateway.config === undefined ||
    audit.config === undefined ||
    embedder.config === undefined ||
    embeddingCache.config === undefined ||
    extractor.config === undefined
  ) {
    throw configurationError('memfabric', problems);
  }
  return {
    ingest: ingest.config,
    security: security.config,
    queryGateway: { ...queryGateway.config, openApiPaths: [] },
    audit: audit.config,
    embedder: embedder.config,
    embeddingCache: embeddingCache.config,
    extractor: extractor.config,
  };
}

/**
 * Starts every memfabric service of the embedded stack in this process on the data directory
 * named by `MEMFABRIC_DATA_DIR` (default `./data`), on one HTTP port: the ingest API over the
 * SQLite event log (`/v1/events`, `/v1/tenants/{t}/streams/...`), the query gateway
 * (`POST /v1/recall`) and the audit service (history, state, rollback, erasure, export, read
 * audit), with the projections (memory units, vectors, extraction, graph, analytics) running
 * continuously behind them. One OpenAPI 3.1 document of every route is served at
 * `/openapi.json`, and a browsable page at `/docs`.
 *
 * @param env - environment variables (see {@link readFabricConfig}).
 * @throws ConfigurationError naming every invalid variable of every module at once, or when a
 *   store cannot be opened.
 * @throws Error when the port cannot be bound (e.g. EADDRINUSE).
 */
export async function startFabric(env: IngestEnv, options: StartFabricOptions = {}): Promise<RunningFabric> {
  const read = readFabricConfig(env);
  const config = read.ingest;
  const logger = options.logger ?? createIngestLogger(config.logLevel, undefined, null);
  const runnerLogger = serviceLogger(logger, 'fabric');
  const security = openServerSecurity(read.security);
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
    fabric = await EmbeddedFabric.open({ dataDir: config.dataDir, masterKey, embedder: read.embedder, embeddingCache: read.embeddingCache, extractor: read.extractor });
  } catch (error) {
    await security.close();
    throw error;
  }
  try {
    await fabric.warm();
  } catch (error) {
    await fabric.close();
    await security.close();
    throw error;
  }
  let app: NestExpressApplication | undefined;
  try {
    const root = securedApp(
      security.options,
      IngestModule.forRoot({ log: fabric.log, config, logger: serviceLogger(logger, 'ingest'), openApi: false }),
      QueryGatewayModule.forRoot({ recaller: fabric.recaller(), config: read.queryGateway, logger: serviceLogger(logger, 'query-gateway') }),
      AuditModule.forRoot({ fabric: embeddedAuditedFabric(fabric), config: read.audit, dataDir: config.dataDir, logger: serviceLogger(logger, 'audit') }),
      ApiDocsModule.forRoot(
        buildFabricOpenApiDocument({ ingestMaxBodyBytes: config.maxBodyBytes, queryMaxBodyBytes: read.queryGateway.maxBodyBytes, auditMaxBodyBytes: read.audit.maxBodyBytes }),
      ),
    );
    app = await NestFactory.create<NestExpressApplication>(root, new ExpressAdapter(), {
      bodyParser: false,
      logger: new PinoNestLogger(runnerLogger),
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
  const unregisterLag = registerLagSource(async () => lagSamplesOf(await fabric.log.end(), await fabric.runtime.status()));
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  runnerLogger.info({ url, dataDir: config.dataDir, projections: fabric.projections }, 'memfabric embedded fabric listening');
  if (!authRequired) {
    runnerLogger.warn(
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
      unregisterLag();
      await running.close();
      await fabric.close();
      await security.close();
    },
  };
}
