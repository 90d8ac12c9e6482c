import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClusterBinary, startKafkaMockCluster, type MockCluster } from '@memfabric/event-log-kafka/testing';
import { SERVICE_MAINS, type ServiceKind } from '@memfabric/local-cluster';

/**
 * The cluster services' bad input at start: a malformed setting ends the process with exit code
 * 1 and one line per variable (a secret's value never printed); a broker that does not answer
 * at start keeps the process up, answering `/health/live` 200 and `/health/ready` 503, retrying
 * with backoff until the broker appears — then ready, then a clean SIGTERM.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = mockClusterBinary(process.env);
if (!existsSync(binary)) throw new Error(`${binary} not found: build it with libs/event-log-kafka/mock-cluster/build.sh (.ci/run does)`);

const PORT_VARIABLE: Record<ServiceKind, string> = {
  ingest: 'MEMFABRIC_INGEST_PORT',
  'query-gateway': 'MEMFABRIC_GATEWAY_PORT',
  audit: 'MEMFABRIC_AUDIT_PORT',
  projector: 'MEMFABRIC_PROJECTOR_PORT',
};

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

function startService(kind: ServiceKind, env: Record<string, string>): Started {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MEMFABRIC_') || name === 'MEMFABRIC_KAFKA_MOCK_BIN'));
  const child = spawn(process.execPath, ['--conditions=@memfabric/source', '--import', 'tsx', path.join(root, SERVICE_MAINS[kind])], {
    cwd: root,
    env: { ...clean, ...env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function status(url: string): Promise<number | undefined> {
  return (await fetch(url, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined))?.status;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let dir: string;
let masterKeyFile: string;
let adminTokenFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'memfabric-cluster-bad-input-'));
  masterKeyFile = path.join(dir, 'master.key');
  adminTokenFile = path.join(dir, 'admin.token');
  writeFileSync(masterKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  writeFileSync(adminTokenFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('cluster services at start', () => {
  it('a malformed setting: exit 1, one line per variable naming it, the secret never printed', async () => {
    const secret = randomBytes(16).toString('base64');
    const kinds = Object.keys(SERVICE_MAINS) as ServiceKind[];
    const runs = kinds.map((kind) => {
      const run = startService(kind, {
        MEMFABRIC_KAFKA_BROKERS: '127.0.0.1:9',
        MEMFABRIC_KAFKA_PARTITIONS: 'zero',
        MEMFABRIC_SHUTDOWN_TIMEOUT_MS: '-5',
        MEMFABRIC_MASTER_KEY: secret,
        MEMFABRIC_DATA_DIR: path.join(dir, `bad-${kind}`),
        [PORT_VARIABLE[kind]]: 'abc',
      });
      return { kind, run };
    });
    for (const { kind, run } of runs) {
      expect(await run.exit, `${kind} exit code`).toBe(1);
      const lines = run
        .output()
        .split('\n')
        .filter((line) => line.includes('invalid configuration'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      const named = (variable: string) => lines.filter((l) => l.startsWith(`invalid configuration: ${variable}`)).length;
      expect(named('MEMFABRIC_KAFKA_PARTITIONS'), `${kind}: ${lines.join(' | ')}`).toBe(1);
      expect(named('MEMFABRIC_SHUTDOWN_TIMEOUT_MS'), kind).toBe(1);
      expect(named('MEMFABRIC_MASTER_KEY'), kind).toBe(1);
      expect(named(PORT_VARIABLE[kind]), kind).toBe(1);
      if (kind === 'audit') expect(named('MEMFABRIC_AUDIT_SIGNING_KEY_FILE'), kind).toBe(1);
      expect(run.output(), `${kind} printed the master key`).not.toContain(secret);
    }
  }, 90_000);

  it('a broker that does not answer at start: live, not ready, retried; ready once it answers; SIGTERM exits 0', async () => {
    // the services dial a port of their own; a forwarder to the mock cluster opens on it later
    const port = await freePort();
    const names = { events: 'memfabric.events', keys: 'memfabric.keys', checkpoints: 'memfabric.audit.checkpoints' };
    const common = {
      MEMFABRIC_KAFKA_BROKERS: `127.0.0.1:${port}`,
      MEMFABRIC_KAFKA_CREATE_TOPICS: 'false',
      MEMFABRIC_KAFKA_IDEMPOTENT_PRODUCER: 'false',
      MEMFABRIC_KAFKA_CHECK_TOPIC_CONFIG: 'false',
      MEMFABRIC_KAFKA_SESSION_TIMEOUT_MS: '6000',
      MEMFABRIC_KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      MEMFABRIC_RETRY_INITIAL_MS: '200',
      MEMFABRIC_RETRY_MAX_MS: '1000',
      MEMFABRIC_MASTER_KEY_FILE: masterKeyFile,
      MEMFABRIC_ADMIN_TOKEN_FILE: adminTokenFile,
      MEMFABRIC_EMBEDDER: 'hash',
      MEMFABRIC_LOG_LEVEL: 'warn',
    };
    const services = await Promise.all(
      (['ingest', 'projector'] as const).map(async (kind) => {
        const servicePort = await freePort();
        const run = startService(kind, {
          ...common,
          MEMFABRIC_DATA_DIR: path.join(dir, `late-${kind}`),
          MEMFABRIC_KAFKA_CLIENT_ID: `memfabric-${kind}`,
          [PORT_VARIABLE[kind]]: String(servicePort),
          ...(kind === 'projector' ? { MEMFABRIC_PROJECTIONS: 'extraction' } : {}),
        });
        return { kind, run, url: `http://127.0.0.1:${servicePort}` };
      }),
    );
    let mock: MockCluster | undefined;
    let forwarder: Server | undefined;
    try {
      for (const s of services) await until(`${s.kind} /health/live`, async () => (await status(`${s.url}/health/live`)) === 200, 60_000);
      // several retry rounds pass (backoff 200 ms → 1 s) while nothing answers
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      for (const s of services) {
        const ready = await fetch(`${s.url}/health/ready`);
        expect(ready.status, `${s.kind} ready without a broker`).toBe(503);
        expect(ready.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(s.run.child.exitCode, `${s.kind} is still running`).toBeNull();
      }

      mock = await startKafkaMockCluster({
        binary,
        brokers: 1,
        topics: [
          { name: names.events, partitions: 3 },
          { name: names.keys, partitions: 1 },
          { name: names.checkpoints, partitions: 1 },
        ],
      });
      const [host, target] = mock.brokers[0]!.split(':');
      forwarder = createServer((socket) => {
        const upstream = createConnection({ host: host!, port: Number(target) });
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      await new Promise<void>((resolve) => forwarder!.listen(port, '127.0.0.1', resolve));
      for (const s of services) await until(`${s.kind} /health/ready once the broker answers`, async () => (await status(`${s.url}/health/ready`)) === 200, 90_000);
      for (const s of services) {
        s.run.child.kill('SIGTERM');
        expect(await s.run.exit, `${s.kind} exit code after SIGTERM; output: ${s.run.output().slice(-2000)}`).toBe(0);
      }
    } finally {
      for (const s of services) if (s.run.child.exitCode === null) s.run.child.kill('SIGKILL');
      forwarder?.close();
      await mock?.stop();
    }
  }, 180_000);
});
