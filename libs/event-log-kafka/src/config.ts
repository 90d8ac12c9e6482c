import { ConfigurationError } from '@memfabric/errors';
import type { ContentCipher, KeyVault } from '@memfabric/event-log';
import { UpcasterChain } from '@memfabric/events';

/** SASL credentials for brokers that require authentication. */
export interface KafkaSaslConfig {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** kafkajs log verbosity. */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/**
 * Configuration of {@link KafkaEventLog}. Checked once, in the constructor, by
 * {@link resolveKafkaEventLogConfig}; nothing here is read from the environment.
 */
export interface KafkaEventLogConfig {
  /** Bootstrap brokers as `host:port` (at least one). */
  readonly brokers: readonly string[];
  /** Topic holding every event; default `memfabric.events`. */
  readonly topic?: string;
  /** Kafka client id (shows up in broker logs and quotas); default `memfabric-event-log`. */
  readonly clientId?: string;
  /**
   * Partitions of the topic when this log has to create it; default 6. Ignored when the topic
   * exists. Changing the partition count of an existing topic moves streams to other partitions
   * and is not supported.
   */
  readonly partitions?: number;
  /**
   * What chooses a record's partition (murmur2, Java-compatible): `stream` (default) hashes the
   * record key `${tenantid}/${streamid}`, spreading a tenant's streams over the partitions;
   * `tenant` hashes the tenant id, so all of a tenant's events share one partition and its offsets
   * order the tenant totally (what rollback-up-to-a-position and point-in-time reads need). The
   * record key stays `${tenantid}/${streamid}` either way. Never change it on a topic with data.
   */
  readonly partitionBy?: 'stream' | 'tenant';
  /** Replication factor when this log creates the topic; default -1 (the broker's `default.replication.factor`). */
  readonly replicationFactor?: number;
  /**
   * Create the topic (infinite retention) when it is missing; default true. Set false where
   * topics are provisioned by the platform (or the broker cannot create them, like librdkafka's
   * mock cluster).
   */
  readonly createTopic?: boolean;
  /** Content-key vault: one key per data subject, destroyed on erasure. */
  readonly vault: KeyVault;
  /** Cipher that seals event content (AES-256-GCM in `@memfabric/crypto`). */
  readonly cipher: ContentCipher;
  /** Upcasters applied on read; default the catalog's. */
  readonly upcasters?: UpcasterChain;
  /**
   * Use Kafka's idempotent producer (no duplicates or reordering across producer retries);
   * default true. librdkafka's mock cluster cannot serve it (its metadata names controller 0, a
   * broker that does not exist, so InitProducerId cannot be routed). Without it, appends are
   * acks=all with one request in flight, and a record a retry wrote twice is recognised by its
   * event id and hash and ignored by the index.
   */
  readonly idempotentProducer?: boolean;
  /**
   * Longest time a fetch waits on the broker for new records, in ms; default 500. Brokers answer
   * as soon as data arrives, so this bounds idle polling, not latency (librdkafka's mock cluster
   * waits the full time, so tests use a small value).
   */
  readonly fetchMaxWaitMs?: number;
  /** How long a read or append waits for the log index to reach the broker's end offsets, in ms; default 30 000. */
  readonly catchUpTimeoutMs?: number;
  /** Timeout of one broker request, in ms; default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Timeout of one TCP connection attempt, in ms; default 3 000. */
  readonly connectionTimeoutMs?: number;
  /** Retries of a failed broker request (exponential back-off) before the call fails; default 5. */
  readonly retries?: number;
  /**
   * Consumer-group session timeout, in ms; default 30 000. A member that sends no heartbeat for
   * this long is removed from its group. librdkafka's mock cluster also delays a join that
   * follows a member's leave by this minus one second, so tests use a few seconds.
   */
  readonly sessionTimeoutMs?: number;
  /** Interval of consumer-group heartbeats, in ms; default 3 000 (at most a third of `sessionTimeoutMs`); must be below `sessionTimeoutMs`. */
  readonly heartbeatIntervalMs?: number;
  /** Use TLS towards the brokers; default false. */
  readonly ssl?: boolean;
  /** SASL authentication; default none. */
  readonly sasl?: KafkaSaslConfig;
  /** kafkajs log level; default `warn`. */
  readonly logLevel?: KafkaLogLevel;
}

/** A configuration with every default filled in. */
export interface ResolvedKafkaEventLogConfig {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly clientId: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly partitionBy: 'stream' | 'tenant';
  readonly createTopic: boolean;
  readonly vault: KeyVault;
  readonly cipher: ContentCipher;
  readonly upcasters: UpcasterChain;
  readonly idempotentProducer: boolean;
  readonly fetchMaxWaitMs: number;
  readonly catchUpTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly retries: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly ssl: boolean;
  readonly sasl: KafkaSaslConfig | undefined;
  readonly logLevel: KafkaLogLevel;
}

/** Default topic name. */
export const DEFAULT_TOPIC = 'memfabric.events';

const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;
const LOG_LEVELS: readonly KafkaLogLevel[] = ['nothing', 'error', 'warn', 'info', 'debug'];
const SASL_MECHANISMS: readonly KafkaSaslConfig['mechanism'][] = ['plain', 'scram-sha-256', 'scram-sha-512'];

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  );
}

/**
 * Validates a {@link KafkaEventLogConfig} and fills in defaults.
 * @returns the resolved configuration.
 * @throws ConfigurationError listing every problem, each saying what to fix.
 */
export function resolveKafkaEventLogConfig(config: KafkaEventLogConfig): ResolvedKafkaEventLogConfig {
  const problems: string[] = [];
  const integer = (name: string, value: number | undefined, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
      return fallback;
    }
    return value;
  };

  if (typeof config !== 'object' || config === null) {
    throw new ConfigurationError('Kafka event log: configuration must be an object');
  }
  const brokers = config.brokers as unknown;
  if (!Array.isArray(brokers) || brokers.length === 0) {
    problems.push('brokers must be a non-empty array of "host:port" strings (for example ["kafka-0:9092"])');
  } else {
    for (const broker of brokers as unknown[]) {
      const match = typeof broker === 'string' ? BROKER_PATTERN.exec(broker) : null;
      const port = match ? Number(match[2]) : 0;
      if (!match || port < 1 || port > 65535) problems.push(`broker ${JSON.stringify(broker)} is not "host:port" with a port from 1 to 65535`);
    }
  }
  const topic = config.topic ?? DEFAULT_TOPIC;
  if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic) || topic === '.' || topic === '..') {
    problems.push(`topic ${JSON.stringify(topic)} is not a legal Kafka topic name (1-249 of a-z A-Z 0-9 . _ -, not "." or "..")`);
  }
  const clientId = config.clientId ?? 'memfabric-event-log';
  if (typeof clientId !== 'string' || clientId.trim() === '') problems.push('clientId must be a non-empty string');
  const partitions = integer('partitions', config.partitions, 6, 1, 10_000);
  const replicationFactor =
    config.replicationFactor === -1 ? -1 : integer('replicationFactor', config.replicationFactor, -1, 1, 32);
  const fetchMaxWaitMs = integer('fetchMaxWaitMs', config.fetchMaxWaitMs, 500, 1, 60_000);
  const catchUpTimeoutMs = integer('catchUpTimeoutMs', config.catchUpTimeoutMs, 30_000, 1, 3_600_000);
  const requestTimeoutMs = integer('requestTimeoutMs', config.requestTimeoutMs, 30_000, 1, 600_000);
  const connectionTimeoutMs = integer('connectionTimeoutMs', config.connectionTimeoutMs, 3_000, 1, 600_000);
  const retries = integer('retries', config.retries, 5, 0, 100);
  const sessionTimeoutMs = integer('sessionTimeoutMs', config.sessionTimeoutMs, 30_000, 1_000, 3_600_000);
  const heartbeatIntervalMs = integer('heartbeatIntervalMs', config.heartbeatIntervalMs, Math.min(3_000, Math.floor(sessionTimeoutMs / 3)), 100, 3_600_000);
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    problems.push(`heartbeatIntervalMs (${heartbeatIntervalMs}) must be below sessionTimeoutMs (${sessionTimeoutMs}); a third of it is usual`);
  }
  if (!hasMethods(config.vault, ['activeKey', 'findKey', 'destroy'])) {
    problems.push('vault must be a KeyVault (activeKey, findKey, destroy), for example a SqliteKeyVault or InMemoryKeyVault');
  }
  if (!hasMethods(config.cipher, ['encrypt', 'decrypt'])) {
    problems.push('cipher must be a ContentCipher (encrypt, decrypt), for example new AesGcmContentCipher()');
  }
  if (config.upcasters !== undefined && !(config.upcasters instanceof UpcasterChain)) {
    problems.push('upcasters must be an UpcasterChain from @memfabric/events');
  }
  const logLevel = config.logLevel ?? 'warn';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  if (config.sasl !== undefined) {
    const { mechanism, username, password } = config.sasl;
    if (!SASL_MECHANISMS.includes(mechanism)) problems.push(`sasl.mechanism must be one of ${SASL_MECHANISMS.join(', ')}`);
    if (typeof username !== 'string' || username === '') problems.push('sasl.username must be a non-empty string');
    if (typeof password !== 'string') problems.push('sasl.password must be a string');
  }
  const partitionBy = config.partitionBy ?? 'stream';
  if (partitionBy !== 'stream' && partitionBy !== 'tenant') problems.push(`partitionBy must be "stream" or "tenant", got ${JSON.stringify(partitionBy)}`);
  for (const flag of ['createTopic', 'idempotentProducer', 'ssl'] as const) {
    if (config[flag] !== undefined && typeof config[flag] !== 'boolean') problems.push(`${flag} must be true or false`);
  }

  if (problems.length > 0) {
    throw new ConfigurationError(`Kafka event log configuration is invalid: ${problems.join('; ')}`, { context: { problems } });
  }
  return {
    brokers: [...(brokers as string[])],
    topic,
    clientId,
    partitions,
    replicationFactor,
    partitionBy,
    createTopic: config.createTopic ?? true,
    vault: config.vault,
    cipher: config.cipher,
    upcasters: config.upcasters ?? new UpcasterChain(),
    idempotentProducer: config.idempotentProducer ?? true,
    fetchMaxWaitMs,
    catchUpTimeoutMs,
    requestTimeoutMs,
    connectionTimeoutMs,
    retries,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    ssl: config.ssl ?? false,
    sasl: config.sasl,
    logLevel,
  };
}
