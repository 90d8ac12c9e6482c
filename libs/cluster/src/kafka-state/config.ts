import { ConfigurationError } from '@memfabric/errors';

/** SASL credentials for brokers that require authentication. */
export interface KafkaStateSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** kafkajs log verbosity. */
export type KafkaStateLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/**
 * Connection and tail-reader settings shared by the Kafka-held state adapters
 * ({@link KafkaKeyVault}, {@link KafkaCheckpointStore}). Checked once, in the adapter's
 * constructor; nothing here is read from the environment.
 */
export interface KafkaStateConnectionConfig {
  /** Bootstrap brokers as `host:port` (at least one). */
  readonly brokers: readonly string[];
  /** Kafka client id (broker logs, quotas); the adapter names its default. */
  readonly clientId?: string;
  /** Replication factor when the adapter creates its topic; default -1 (the broker's `default.replication.factor`). */
  readonly replicationFactor?: number;
  /**
   * Create the topic (with the adapter's topic configuration) when it is missing; default true.
   * Set false where the platform provisions topics, or where the broker cannot create them
   * (librdkafka's mock cluster routes CreateTopics to a controller that does not exist).
   */
  readonly createTopic?: boolean;
  /**
   * Check an existing topic's configuration (DescribeConfigs) at start and refuse one that would
   * lose or keep state against the adapter's guarantees; default true. librdkafka's mock cluster
   * cannot answer DescribeConfigs (it is routed to the controller), so tests set false.
   */
  readonly checkTopicConfig?: boolean;
  /**
   * Kafka's idempotent producer; default true. librdkafka's mock cluster cannot serve it
   * (InitProducerId). Without it a retried produce may store a record twice; both adapters
   * recognise the second copy and ignore it.
   */
  readonly idempotentProducer?: boolean;
  /**
   * Longest time a fetch of the tail reader waits on the broker for new records, in ms; default
   * 500. It bounds how long a replica takes to see a record written by another process.
   */
  readonly fetchMaxWaitMs?: number;
  /** How long a call waits for the tail reader to reach the end offsets, in ms; default 30 000. */
  readonly catchUpTimeoutMs?: number;
  /** Timeout of one broker request, in ms; default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Timeout of one TCP connection attempt, in ms; default 3 000. */
  readonly connectionTimeoutMs?: number;
  /** Retries of a failed broker request (exponential back-off) before the call fails; default 5. */
  readonly retries?: number;
  /** Session timeout of the tail reader's private consumer group, in ms; default 30 000. */
  readonly sessionTimeoutMs?: number;
  /** Heartbeat interval of the tail reader, in ms; default min(3 000, a third of `sessionTimeoutMs`). */
  readonly heartbeatIntervalMs?: number;
  /** Use TLS towards the brokers; default false. */
  readonly ssl?: boolean;
  /** SASL authentication; default none. */
  readonly sasl?: KafkaStateSasl;
  /** kafkajs log level; default `warn`. */
  readonly logLevel?: KafkaStateLogLevel;
}

/** {@link KafkaStateConnectionConfig} with every default filled in. */
export interface ResolvedKafkaStateConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly replicationFactor: number;
  readonly createTopic: boolean;
  readonly checkTopicConfig: boolean;
  readonly idempotentProducer: boolean;
  readonly fetchMaxWaitMs: number;
  readonly catchUpTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly retries: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly ssl: boolean;
  readonly sasl: KafkaStateSasl | undefined;
  readonly logLevel: KafkaStateLogLevel;
}

const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;
const LOG_LEVELS: readonly KafkaStateLogLevel[] = ['nothing', 'error', 'warn', 'info', 'debug'];
const SASL_MECHANISMS: readonly KafkaStateSasl['mechanism'][] = ['plain', 'scram-sha-256', 'scram-sha-512'];

/** Collects every problem of a configuration, so one error names them all. */
export class ConfigProblems {
  readonly list: string[] = [];

  /** An integer setting in [min, max], or `fallback` when absent (a bad value is recorded). */
  integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.list.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  /** A boolean setting, or `fallback` when absent. */
  flag(name: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.list.push(`${name} must be true or false`);
      return fallback;
    }
    return value;
  }

  /** A legal Kafka topic name, or `fallback` when absent. */
  topic(value: unknown, fallback: string): string {
    const topic = value ?? fallback;
    if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic) || topic === '.' || topic === '..') {
      this.list.push(`topic ${JSON.stringify(topic)} is not a legal Kafka topic name (1-249 of a-z A-Z 0-9 . _ -, not "." or "..")`);
      return fallback;
    }
    return topic;
  }

  /** @throws ConfigurationError naming every recorded problem. */
  throwIfAny(component: string): void {
    if (this.list.length > 0) {
      throw new ConfigurationError(`${component} configuration is invalid: ${this.list.join('; ')}`, { context: { problems: [...this.list] } });
    }
  }
}

/**
 * Validates the shared connection settings and fills in defaults, recording problems in
 * `problems` (the caller adds its own and throws once).
 * @param defaultClientId - the adapter's default `clientId`.
 */
export function resolveKafkaStateConnection(
  config: KafkaStateConnectionConfig,
  defaultClientId: string,
  problems: ConfigProblems,
): ResolvedKafkaStateConnection {
  const brokers = config.brokers as unknown;
  if (!Array.isArray(brokers) || brokers.length === 0) {
    problems.list.push('brokers must be a non-empty array of "host:port" strings (for example ["kafka-0:9092"])');
  } else {
    for (const broker of brokers as unknown[]) {
      const match = typeof broker === 'string' ? BROKER_PATTERN.exec(broker) : null;
      const port = match ? Number(match[2]) : 0;
      if (!match || port < 1 || port > 65535) problems.list.push(`broker ${JSON.stringify(broker)} is not "host:port" with a port from 1 to 65535`);
    }
  }
  const clientId = config.clientId ?? defaultClientId;
  if (typeof clientId !== 'string' || clientId.trim() === '') problems.list.push('clientId must be a non-empty string');
  const replicationFactor = config.replicationFactor === -1 ? -1 : problems.integer('replicationFactor', config.replicationFactor, -1, 1, 32);
  const sessionTimeoutMs = problems.integer('sessionTimeoutMs', config.sessionTimeoutMs, 30_000, 1_000, 3_600_000);
  const heartbeatIntervalMs = problems.integer(
    'heartbeatIntervalMs',
    config.heartbeatIntervalMs,
    Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
    100,
    3_600_000,
  );
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    problems.list.push(`heartbeatIntervalMs (${heartbeatIntervalMs}) must be below sessionTimeoutMs (${sessionTimeoutMs}); a third of it is usual`);
  }
  const logLevel = config.logLevel ?? 'warn';
  if (!LOG_LEVELS.includes(logLevel)) problems.list.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  if (config.sasl !== undefined) {
    const { mechanism, username, password } = config.sasl;
    if (!SASL_MECHANISMS.includes(mechanism)) problems.list.push(`sasl.mechanism must be one of ${SASL_MECHANISMS.join(', ')}`);
    if (typeof username !== 'string' || username === '') problems.list.push('sasl.username must be a non-empty string');
    if (typeof password !== 'string') problems.list.push('sasl.password must be a string');
  }
  return {
    brokers: Array.isArray(brokers) ? [...(brokers as string[])] : [],
    clientId,
    replicationFactor,
    createTopic: problems.flag('createTopic', config.createTopic, true),
    checkTopicConfig: problems.flag('checkTopicConfig', config.checkTopicConfig, true),
    idempotentProducer: problems.flag('idempotentProducer', config.idempotentProducer, true),
    fetchMaxWaitMs: problems.integer('fetchMaxWaitMs', config.fetchMaxWaitMs, 500, 1, 60_000),
    catchUpTimeoutMs: problems.integer('catchUpTimeoutMs', config.catchUpTimeoutMs, 30_000, 1, 3_600_000),
    requestTimeoutMs: problems.integer('requestTimeoutMs', config.requestTimeoutMs, 30_000, 1, 600_000),
    connectionTimeoutMs: problems.integer('connectionTimeoutMs', config.connectionTimeoutMs, 3_000, 1, 600_000),
    retries: problems.integer('retries', config.retries, 5, 0, 100),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    ssl: problems.flag('ssl', config.ssl, false),
    sasl: config.sasl,
    logLevel,
  };
}
