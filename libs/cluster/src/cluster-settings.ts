import type { z } from 'zod';
import {
  checkKafka,
  checkStores,
  dataDir,
  kafkaConnection,
  kafkaSettings,
  operationSettings,
  readSettings,
  storeChoice,
  storeSettings,
  type Env,
  type KafkaConnection,
  type SettingsReading,
  type StoreChoice,
} from './settings.js';

/** What every cluster service reads: the log on Kafka, the stores, readiness and shutdown. */
export interface ClusterSettings {
  readonly kafka: KafkaConnection;
  readonly stores: StoreChoice;
  /** Absolute local directory of this process's caches (embedded read models); an `emptyDir` in Kubernetes. */
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Events a read side may lag and still be ready. */
  readonly readyMaxLag: number;
  /** Longest graceful stop, in ms. */
  readonly shutdownTimeoutMs: number;
  /** Backoff between attempts to reach a dependency at start, in ms. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
}

const clusterShape = { ...kafkaSettings, ...storeSettings, ...operationSettings };

/**
 * Reads the settings every cluster service shares plus the service's own variables, reporting
 * every problem of both at once (one line per variable).
 * @param service - for messages and the default Kafka client id (`memfabric-<service>`).
 * @param own - the service's own variables (zod types by name).
 * @param ownCheck - rules across the service's own variables.
 */
export function readClusterSettings<Own extends z.ZodRawShape>(
  env: Env,
  service: string,
  own: Own,
  ownCheck?: (s: z.output<z.ZodObject<Own>>) => readonly string[],
): SettingsReading<{ readonly cluster: ClusterSettings; readonly own: z.output<z.ZodObject<Own>> }> {
  const shared = readSettings(
    clusterShape,
    env,
    (s) => [...checkKafka(s, service), ...checkStores(s), ...(s.MEMFABRIC_RETRY_INITIAL_MS > s.MEMFABRIC_RETRY_MAX_MS ? ['MEMFABRIC_RETRY_INITIAL_MS: must not exceed MEMFABRIC_RETRY_MAX_MS'] : [])],
    (s): ClusterSettings => ({
      kafka: kafkaConnection(s, service),
      stores: storeChoice(s),
      dataDir: dataDir(s.MEMFABRIC_DATA_DIR),
      logLevel: s.MEMFABRIC_LOG_LEVEL,
      readyMaxLag: s.MEMFABRIC_READY_MAX_LAG,
      shutdownTimeoutMs: s.MEMFABRIC_SHUTDOWN_TIMEOUT_MS,
      retry: { initialMs: s.MEMFABRIC_RETRY_INITIAL_MS, maxMs: s.MEMFABRIC_RETRY_MAX_MS },
    }),
  );
  const mine = readSettings(own, env, ownCheck);
  if (shared.config === undefined || mine.config === undefined) return { problems: [...shared.problems, ...mine.problems] };
  return { config: { cluster: shared.config, own: mine.config }, problems: [] };
}
