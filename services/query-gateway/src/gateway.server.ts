import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { hostSetting, openClusterKafka, openServerReadStores, portSetting, readClusterSettings, readerPlacements, ReadSide, Supervised, type ClusterKafka, type ClusterSettings } from '@memfabric/cluster';
import { embedderFromEnv } from '@memfabric/embedded';
import { closeEmbedder, type Embedder } from '@memfabric/embeddings';
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
import { BUILTIN_PRESETS, RecallEngine, type Recaller, type RecallPreset } from '@memfabric/recall';
import { readQueryGatewayConfig, type QueryGatewayConfig } from './query-gateway.config.js';
import { QueryGatewayModule } from './query-gateway.module.js';

/** Settings of the stand-alone query gateway. */
export interface QueryGatewaySettings {
  readonly cluster: ClusterSettings;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly gateway: QueryGatewayConfig;
  readonly embedder: Embedder;
}

/**
 * Reads the query gateway's settings: the cluster settings (Kafka, stores, readiness, shutdown;
 * see `docs/operations.md`), `MEMFABRIC_GATEWAY_HOST` / `MEMFABRIC_GATEWAY_PORT` (default
 * 127.0.0.1:8082), `MEMFABRIC_QUERY_MAX_BODY_BYTES` and the embedder (`MEMFABRIC_EMBEDDER`, the
 * same on every process that embeds).
 * @returns the settings, or one line per problem (every module's at once).
 */
export function readQueryGatewaySettings(env: IngestEnv): { readonly config?: QueryGatewaySettings; readonly problems: readonly string[] } {
  const cluster = readClusterSettings(env, 'query-gateway', { MEMFABRIC_GATEWAY_HOST: hostSetting, MEMFABRIC_GATEWAY_PORT: portSetting(8082) });
  const gateway = readQueryGatewayConfig(env);
  const embedder = readWith(() => embedderFromEnv(env));
  const problems = [...cluster.problems, ...gateway.problems, ...embedder.problems];
  if (!cluster.config || !gateway.config || !embedder.config) return { problems };
  return {
    config: {
      cluster: cluster.config.cluster,
      host: cluster.config.own.MEMFABRIC_GATEWAY_HOST,
      port: cluster.config.own.MEMFABRIC_GATEWAY_PORT,
      gateway: { ...gateway.config, openApiPaths: [...new Set(['openapi.json', ...gateway.config.openApiPaths])] },
      embedder: embedder.config,
    },
    problems,
  };
}

/** What the gateway serves from, once open. */
interface Serving {
  readonly kafka: ClusterKafka;
  readonly side: ReadSide;
  readonly engine: RecallEngine;
}

/** A running stand-alone query gateway. */
export interface RunningQueryGateway {
  readonly app: NestExpressApplication;
  readonly url: string;
  readonly settings: QueryGatewaySettings;
  /** The read side once open (tests, stats). */
  readSide(): Promise<ReadSide>;
  readonly shutdownTimeoutMs: number;
  /** Stops HTTP, then the read side after its batch in flight (committing it), then Kafka. */
  close(): Promise<void>;
}

/**
 * Runs the query gateway alone, in the cluster: `POST /v1/recall` over the read models this
 * process reads. A read model whose server store is configured (Qdrant, Neo4j, ClickHouse) is
 * read there, filled by projectors; one without is projected here from Kafka into
 * `MEMFABRIC_DATA_DIR` (embedded, a cache rebuilt from the log). The memory units are always
 * projected here. Listens at once; the log and stores are opened in the background with backoff
 * (`MEMFABRIC_RETRY_*`): until then recall answers 503 and `/health/ready` names the reason.
 * Ready when the read side is open and at most `MEMFABRIC_READY_MAX_LAG` events behind.
 * @throws ConfigurationError naming every invalid variable at once.
 * @throws Error when the port cannot be bound.
 */
export async function startQueryGateway(env: IngestEnv, options: { readonly logger?: IngestLogger; readonly presets?: readonly RecallPreset[] } = {}): Promise<RunningQueryGateway> {
  const read = readQueryGatewaySettings(env);
  const bind = { dataDir: read.config?.cluster.dataDir ?? process.cwd(), host: read.config?.host ?? '127.0.0.1' };
  const securityConfig = readServerSecurityConfig(env, bind);
  if (!read.config || !securityConfig.config) throw configurationError('query-gateway', [...read.problems, ...securityConfig.problems]);
  const settings = read.config;
  const root = options.logger ?? createIngestLogger(settings.cluster.logLevel, undefined, null);
  const logger = serviceLogger(root, 'query-gateway');
  const security = openServerSecurity(securityConfig.config);
  const authRequired = await security.required();
  try {
    assertBindAllowed(settings.host, authRequired);
  } catch (error) {
    await security.close();
    await closeEmbedder(settings.embedder);
    throw error;
  }
  const placements = readerPlacements(settings.cluster.stores, { vectors: true, graph: true, analytics: true });
  const serving = new Supervised<Serving>(
    async () => {
      const kafka = openClusterKafka(settings.cluster.kafka, { logLevel: 'error' });
      try {
        await kafka.start();
        const stores = await openServerReadStores(settings.cluster.stores, settings.embedder);
        const side = await ReadSide.open({
          log: kafka.log,
          dataDir: settings.cluster.dataDir,
          embedder: settings.embedder,
          ...(stores ? { stores } : {}),
          placements,
          extractor: null,
          onError: (error, projection) => logger.error({ err: error, projection }, 'projection batch failed; retrying'),
        });
        side.start();
        const engine = new RecallEngine(await side.recallBackend(), options.presets ? { presets: options.presets } : {});
        return { kafka, side, engine };
      } catch (error) {
        await kafka.close();
        throw error;
      }
    },
    async ({ kafka, side }) => {
      await side.close();
      await kafka.close();
    },
    {
      name: 'read side',
      initialDelayMs: settings.cluster.retry.initialMs,
      maxDelayMs: settings.cluster.retry.maxMs,
      onFailedAttempt: (error, attempt, delay) => logger.warn({ err: error, attempt, retryInMs: delay }, 'could not open the log or the stores; retrying'),
    },
  );
  const presets = options.presets ?? BUILTIN_PRESETS;
  const recaller: Recaller = {
    recall: (request) => serving.get().engine.recall(request),
    presets: () => presets,
  };
  const checks: ReadinessCheck[] = [
    { name: 'read side', check: () => Promise.resolve(void serving.get()) },
    { name: 'event log', check: async () => void (await serving.get().kafka.log.end()) },
    {
      name: 'read side lag',
      check: async () => {
        const lagged = await serving.get().side.lagged();
        if (lagged > settings.cluster.readyMaxLag) throw new Error(`${lagged} events behind the log end (MEMFABRIC_READY_MAX_LAG ${settings.cluster.readyMaxLag})`);
      },
    },
  ];
  let app: NestExpressApplication | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      securedApp(security.options, QueryGatewayModule.forRoot({ recaller, config: settings.gateway, logger }), ServiceHealthModule.forRoot({ checks, logger })),
      new ExpressAdapter(),
      { bodyParser: false, logger: new PinoNestLogger(logger), abortOnError: false },
    );
    app.disable('x-powered-by');
    await app.listen(settings.port, settings.host);
  } catch (error) {
    await app?.close();
    await serving.close();
    await security.close();
    await closeEmbedder(settings.embedder);
    throw error;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, placements, dataDir: settings.cluster.dataDir, brokers: settings.cluster.kafka.brokers }, 'query gateway listening');
  const running = app;
  return {
    app: running,
    url,
    settings,
    readSide: async () => (await serving.opened).side,
    shutdownTimeoutMs: settings.cluster.shutdownTimeoutMs,
    close: async () => {
      await running.close();
      await serving.close();
      await security.close();
      await closeEmbedder(settings.embedder); // its worker threads, if any
    },
  };
}
