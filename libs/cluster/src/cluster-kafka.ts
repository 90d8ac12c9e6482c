import { AesGcmContentCipher } from '@memfabric/crypto';
import type { Embedder } from '@memfabric/embeddings';
import { KafkaEventLog, type KafkaLogLevel } from '@memfabric/event-log-kafka';
import { KafkaCheckpointStore } from './kafka-state/kafka.checkpoint-store.js';
import { KafkaKeyVault } from './kafka-state/kafka.key-vault.js';
import type { KafkaConnection, StoreChoice } from './settings.js';
import { serverStores } from './stores.js';
import type { ReadSideStores } from './read-side.js';

/** The Kafka side of a cluster process: the event log, the content-key vault and the audit checkpoints. */
export interface ClusterKafka {
  /** The event log, partitioned by tenant (a tenant's events are totally ordered in one partition). */
  readonly log: KafkaEventLog;
  /** Per-data-subject content keys on the compacted keys topic. */
  readonly vault: KafkaKeyVault;
  /** Signed audit checkpoints on their topic (opened on first use). */
  readonly checkpoints: KafkaCheckpointStore;
  /**
   * Connects and restores the log's and the vault's in-memory state from their topics.
   * @throws UnavailableError when the brokers cannot be reached (retriable).
   * @throws ConfigurationError when a topic is missing and may not be created.
   */
  start(): Promise<void>;
  /** Closes every client. */
  close(): Promise<void>;
}

/**
 * The event log, key vault and checkpoint store of one process over the same brokers. No I/O
 * until {@link ClusterKafka.start} (or the first call).
 * @throws ConfigurationError for invalid settings.
 */
export function openClusterKafka(conn: KafkaConnection, options: { readonly logLevel?: KafkaLogLevel } = {}): ClusterKafka {
  const common = {
    brokers: conn.brokers,
    ...(conn.ssl ? { ssl: true } : {}),
    ...(conn.sasl ? { sasl: conn.sasl } : {}),
    fetchMaxWaitMs: conn.fetchMaxWaitMs,
    idempotentProducer: conn.idempotentProducer,
    sessionTimeoutMs: conn.sessionTimeoutMs,
    heartbeatIntervalMs: conn.heartbeatIntervalMs,
    logLevel: options.logLevel ?? 'warn',
  };
  const state = { ...common, createTopic: conn.createTopics, checkTopicConfig: conn.checkTopicConfig };
  const vault = new KafkaKeyVault({ ...state, topic: conn.keysTopic, clientId: `${conn.clientId}.keys`, masterKey: conn.masterKey });
  const log = new KafkaEventLog({
    ...common,
    topic: conn.topic,
    clientId: conn.clientId,
    partitions: conn.partitions,
    partitionBy: 'tenant',
    createTopic: conn.createTopics,
    vault,
    cipher: new AesGcmContentCipher(),
  });
  const checkpoints = new KafkaCheckpointStore({ ...state, topic: conn.checkpointsTopic, clientId: `${conn.clientId}.checkpoints` });
  return {
    log,
    vault,
    checkpoints,
    start: async () => {
      await vault.start();
      await log.start();
    },
    close: async () => {
      await log.close();
      await checkpoints.close();
      await vault.close();
    },
  };
}

/**
 * The server stores configured for this process (Qdrant, Neo4j, ClickHouse), or undefined when
 * every read model is embedded.
 * @throws ConfigurationError for an invalid URL; UnavailableError when ClickHouse cannot be reached.
 */
export async function openServerReadStores(choice: StoreChoice, embedder: Embedder): Promise<ReadSideStores | undefined> {
  if (!choice.vectors && !choice.graph && !choice.analytics) return undefined;
  return serverStores({
    model: { id: embedder.modelId, dimension: embedder.dimensions },
    ...(choice.vectors ? { qdrant: { url: choice.vectors.url, collectionPrefix: choice.vectors.collectionPrefix, ...(choice.vectors.apiKey ? { apiKey: choice.vectors.apiKey } : {}) } } : {}),
    ...(choice.graph
      ? { neo4j: { url: choice.graph.url, username: choice.graph.username, password: choice.graph.password, ...(choice.graph.database ? { database: choice.graph.database } : {}) } }
      : {}),
    ...(choice.analytics
      ? { clickhouse: { url: choice.analytics.url, username: choice.analytics.username, password: choice.analytics.password, database: choice.analytics.database } }
      : {}),
  });
}
