import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { KafkaSaslConfig } from '@memfabric/event-log-kafka';
import type { Placement, ReadSidePlacements } from './read-side.js';

/**
 * Settings of the cluster services, read from environment variables with zod. Each service
 * composes the groups it needs ({@link kafkaSettings}, {@link storeSettings},
 * {@link operationSettings}, {@link httpSettings}) into one schema and reads it with
 * {@link readSettings}, which reports every problem at once, one line per variable. Secrets are
 * taken from `NAME` or from the file named by `NAME_FILE` (a mounted Kubernetes Secret) and never
 * appear in a problem line. The variable table is in `docs/operations.md`.
 */

/** Environment variables as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What {@link readSettings} returns: the settings when every value is valid, else one line per problem. */
export interface SettingsReading<T> {
  /** Present exactly when `problems` is empty. */
  readonly config?: T;
  readonly problems: readonly string[];
}

/** Variables that hold secrets: each may instead be read from the file named by `<NAME>_FILE`. */
export const SECRET_VARIABLES = [
  'MEMFABRIC_MASTER_KEY',
  'MEMFABRIC_KAFKA_SASL_PASSWORD',
  'MEMFABRIC_QDRANT_API_KEY',
  'MEMFABRIC_NEO4J_PASSWORD',
  'MEMFABRIC_CLICKHOUSE_PASSWORD',
] as const;

const unset = (raw: string | undefined): boolean => raw === undefined || raw.trim() === '';

/** An optional variable: unset or blank reads as undefined, else trimmed. */
const optional = z
  .string()
  .optional()
  .transform((raw) => (unset(raw) ? undefined : raw!.trim()));

/** An integer variable from `min` to `max` with a default (units are in the variable's name). */
export function integer(fallback: number, min: number, max: number) {
  return optional.pipe(
    z
      .string()
      .regex(/^[0-9]+$/, `must be a whole number from ${min} to ${max}`)
      .transform(Number)
      .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
      .optional()
      .transform((n) => n ?? fallback),
  );
}

/** A boolean variable (`true`/`false`, `1`/`0`, `yes`/`no`) with a default. */
export function flag(fallback: boolean) {
  return optional.pipe(
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .optional()
      .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes')),
  );
}

/** An `http(s)://` URL variable. */
const url = optional.pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional());

/** Kafka brokers, `host:port[,host:port...]`. */
const brokers = optional.pipe(
  z
    .string()
    .transform((raw) => raw.split(',').map((b) => b.trim()).filter((b) => b.length > 0))
    .pipe(z.array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/, 'each broker must be host:port')).min(1, 'must name at least one broker'))
    .optional(),
);

/** The 32-byte master key, base64 (`openssl rand -base64 32`). Its value never appears in a problem. */
const masterKey = optional.pipe(
  z
    .string()
    .transform((raw, ctx) => {
      const bytes = Buffer.from(raw, 'base64');
      if (bytes.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(raw)) {
        ctx.addIssue({ code: 'custom', message: 'must be 32 bytes of base64 (openssl rand -base64 32)' });
        return z.NEVER;
      }
      return new Uint8Array(bytes);
    })
    .optional(),
);

/** The Kafka event log, the content-key vault and the audit checkpoints topic. */
export const kafkaSettings = {
  MEMFABRIC_KAFKA_BROKERS: brokers,
  MEMFABRIC_KAFKA_TOPIC: optional.pipe(z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name (a-z A-Z 0-9 . _ -)').default('memfabric.events')),
  MEMFABRIC_KAFKA_KEYS_TOPIC: optional.pipe(z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('memfabric.keys')),
  MEMFABRIC_KAFKA_CHECKPOINTS_TOPIC: optional.pipe(z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('memfabric.audit.checkpoints')),
  MEMFABRIC_KAFKA_PARTITIONS: integer(6, 1, 10_000),
  MEMFABRIC_KAFKA_CREATE_TOPICS: flag(true),
  MEMFABRIC_KAFKA_CLIENT_ID: optional,
  MEMFABRIC_KAFKA_IDEMPOTENT_PRODUCER: flag(true),
  MEMFABRIC_KAFKA_CHECK_TOPIC_CONFIG: flag(true),
  MEMFABRIC_KAFKA_SSL: flag(false),
  MEMFABRIC_KAFKA_SASL_MECHANISM: optional.pipe(z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], { error: 'must be plain, scram-sha-256 or scram-sha-512' }).optional()),
  MEMFABRIC_KAFKA_SASL_USERNAME: optional,
  MEMFABRIC_KAFKA_SASL_PASSWORD: optional,
  MEMFABRIC_KAFKA_SESSION_TIMEOUT_MS: integer(30_000, 1_000, 3_600_000),
  MEMFABRIC_KAFKA_HEARTBEAT_INTERVAL_MS: integer(3_000, 100, 3_600_000),
  MEMFABRIC_KAFKA_FETCH_MAX_WAIT_MS: integer(500, 1, 60_000),
  MEMFABRIC_MASTER_KEY: masterKey,
};

/** Which store backs each read model in this process, and the servers' connection settings. */
export const storeSettings = {
  MEMFABRIC_VECTOR_STORE: optional.pipe(z.enum(['embedded', 'qdrant'], { error: 'must be embedded or qdrant' }).optional()),
  MEMFABRIC_GRAPH_STORE: optional.pipe(z.enum(['embedded', 'neo4j'], { error: 'must be embedded or neo4j' }).optional()),
  MEMFABRIC_ANALYTICS_STORE: optional.pipe(z.enum(['embedded', 'clickhouse'], { error: 'must be embedded or clickhouse' }).optional()),
  MEMFABRIC_QDRANT_URL: url,
  MEMFABRIC_QDRANT_API_KEY: optional,
  MEMFABRIC_QDRANT_COLLECTION_PREFIX: optional.pipe(z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be 1-200 letters, digits, _ or -').default('memfabric_units')),
  MEMFABRIC_NEO4J_URL: optional.pipe(z.string().regex(/^(neo4j|bolt)(\+s|\+ssc)?:\/\/\S+$/, 'must be a neo4j:// or bolt:// URL').optional()),
  MEMFABRIC_NEO4J_USER: optional.pipe(z.string().default('neo4j')),
  MEMFABRIC_NEO4J_PASSWORD: optional,
  MEMFABRIC_NEO4J_DATABASE: optional,
  MEMFABRIC_CLICKHOUSE_URL: url,
  MEMFABRIC_CLICKHOUSE_USER: optional.pipe(z.string().default('default')),
  MEMFABRIC_CLICKHOUSE_PASSWORD: optional,
  MEMFABRIC_CLICKHOUSE_DATABASE: optional.pipe(z.string().default('default')),
};

/** Readiness and shutdown. */
export const operationSettings = {
  /** Events a read side may be behind the log end and still be ready. */
  MEMFABRIC_READY_MAX_LAG: integer(1_000, 0, Number.MAX_SAFE_INTEGER),
  /** How long SIGTERM may take: stop consuming, finish the batch in flight, commit, close. */
  MEMFABRIC_SHUTDOWN_TIMEOUT_MS: integer(10_000, 100, 600_000),
  /** First and longest delay between attempts to reach a dependency at start. */
  MEMFABRIC_RETRY_INITIAL_MS: integer(500, 10, 60_000),
  MEMFABRIC_RETRY_MAX_MS: integer(10_000, 10, 600_000),
  MEMFABRIC_DATA_DIR: optional.pipe(z.string().default('./data')),
  MEMFABRIC_LOG_LEVEL: optional.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be fatal, error, warn, info, debug, trace or silent' }).default('info')),
};

/** A bind address variable (`MEMFABRIC_<SERVICE>_HOST`); default loopback, so a bare start exposes nothing. */
export const hostSetting = optional.pipe(z.string().regex(/^\S+$/, 'must be a host name or IP address without spaces').default('127.0.0.1'));

/** A TCP port variable (`MEMFABRIC_<SERVICE>_PORT`), 0-65535 (0 picks a free port). */
export function portSetting(fallback: number) {
  return integer(fallback, 0, 65_535);
}

/**
 * Reads `<NAME>_FILE` for each secret variable that is not set directly (file content, trailing
 * newline removed). A file that cannot be read is a problem naming the variable and the path.
 */
export function resolveSecretFiles(env: Env, names: readonly string[] = SECRET_VARIABLES): { readonly env: Env; readonly problems: readonly string[] } {
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (unset(file)) continue;
    if (!unset(env[name])) {
      problems.push(`${name} and ${name}_FILE are both set: set one`);
      continue;
    }
    try {
      resolved[name] = readFileSync(file!.trim(), 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file!.trim()} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { env: resolved, problems };
}

/**
 * Parses the environment with one service's schema (a record of variable → zod type) after
 * resolving secret files, and refines it with `check` for rules across variables.
 * @returns the settings, or one line per problem: `NAME: what is wrong` (values of secrets are never quoted).
 */
export function readSettings<Shape extends z.ZodRawShape, T = z.output<z.ZodObject<Shape>>>(
  shape: Shape,
  env: Env,
  check?: (settings: z.output<z.ZodObject<Shape>>) => readonly string[],
  build?: (settings: z.output<z.ZodObject<Shape>>) => T,
): SettingsReading<T> {
  const secrets = resolveSecretFiles(env);
  const parsed = z.object(shape).safeParse(secrets.env);
  const problems = [...secrets.problems];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      const shown = (SECRET_VARIABLES as readonly string[]).includes(name) || issue.code === 'custom' ? '' : ` (got ${JSON.stringify(secrets.env[name] ?? '')})`;
      problems.push(`${name}: ${issue.message}${shown}`);
    }
    return { problems };
  }
  problems.push(...(check?.(parsed.data) ?? []));
  if (problems.length > 0) return { problems };
  return { config: build ? build(parsed.data) : (parsed.data as T), problems };
}

/** The Kafka settings a service connects with, as read by {@link kafkaSettings}. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly keysTopic: string;
  readonly checkpointsTopic: string;
  readonly partitions: number;
  readonly createTopics: boolean;
  readonly clientId: string;
  readonly idempotentProducer: boolean;
  /** Check the keys and checkpoints topics' configuration (compaction, retention) at start. */
  readonly checkTopicConfig: boolean;
  readonly ssl: boolean;
  readonly sasl?: KafkaSaslConfig;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fetchMaxWaitMs: number;
  /** The 32-byte master key wrapping the content keys (the same on every service). */
  readonly masterKey: Uint8Array;
}

type KafkaShape = z.output<z.ZodObject<typeof kafkaSettings>>;

/** Cross-variable rules of the Kafka group (required brokers and master key, SASL completeness). */
export function checkKafka(s: KafkaShape, service: string): string[] {
  const problems: string[] = [];
  if (!s.MEMFABRIC_KAFKA_BROKERS) problems.push(`MEMFABRIC_KAFKA_BROKERS: required: the ${service} reads and writes the event log on Kafka (host:port[,host:port])`);
  if (!s.MEMFABRIC_MASTER_KEY) problems.push('MEMFABRIC_MASTER_KEY: required (or MEMFABRIC_MASTER_KEY_FILE): the same 32-byte base64 key on every service; it wraps the content keys');
  if (s.MEMFABRIC_KAFKA_SASL_MECHANISM && (!s.MEMFABRIC_KAFKA_SASL_USERNAME || s.MEMFABRIC_KAFKA_SASL_PASSWORD === undefined)) {
    problems.push('MEMFABRIC_KAFKA_SASL_MECHANISM: needs MEMFABRIC_KAFKA_SASL_USERNAME and MEMFABRIC_KAFKA_SASL_PASSWORD (or _FILE)');
  }
  if (s.MEMFABRIC_KAFKA_HEARTBEAT_INTERVAL_MS >= s.MEMFABRIC_KAFKA_SESSION_TIMEOUT_MS) {
    problems.push('MEMFABRIC_KAFKA_HEARTBEAT_INTERVAL_MS: must be below MEMFABRIC_KAFKA_SESSION_TIMEOUT_MS (a third of it is usual)');
  }
  return problems;
}

/** The {@link KafkaConnection} of checked Kafka settings. */
export function kafkaConnection(s: KafkaShape, service: string): KafkaConnection {
  return {
    brokers: s.MEMFABRIC_KAFKA_BROKERS!,
    topic: s.MEMFABRIC_KAFKA_TOPIC,
    keysTopic: s.MEMFABRIC_KAFKA_KEYS_TOPIC,
    checkpointsTopic: s.MEMFABRIC_KAFKA_CHECKPOINTS_TOPIC,
    partitions: s.MEMFABRIC_KAFKA_PARTITIONS,
    createTopics: s.MEMFABRIC_KAFKA_CREATE_TOPICS,
    clientId: s.MEMFABRIC_KAFKA_CLIENT_ID ?? `memfabric-${service}`,
    idempotentProducer: s.MEMFABRIC_KAFKA_IDEMPOTENT_PRODUCER,
    checkTopicConfig: s.MEMFABRIC_KAFKA_CHECK_TOPIC_CONFIG,
    ssl: s.MEMFABRIC_KAFKA_SSL,
    ...(s.MEMFABRIC_KAFKA_SASL_MECHANISM
      ? { sasl: { mechanism: s.MEMFABRIC_KAFKA_SASL_MECHANISM, username: s.MEMFABRIC_KAFKA_SASL_USERNAME!, password: s.MEMFABRIC_KAFKA_SASL_PASSWORD ?? '' } }
      : {}),
    sessionTimeoutMs: s.MEMFABRIC_KAFKA_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: s.MEMFABRIC_KAFKA_HEARTBEAT_INTERVAL_MS,
    fetchMaxWaitMs: s.MEMFABRIC_KAFKA_FETCH_MAX_WAIT_MS,
    masterKey: s.MEMFABRIC_MASTER_KEY!,
  };
}

/** The server stores configured, by read model (absent: embedded). */
export interface StoreChoice {
  readonly vectors?: { readonly url: string; readonly apiKey?: string; readonly collectionPrefix: string };
  readonly graph?: { readonly url: string; readonly username: string; readonly password: string; readonly database?: string };
  readonly analytics?: { readonly url: string; readonly username: string; readonly password: string; readonly database: string };
}

type StoreShape = z.output<z.ZodObject<typeof storeSettings>>;

/** Cross-variable rules of the store group: a server store needs its URL (and Neo4j a password). */
export function checkStores(s: StoreShape): string[] {
  const problems: string[] = [];
  if (s.MEMFABRIC_VECTOR_STORE === 'qdrant' && !s.MEMFABRIC_QDRANT_URL) problems.push('MEMFABRIC_QDRANT_URL: required with MEMFABRIC_VECTOR_STORE=qdrant');
  if (s.MEMFABRIC_GRAPH_STORE === 'neo4j' && !s.MEMFABRIC_NEO4J_URL) problems.push('MEMFABRIC_NEO4J_URL: required with MEMFABRIC_GRAPH_STORE=neo4j');
  if (s.MEMFABRIC_ANALYTICS_STORE === 'clickhouse' && !s.MEMFABRIC_CLICKHOUSE_URL) problems.push('MEMFABRIC_CLICKHOUSE_URL: required with MEMFABRIC_ANALYTICS_STORE=clickhouse');
  const neo4j = s.MEMFABRIC_GRAPH_STORE === 'neo4j' || (s.MEMFABRIC_GRAPH_STORE === undefined && s.MEMFABRIC_NEO4J_URL);
  if (neo4j && s.MEMFABRIC_NEO4J_PASSWORD === undefined) problems.push('MEMFABRIC_NEO4J_PASSWORD: required (or MEMFABRIC_NEO4J_PASSWORD_FILE) with a Neo4j graph store');
  return problems;
}

/**
 * Which read models use a server store: the one named by `MEMFABRIC_<MODEL>_STORE`, else the
 * server whose URL is set, else embedded.
 */
export function storeChoice(s: StoreShape): StoreChoice {
  const vectors = s.MEMFABRIC_VECTOR_STORE === 'qdrant' || (s.MEMFABRIC_VECTOR_STORE === undefined && s.MEMFABRIC_QDRANT_URL);
  const graph = s.MEMFABRIC_GRAPH_STORE === 'neo4j' || (s.MEMFABRIC_GRAPH_STORE === undefined && s.MEMFABRIC_NEO4J_URL);
  const analytics = s.MEMFABRIC_ANALYTICS_STORE === 'clickhouse' || (s.MEMFABRIC_ANALYTICS_STORE === undefined && s.MEMFABRIC_CLICKHOUSE_URL);
  return {
    ...(vectors
      ? { vectors: { url: s.MEMFABRIC_QDRANT_URL!, collectionPrefix: s.MEMFABRIC_QDRANT_COLLECTION_PREFIX, ...(s.MEMFABRIC_QDRANT_API_KEY ? { apiKey: s.MEMFABRIC_QDRANT_API_KEY } : {}) } }
      : {}),
    ...(graph
      ? { graph: { url: s.MEMFABRIC_NEO4J_URL!, username: s.MEMFABRIC_NEO4J_USER, password: s.MEMFABRIC_NEO4J_PASSWORD ?? '', ...(s.MEMFABRIC_NEO4J_DATABASE ? { database: s.MEMFABRIC_NEO4J_DATABASE } : {}) } }
      : {}),
    ...(analytics
      ? { analytics: { url: s.MEMFABRIC_CLICKHOUSE_URL!, username: s.MEMFABRIC_CLICKHOUSE_USER, password: s.MEMFABRIC_CLICKHOUSE_PASSWORD ?? '', database: s.MEMFABRIC_CLICKHOUSE_DATABASE } }
      : {}),
  };
}

/**
 * The placements of a process that serves reads (query gateway, audit): a read model it reads
 * is projected here, embedded, unless its server store is configured; then projectors fill the
 * server store and this process only reads it (`off` here).
 * @param reads - the read models the process reads.
 */
export function readerPlacements(stores: StoreChoice, reads: { readonly vectors: boolean; readonly graph: boolean; readonly analytics: boolean }): ReadSidePlacements {
  const here = (server: unknown, wanted: boolean): Placement => (wanted && !server ? 'embedded' : 'off');
  return { vectors: here(stores.vectors, reads.vectors), graph: here(stores.graph, reads.graph), analytics: here(stores.analytics, reads.analytics), extraction: 'off' };
}

/** Resolves `MEMFABRIC_DATA_DIR` against the working directory. */
export function dataDir(raw: string, cwd: string = process.cwd()): string {
  return path.resolve(cwd, raw);
}
