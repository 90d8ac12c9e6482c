import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mockClusterBinary, startKafkaMockCluster, type MockCluster } from '@memfabric/event-log-kafka/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Entry points of the services, relative to the repository root. */
export const SERVICE_MAINS = {
  ingest: 'services/ingest/src/main.ts',
  'query-gateway': 'services/query-gateway/src/main.ts',
  audit: 'services/audit/src/main.ts',
  projector: 'services/projector/src/main.ts',
} as const;

/** A kind of service the local cluster runs. */
export type ServiceKind = keyof typeof SERVICE_MAINS;

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  /** Directory of the services' data directories, log files, master key and admin token. */
  readonly dir: string;
  /** Partitions of the events topic; default 3. */
  readonly partitions?: number;
  /** Replicas of the extraction projector; default 2. */
  readonly projectors?: number;
  /** Extra environment for every service (e.g. `MEMFABRIC_EMBEDDER`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Run the audit service; default true. */
  readonly audit?: boolean;
  /** How long to wait for every service's `/health/ready`, in ms; default 120 000. */
  readonly readyTimeoutMs?: number;
}

/** One service process of the local cluster. */
export interface LocalService {
  readonly kind: ServiceKind;
  /** `ingest`, `query-gateway`, `audit`, `projector-1`, ... */
  readonly name: string;
  readonly url: string;
  /** Its stdout and stderr (pino JSON lines). */
  readonly logFile: string;
  readonly dataDir: string;
  /** The OS process id of the current process. */
  pid(): number | undefined;
  /** Sends a signal (SIGKILL to crash it) and resolves when it exited, with its exit code. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Starts it again with the same settings (after a kill), waiting for `/health/live`. */
  restart(): Promise<void>;
  /** Resolves when `/health/ready` answers 200. @throws Error after `timeoutMs` with the last answer. */
  ready(timeoutMs?: number): Promise<void>;
}

/** A running local cluster. */
export interface LocalCluster {
  /** The mock cluster's bootstrap servers. */
  readonly brokers: readonly string[];
  /** Bearer token with every scope (`MEMFABRIC_ADMIN_TOKEN_FILE` of every service). */
  readonly adminToken: string;
  readonly services: readonly LocalService[];
  readonly ingest: LocalService;
  readonly gateway: LocalService;
  /** Absent when started with `audit: false`. */
  readonly audit: LocalService | undefined;
  readonly projectors: readonly LocalService[];
  /** The environment every service got (paths of the key files, never their content). */
  readonly env: Readonly<Record<string, string>>;
  /** Starts one more projector replica (joins the consumer group: a rebalance). */
  addProjector(): Promise<LocalService>;
  /** SIGTERM to every service, then stops the mock cluster. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function poll(url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      if (response.ok) return;
      last = `${response.status} ${((await response.json().catch(() => ({}))) as { detail?: string }).detail ?? ''}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

class ServiceProcess implements LocalService {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly kind: ServiceKind,
    readonly name: string,
    private readonly port: number,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  spawn(): void {
    const out = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, ['--conditions=@memfabric/source', '--import', 'tsx', path.join(root, SERVICE_MAINS[this.kind])], {
      cwd: root,
      env: { ...process.env, ...this.env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    child.kill(signal);
    return this.exited;
  }

  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    this.spawn();
    await this.live();
  }

  live(timeoutMs = 60_000): Promise<void> {
    return poll(`${this.url}/health/live`, timeoutMs, `${this.name} /health/live`);
  }

  ready(timeoutMs = 120_000): Promise<void> {
    return poll(`${this.url}/health/ready`, timeoutMs, `${this.name} /health/ready`);
  }
}

/**
 * Starts the cluster on this machine: librdkafka's mock cluster (a real Kafka protocol peer; the
 * events topic with `partitions` partitions, the keys and audit-checkpoint topics with one) and
 * every service as its own OS process on loopback — ingest, query gateway, audit, and
 * `projectors` replicas of the extraction projector sharing one consumer group. No server URL is
 * configured, so each reader projects its read models embedded in its own data directory. A
 * random master key and admin token are written (0600) under `dir` and passed by file.
 * @throws Error when the mock cluster binary is missing (build it with
 *   `libs/event-log-kafka/mock-cluster/build.sh`) or a service does not become ready in time.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const partitions = options.partitions ?? 3;
  const names = { events: 'memfabric.events', keys: 'memfabric.keys', checkpoints: 'memfabric.audit.checkpoints' };
  const mock: MockCluster = await startKafkaMockCluster({
    binary: mockClusterBinary(process.env),
    brokers: 1,
    topics: [
      { name: names.events, partitions },
      { name: names.keys, partitions: 1 },
      { name: names.checkpoints, partitions: 1 },
    ],
  });
  const masterKeyFile = path.join(options.dir, 'master.key');
  const adminTokenFile = path.join(options.dir, 'admin.token');
  const adminToken = randomBytes(24).toString('base64url');
  writeFileSync(masterKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  writeFileSync(adminTokenFile, adminToken, { mode: 0o600 });
  const signingKeyFile = path.join(options.dir, 'audit-signing.key');
  writeFileSync(signingKeyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const env: Record<string, string> = {
    MEMFABRIC_KAFKA_BROKERS: mock.brokers.join(','),
    MEMFABRIC_KAFKA_TOPIC: names.events,
    MEMFABRIC_KAFKA_KEYS_TOPIC: names.keys,
    MEMFABRIC_KAFKA_CHECKPOINTS_TOPIC: names.checkpoints,
    // the mock implements neither CreateTopics with configs nor InitProducerId routing
    MEMFABRIC_KAFKA_CREATE_TOPICS: 'false',
    MEMFABRIC_KAFKA_IDEMPOTENT_PRODUCER: 'false',
    // the mock routes DescribeConfigs to a controller that does not exist
    MEMFABRIC_KAFKA_CHECK_TOPIC_CONFIG: 'false',
    // the mock delays a join after a member left by the session timeout minus 1 s
    MEMFABRIC_KAFKA_SESSION_TIMEOUT_MS: '6000',
    MEMFABRIC_KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
    MEMFABRIC_KAFKA_FETCH_MAX_WAIT_MS: '50',
    MEMFABRIC_MASTER_KEY_FILE: masterKeyFile,
    MEMFABRIC_ADMIN_TOKEN_FILE: adminTokenFile,
    MEMFABRIC_AUDIT_SIGNING_KEY_FILE: signingKeyFile,
    MEMFABRIC_LOG_LEVEL: 'info',
    ...options.env,
  };
  const services: ServiceProcess[] = [];
  const create = async (kind: ServiceKind, name: string): Promise<ServiceProcess> => {
    const port = await freePort();
    const dataDir = path.join(options.dir, name);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const portVariable = { ingest: 'MEMFABRIC_INGEST_PORT', 'query-gateway': 'MEMFABRIC_GATEWAY_PORT', audit: 'MEMFABRIC_AUDIT_PORT', projector: 'MEMFABRIC_PROJECTOR_PORT' }[kind];
    const service = new ServiceProcess(kind, name, port, dataDir, path.join(options.dir, `${name}.log`), {
      ...env,
      MEMFABRIC_DATA_DIR: dataDir,
      [portVariable]: String(port),
      MEMFABRIC_KAFKA_CLIENT_ID: `memfabric-${name}`,
      ...(kind === 'projector' ? { MEMFABRIC_PROJECTIONS: 'extraction' } : {}),
    });
    services.push(service);
    service.spawn();
    return service;
  };
  const stop = async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await mock.stop();
  };
  try {
    const ingest = await create('ingest', 'ingest');
    const gateway = await create('query-gateway', 'query-gateway');
    const audit = options.audit === false ? undefined : await create('audit', 'audit');
    const projectors: ServiceProcess[] = [];
    for (let i = 1; i <= (options.projectors ?? 2); i += 1) projectors.push(await create('projector', `projector-${i}`));
    await Promise.all(services.map((s) => s.ready(options.readyTimeoutMs ?? 120_000)));
    return {
      brokers: mock.brokers,
      adminToken,
      services,
      ingest,
      gateway,
      audit,
      projectors,
      env,
      addProjector: async () => {
        const service = await create('projector', `projector-${services.filter((s) => s.kind === 'projector').length + 1}`);
        await service.ready(options.readyTimeoutMs ?? 120_000);
        return service;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
