import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { z } from 'zod';
import {
  hostSetting,
  integer,
  openClusterKafka,
  openServerReadStores,
  portSetting,
  readClusterSettings,
  ReadSide,
  Supervised,
  type ClusterKafka,
  type ClusterSettings,
  type ReadSidePlacements,
} from '@memfabric/cluster';
import { embedderFromEnv, extractorFromEnv } from '@memfabric/embedded';
import { closeEmbedder, type Embedder } from '@memfabric/embeddings';
import type { Extractor } from '@memfabric/extraction';
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

/** What a projector can run: the extraction processor and the read models with a server store. */
export const PROJECTOR_PROJECTIONS = ['extraction', 'vectors', 'graph', 'analytics'] as const;

/** One of {@link PROJECTOR_PROJECTIONS}. */
export type ProjectorProjection = (typeof PROJECTOR_PROJECTIONS)[number];

/** Settings of a projector. */
export interface ProjectorSettings {
  readonly cluster: ClusterSettings;
  readonly host: string;
  readonly port: number;
  /** What this projector runs, each as its shared consumer group. */
  readonly projections: readonly ProjectorProjection[];
  /** Events per batch. */
  readonly batchSize: number;
  readonly embedder: Embedder;
  /**
   * The extraction stage's extractor (`extractorFromEnv`: `MEMFABRIC_EXTRACTION_WORKERS` worker
   * threads), or null when this projector does not run `extraction`.
   */
  readonly extractor: Extractor | null;
}

const projectionList = z
  .string()
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.split(',').map((p) => p.trim()).filter((p) => p.length > 0)))
  .pipe(z.array(z.enum(PROJECTOR_PROJECTIONS, { error: `each projection must be one of ${PROJECTOR_PROJECTIONS.join(', ')}` })).min(1, 'must name at least one projection').optional());

/**
 * Reads a projector's settings: the cluster settings, `MEMFABRIC_PROJECTOR_HOST` /
 * `MEMFABRIC_PROJECTOR_PORT` (health only; default 127.0.0.1:8084), `MEMFABRIC_PROJECTIONS`
 * (comma-separated; default `extraction` plus every read model whose server store is configured),
 * `MEMFABRIC_BATCH_SIZE` (events, 1-10 000, default 500) and `MEMFABRIC_EXTRACTION_WORKERS`
 * (see `extractionWorkersFromEnv`). A read model without a server store
 * is refused: what a projector writes into an embedded store no other process could read
 * (readers project their embedded read models themselves).
 * @returns the settings, or one line per problem.
 */
export function readProjectorSettings(env: IngestEnv): { readonly config?: ProjectorSettings; readonly problems: readonly string[] } {
  const read = readClusterSettings(env, 'projector', {
    MEMFABRIC_PROJECTOR_HOST: hostSetting,
    MEMFABRIC_PROJECTOR_PORT: portSetting(8084),
    MEMFABRIC_PROJECTIONS: projectionList,
    MEMFABRIC_BATCH_SIZE: integer(500, 1, 10_000),
  });
  const embedder = readWith(() => embedderFromEnv(env));
  const extractor = readWith(() => extractorFromEnv(env));
  const problems = [...read.problems, ...embedder.problems, ...extractor.problems];
  if (!read.config || !embedder.config || !extractor.config) return { problems };
  const stores = read.config.cluster.stores;
  const serverOf: Record<Exclude<ProjectorProjection, 'extraction'>, { readonly has: boolean; readonly variable: string }> = {
    vectors: { has: stores.vectors !== undefined, variable: 'MEMFABRIC_QDRANT_URL' },
    graph: { has: stores.graph !== undefined, variable: 'MEMFABRIC_NEO4J_URL' },
    analytics: { has: stores.analytics !== undefined, variable: 'MEMFABRIC_CLICKHOUSE_URL' },
  };
  const projections = read.config.own.MEMFABRIC_PROJECTIONS ?? ['extraction', ...(['vectors', 'graph', 'analytics'] as const).filter((p) => serverOf[p].has)];
  for (const p of projections) {
    if (p !== 'extraction' && !serverOf[p].has) {
      problems.push(`MEMFABRIC_PROJECTIONS: ${p} needs its server store (${serverOf[p].variable}); a projector's embedded store would be read by no other process`);
    }
  }
  if (problems.length > 0) return { problems };
  return {
    config: {
      cluster: read.config.cluster,
      host: read.config.own.MEMFABRIC_PROJECTOR_HOST,
      port: read.config.own.MEMFABRIC_PROJECTOR_PORT,
      projections: [...new Set(projections)],
      batchSize: read.config.own.MEMFABRIC_BATCH_SIZE,
      embedder: embedder.config,
      extractor: projections.includes('extraction') ? extractor.config : null,
    },
    problems,
  };
}

/** A running projector. */
export interface RunningProjector {
  readonly url: string;
  readonly settings: ProjectorSettings;
  /** The read side once open. */
  readSide(): Promise<ReadSide>;
  readonly shutdownTimeoutMs: number;
  /** Stops consuming, finishes and commits the batch in flight, closes the stores and Kafka. */
  close(): Promise<void>;
}

/**
 * Runs a projector: the projections of its settings on the asynchronous runtime, each as the
 * consumer group `projection:<name>:g<N>` that every replica shares (Kafka assigns each replica
 * a set of partitions and moves them on a rebalance; a batch is committed only after its store
 * acknowledged it, and every write is idempotent, so a replica that dies loses nothing and a
 * batch delivered twice changes nothing). The memory units, whose decisions the vector and
 * graph read models consume, are projected locally into `MEMFABRIC_DATA_DIR`. Serves
 * `/health/live` and `/health/ready` (read side open, log reachable, lag at most
 * `MEMFABRIC_READY_MAX_LAG`). The log and stores are opened in the background with backoff.
 * @throws ConfigurationError naming every invalid variable at once.
 */
export async function startProjector(env: IngestEnv, options: { readonly logger?: IngestLogger } = {}): Promise<RunningProjector> {
  const read = readProjectorSettings(env);
  const securityConfig = readServerSecurityConfig(env, { dataDir: read.config?.cluster.dataDir ?? process.cwd(), host: read.config?.host ?? '127.0.0.1' });
  if (!read.config || !securityConfig.config) throw configurationError('projector', [...read.problems, ...securityConfig.problems]);
  const settings = read.config;
  const root = options.logger ?? createIngestLogger(settings.cluster.logLevel, undefined, null);
  const logger = serviceLogger(root, 'projector');
  const security = openServerSecurity(securityConfig.config);
  try {
    assertBindAllowed(settings.host, await security.required());
  } catch (error) {
    await security.close();
    await closeWorkers(settings);
    throw error;
  }
  const runs = (p: ProjectorProjection) => (settings.projections.includes(p) ? 'shared' : 'off');
  const placements: ReadSidePlacements = { vectors: runs('vectors'), graph: runs('graph'), analytics: runs('analytics'), extraction: runs('extraction') };
  const serving = new Supervised<{ kafka: ClusterKafka; side: ReadSide }>(
    async () => {
      // the NLP libraries load before the first batch, not during it (readiness waits for this)
      await settings.extractor?.warm?.();
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
          extractor: settings.extractor,
          batchSize: settings.batchSize,
          onError: (error, projection) => logger.error({ err: error, projection }, 'projection batch failed; retrying'),
        });
        side.start();
        return { kafka, side };
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
      name: 'projections',
      initialDelayMs: settings.cluster.retry.initialMs,
      maxDelayMs: settings.cluster.retry.maxMs,
      onFailedAttempt: (error, attempt, delay) => logger.warn({ err: error, attempt, retryInMs: delay }, 'could not open the log or the stores; retrying'),
    },
  );
  const checks: ReadinessCheck[] = [
    { name: 'projections', check: () => Promise.resolve(void serving.get()) },
    { name: 'event log', check: async () => void (await serving.get().kafka.log.end()) },
    {
      name: 'consumer lag',
      check: async () => {
        const lagged = await serving.get().side.lagged();
        if (lagged > settings.cluster.readyMaxLag) throw new Error(`${lagged} events behind the log end (MEMFABRIC_READY_MAX_LAG ${settings.cluster.readyMaxLag})`);
      },
    },
  ];
  let app: NestExpressApplication | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(securedApp(security.options, ServiceHealthModule.forRoot({ checks, logger })), new ExpressAdapter(), {
      bodyParser: false,
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    app.disable('x-powered-by');
    await app.listen(settings.port, settings.host);
  } catch (error) {
    await app?.close();
    await serving.close();
    await security.close();
    await closeWorkers(settings);
    throw error;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, projections: settings.projections, brokers: settings.cluster.kafka.brokers }, 'projector running');
  const running = app;
  return {
    url,
    settings,
    readSide: async () => (await serving.opened).side,
    shutdownTimeoutMs: settings.cluster.shutdownTimeoutMs,
    close: async () => {
      await serving.close();
      await running.close();
      await security.close();
      await closeWorkers(settings);
    },
  };
}

/** Closes the embedder and the extractor of a projector's settings (their worker threads, if any). */
async function closeWorkers(settings: ProjectorSettings): Promise<void> {
  await Promise.all([closeEmbedder(settings.embedder), settings.extractor?.close?.()]);
}
