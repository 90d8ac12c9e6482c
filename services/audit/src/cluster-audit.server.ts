import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { Audit, loadAuditSigner, type AuditedFabric } from '@memfabric/audit-node';
import { hostSetting, openClusterKafka, openServerReadStores, portSetting, readClusterSettings, readerPlacements, ReadSide, Supervised } from '@memfabric/cluster';
import { embedderFromEnv } from '@memfabric/embedded';
import { closeEmbedder } from '@memfabric/embeddings';
import {
  assertBindAllowed,
  configurationError,
  createIngestLogger,
  openServerSecurity,
  PinoNestLogger,
  readServerSecurityConfig,
  readWith,
  securedApp,
  serviceLogger,
  ServiceHealthModule,
  type IngestEnv,
  type IngestLogger,
  type ReadinessCheck,
} from '@memfabric/ingest';
import { readAuditConfig } from './audit.config.js';
import { AuditModule } from './audit.module.js';

/** A running stand-alone audit service. */
export interface RunningClusterAudit {
  readonly app: NestExpressApplication;
  readonly url: string;
  readonly shutdownTimeoutMs: number;
  /** Stops HTTP, the read side (after its batch in flight) and the Kafka clients. */
  close(): Promise<void>;
}

/**
 * Runs the audit service alone, in the cluster: history, state at a position or time, the read
 * audit, signed checkpoints (on their Kafka topic), export, verification, rollback and erasure
 * over the Kafka log and key vault. The memory units (and the graph and analytics when no server
 * store is configured) are projected here into `MEMFABRIC_DATA_DIR`, a cache rebuilt from the
 * log. Settings: the cluster ones, `MEMFABRIC_AUDIT_HOST` / `MEMFABRIC_AUDIT_PORT` (default
 * 127.0.0.1:8083), the audit's (`MEMFABRIC_ADMIN_TOKEN[_FILE]`, `MEMFABRIC_AUDIT_SIGNING_KEY_FILE`:
 * required here, every replica signs with the same key). Listens at once; until the read side is
 * open, routes answer 503 and `/health/ready` says why.
 * @throws ConfigurationError naming every invalid variable at once.
 */
export async function startClusterAudit(env: IngestEnv, options: { readonly logger?: IngestLogger } = {}): Promise<RunningClusterAudit> {
  const cluster = readClusterSettings(env, 'audit', { MEMFABRIC_AUDIT_HOST: hostSetting, MEMFABRIC_AUDIT_PORT: portSetting(8083) });
  const audit = readAuditConfig(env, { openApiPaths: ['openapi.json'] }, { adminToken: false });
  const embedder = readWith(() => embedderFromEnv(env));
  const securityConfig = readServerSecurityConfig(env, { dataDir: cluster.config?.cluster.dataDir ?? process.cwd(), host: cluster.config?.own.MEMFABRIC_AUDIT_HOST ?? '127.0.0.1' });
  const problems = [...cluster.problems, ...audit.problems, ...embedder.problems, ...securityConfig.problems];
  if (audit.config && audit.config.signingKeyFile === undefined) problems.push('MEMFABRIC_AUDIT_SIGNING_KEY_FILE: required in the cluster (an Ed25519 PKCS #8 PEM from a Secret): every replica must sign with the same key');
  if (!cluster.config || !audit.config || !embedder.config || !securityConfig.config || problems.length > 0) throw configurationError('audit', problems);
  const settings = cluster.config.cluster;
  const { MEMFABRIC_AUDIT_HOST: bindHost, MEMFABRIC_AUDIT_PORT: port } = cluster.config.own;
  const root = options.logger ?? createIngestLogger(settings.logLevel, undefined, null);
  const logger = serviceLogger(root, 'audit');
  const security = openServerSecurity(securityConfig.config);
  try {
    assertBindAllowed(bindHost, await security.required());
  } catch (error) {
    await security.close();
    await closeEmbedder(embedder.config);
    throw error;
  }
  const kafka = openClusterKafka(settings.kafka, { logLevel: 'error' });
  const embedderConfig = embedder.config;
  const serving = new Supervised<ReadSide>(
    async () => {
      await kafka.start();
      const stores = await openServerReadStores(settings.stores, embedderConfig);
      const side = await ReadSide.open({
        log: kafka.log,
        dataDir: settings.dataDir,
        embedder: embedderConfig,
        ...(stores ? { stores } : {}),
        placements: readerPlacements(settings.stores, { vectors: false, graph: true, analytics: true }),
        extractor: null,
        onError: (error, projection) => logger.error({ err: error, projection }, 'projection batch failed; retrying'),
      });
      side.start();
      return side;
    },
    (side) => side.close(),
    {
      name: 'read side',
      initialDelayMs: settings.retry.initialMs,
      maxDelayMs: settings.retry.maxMs,
      onFailedAttempt: (error, attempt, delay) => logger.warn({ err: error, attempt, retryInMs: delay }, 'could not open the log or the stores; retrying'),
    },
  );
  const fabric: AuditedFabric = {
    log: kafka.log,
    vault: kafka.vault,
    checkpoints: kafka.checkpoints,
    memoryUnits: { listUnits: (tenant, query) => serving.get().memoryUnits.listUnits(tenant, query) },
    analytics: {
      insertQueries: (rows) => serving.get().analytics.insertQueries(rows),
      listQueries: (query) => serving.get().analytics.listQueries(query),
    },
    catchUp: () => serving.get().settled(),
    activeGraph: () => serving.get().activeGraph(),
    tenantPartition: (tenant) => kafka.log.partitionFor(tenant, ''),
    purgeFiles: () => Promise.resolve(serving.get().truncateWal()),
  };
  const signer = loadAuditSigner({ keyFile: audit.config.signingKeyFile! });
  const checks: ReadinessCheck[] = [
    { name: 'read side', check: () => Promise.resolve(void serving.get()) },
    { name: 'event log', check: async () => void (await kafka.log.end()) },
    {
      name: 'read side lag',
      check: async () => {
        const lagged = await serving.get().lagged();
        if (lagged > settings.readyMaxLag) throw new Error(`${lagged} events behind the log end (MEMFABRIC_READY_MAX_LAG ${settings.readyMaxLag})`);
      },
    },
  ];
  let app: NestExpressApplication | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      securedApp(security.options, AuditModule.forRoot({ audit: new Audit({ fabric, signer }), config: audit.config, logger }), ServiceHealthModule.forRoot({ checks, logger })),
      new ExpressAdapter(),
      { bodyParser: false, logger: new PinoNestLogger(logger), abortOnError: false },
    );
    app.disable('x-powered-by');
    await app.listen(port, bindHost);
  } catch (error) {
    await app?.close();
    await serving.close();
    await kafka.close();
    await security.close();
    await closeEmbedder(embedderConfig);
    throw error;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, brokers: settings.kafka.brokers }, 'audit service listening');
  const running = app;
  return {
    app: running,
    url,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    close: async () => {
      await running.close();
      await serving.close();
      await kafka.close();
      await security.close();
      await closeEmbedder(embedderConfig); // its worker threads, if any
    },
  };
}
