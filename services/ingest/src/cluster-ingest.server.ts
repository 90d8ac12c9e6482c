import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pRetry from 'p-retry';
import { openClusterKafka, readClusterSettings, type ClusterKafka, type ClusterSettings } from '@memfabric/cluster';
import { createIngestApp } from './ingest.app.js';
import { configurationError } from './config-reading.js';
import { openServerSecurity, readServerSecurityConfig } from './security/open-security.js';
import { assertBindAllowed } from './security/security.config.js';
import { readIngestConfig, type IngestConfig, type IngestEnv } from './ingest.config.js';
import { createIngestLogger, type IngestLogger } from './ingest.logger.js';

/** A running ingest service on Kafka. */
export interface RunningClusterIngest {
  readonly app: NestExpressApplication;
  readonly kafka: ClusterKafka;
  readonly config: IngestConfig;
  readonly cluster: ClusterSettings;
  readonly url: string;
  readonly shutdownTimeoutMs: number;
  /** Stops accepting requests, waits for those in flight, then closes the Kafka clients. */
  close(): Promise<void>;
}

/**
 * The first problem of each variable: the cluster settings and the ingest's own reader both
 * check `MEMFABRIC_MASTER_KEY`, and a variable is reported once.
 */
function onePerVariable(problems: readonly string[]): string[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const variable = /^[A-Z][A-Z0-9_]*/.exec(problem)?.[0] ?? problem;
    if (seen.has(variable)) return false;
    seen.add(variable);
    return true;
  });
}

/**
 * Runs the ingest service in the cluster: the same HTTP API as on one machine
 * (`/v1/events`, streams, health), appending to the Kafka event log (partitioned by tenant,
 * acks=all) with content sealed by per-data-subject keys from the Kafka key vault. Settings: the
 * ingest variables (`MEMFABRIC_INGEST_HOST`, `MEMFABRIC_INGEST_PORT`, `MEMFABRIC_MAX_BODY_BYTES`,
 * authentication) and the cluster ones (`MEMFABRIC_KAFKA_*`, `MEMFABRIC_MASTER_KEY[_FILE]`; see
 * `docs/operations.md`). Listens at once; the brokers are connected in the background with
 * backoff, and until then appends answer 503 and `/health/ready` says the log is not reachable.
 * @throws ConfigurationError naming every invalid variable at once.
 * @throws Error when the port cannot be bound.
 */
export async function startClusterIngest(env: IngestEnv, options: { readonly logger?: IngestLogger } = {}): Promise<RunningClusterIngest> {
  const ingest = readIngestConfig(env);
  const cluster = readClusterSettings(env, 'ingest', {});
  const securityConfig = readServerSecurityConfig(env, { dataDir: ingest.config?.dataDir ?? process.cwd(), host: ingest.config?.host ?? '127.0.0.1' });
  if (!ingest.config || !cluster.config || !securityConfig.config) {
    throw configurationError('ingest', onePerVariable([...cluster.problems, ...ingest.problems, ...securityConfig.problems]));
  }
  const config = ingest.config;
  const settings = cluster.config.cluster;
  const logger = options.logger ?? createIngestLogger(config.logLevel);
  const security = openServerSecurity(securityConfig.config);
  const authRequired = await security.required();
  try {
    assertBindAllowed(config.host, authRequired);
  } catch (error) {
    await security.close();
    throw error;
  }
  const kafka = openClusterKafka(settings.kafka, { logLevel: 'error' });
  const abort = new AbortController();
  // every call connects on its own too; this pays the restore before traffic arrives
  pRetry(() => kafka.start(), {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: settings.retry.initialMs,
    maxTimeout: settings.retry.maxMs,
    signal: abort.signal,
    onFailedAttempt: ({ error, attemptNumber, retryDelay }) => logger.warn({ err: error, attempt: attemptNumber, retryInMs: retryDelay }, 'could not reach Kafka; retrying'),
  }).catch(() => undefined);
  let app: NestExpressApplication | undefined;
  try {
    app = await createIngestApp({ log: kafka.log, config, logger, security: security.options });
    await app.listen(config.port, config.host);
  } catch (error) {
    abort.abort();
    await app?.close();
    await kafka.close();
    await security.close();
    throw error;
  }
  if (!authRequired) logger.warn({ host: config.host }, 'no credential configured: serving loopback only, without authentication');
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, brokers: settings.kafka.brokers, topic: settings.kafka.topic, maxBodyBytes: config.maxBodyBytes }, 'ingest service listening (Kafka)');
  const running = app;
  return {
    app: running,
    kafka,
    config,
    cluster: settings,
    url,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    close: async () => {
      abort.abort();
      await running.close();
      await kafka.close();
      await security.close();
      logger.info('ingest service stopped');
    },
  };
}
