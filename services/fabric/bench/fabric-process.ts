/**
 * The all-in-one server of `npm run bench:serve` as a child process: `services/fabric/src/main.ts`
 * (what `npm start` runs) on a fresh data directory, bound to a free loopback port, with an API
 * key created in that directory's key store the way `memfabric keys create` does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateApiKey, hashSecret, loadAuthConfig, openKeyStore } from '@memfabric/auth-node';
import { METRIC } from '@memfabric/telemetry';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = path.join(root, 'services', 'fabric', 'src', 'main.ts');
/** The line `main.ts` prints once it listens; the URL follows it. */
const LISTENING = /memfabric is running: (http:\/\/\S+?) /;

/** Options of {@link startFabricProcess}. */
export interface FabricProcessOptions {
  /** Empty data directory of the server (`MEMFABRIC_DATA_DIR`); the key store is created in it. */
  readonly dataDir: string;
  /** File that receives the server's stdout and stderr. */
  readonly logFile: string;
  /** Tenants the API key is granted. */
  readonly tenants: readonly string[];
  /** Extra environment of the server (e.g. `MEMFABRIC_EMBEDDER`). */
  readonly env: Readonly<Record<string, string>>;
  /** Extra `node` flags of the server (e.g. `--cpu-prof`). */
  readonly nodeOptions?: readonly string[];
  /** How long to wait for the listening line, ms; default 120 000. */
  readonly startTimeoutMs?: number;
}

/** The running server. */
export interface FabricProcess {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /**
   * API key (`mfk_<id>_<secret>`, scopes `memory:read,memory:write`) for the tenants asked for.
   * A secret: send it as a bearer credential, never print it.
   */
  readonly apiKey: string;
  /** The server's pid. */
  readonly pid: number;
  /**
   * The server's own figures at this moment, from `GET /metrics`. Scraping resets the event-loop
   * delay histogram, so a scrape at the start of a phase and one at its end bound the phase.
   * @throws Error when `/metrics` does not answer 200.
   */
  scrape(): Promise<ServerSample>;
  /** SIGTERM (the server closes its stores and exits), SIGKILL after `timeoutMs` (default 60 000). @returns the exit code, null when killed. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** What one `GET /metrics` of the server says. */
export interface ServerSample {
  /** Events each projection is behind the log end (`memfabric_consumer_lag`, summed over partitions). */
  readonly projectionLag: Record<string, number>;
  /** Longest event-loop delay since the previous scrape, ms (`nodejs_eventloop_lag_max_seconds`). */
  readonly eventLoopDelayMaxMs: number;
  /** 99th percentile of the event-loop delay since the previous scrape, ms (`nodejs_eventloop_lag_p99_seconds`). */
  readonly eventLoopDelayP99Ms: number;
  /** CPU time of the server process since it started, s (`process_cpu_seconds_total`). */
  readonly cpuSeconds: number;
}

/**
 * Creates an API key in `<dataDir>/keys.db` (so the server requires credentials, as any server
 * with a key does) and starts `main.ts` on `127.0.0.1`, port 0 (a free one), with
 * `MEMFABRIC_LOG_LEVEL=warn` unless `env` says otherwise.
 * @returns the server once it printed its URL.
 * @throws Error when it exits or does not listen within `startTimeoutMs`, with the log's tail.
 */
export async function startFabricProcess(options: FabricProcessOptions): Promise<FabricProcess> {
  const generated = generateApiKey();
  const store = openKeyStore(loadAuthConfig({}, { dataDir: options.dataDir }));
  try {
    await store.add({
      id: generated.id,
      secretHash: hashSecret(generated.secret),
      tenants: [...options.tenants],
      scopes: ['memory:read', 'memory:write'],
      label: 'bench:serve',
      createdAt: new Date().toISOString(),
    });
  } finally {
    await store.close();
  }
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeOptions ?? []), '--conditions=@memfabric/source', '--import', 'tsx', MAIN], {
    cwd: root,
    env: {
      ...process.env,
      MEMFABRIC_LOG_LEVEL: 'warn',
      ...options.env,
      MEMFABRIC_DATA_DIR: options.dataDir,
      MEMFABRIC_INGEST_HOST: '127.0.0.1',
      MEMFABRIC_INGEST_PORT: '0',
      TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.pipe(log, { end: false });
  const tail = () => {
    try {
      return readFileSync(options.logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  };
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the server did not listen within ${options.startTimeoutMs ?? 120_000} ms; log ${options.logFile}:\n${tail()}`)), options.startTimeoutMs ?? 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString();
      const match = LISTENING.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening; log ${options.logFile}:\n${tail()}`));
    });
  });
  return {
    url,
    apiKey: generated.key,
    pid: child.pid!,
    scrape: async () => {
      const text = await resendAfterReset(async () => {
        const response = await fetch(`${url}/metrics`);
        if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status}`);
        return response.text();
      });
      return {
        projectionLag: lagOf(text),
        eventLoopDelayMaxMs: Math.round(gauge(text, 'nodejs_eventloop_lag_max_seconds') * 1000),
        eventLoopDelayP99Ms: Math.round(gauge(text, 'nodejs_eventloop_lag_p99_seconds') * 1000),
        cpuSeconds: Number(gauge(text, 'process_cpu_seconds_total').toFixed(2)),
      };
    },
    stop: async (timeoutMs = 60_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      log.end();
      return code;
    },
  };
}

/** The error codes on `error` and its `cause` chain (undici nests the socket error), and a memfabric client error's `context.networkCode`. */
function networkCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 5) return [];
  const { code, cause, context } = error as { code?: unknown; cause?: unknown; context?: { networkCode?: unknown } };
  return [...(typeof code === 'string' ? [code] : []), ...(typeof context?.networkCode === 'string' ? [context.networkCode] : []), ...networkCodes(cause, depth + 1)];
}

/**
 * Runs an idempotent HTTP call, sending it again (at most `attempts` times in all) when the
 * server reset the connection (`ECONNRESET`): the fabric does so to a kept-alive connection when
 * its event loop stalls past the keep-alive timeout while a request waits on the socket.
 * @param onReset - told about each reset that was resent.
 * @throws the call's error when it is not a reset, or after the last attempt.
 */
export async function resendAfterReset<T>(call: () => Promise<T>, onReset: () => void = () => undefined, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !networkCodes(error).includes('ECONNRESET')) throw error;
      onReset();
    }
  }
}

/** The value of an unlabelled series of a Prometheus text exposition; NaN when absent. */
function gauge(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

/**
 * The `memfabric_consumer_lag` samples of a Prometheus text exposition, summed per projection.
 * @param text - the body of `GET /metrics`.
 * @returns `{ projection: events behind }`; empty when the series is absent.
 */
export function lagOf(text: string): Record<string, number> {
  const lag: Record<string, number> = {};
  const sample = new RegExp(`^${METRIC.consumerLag}\\{([^}]*)\\} (\\S+)$`);
  for (const line of text.split('\n')) {
    const match = sample.exec(line);
    if (!match) continue;
    const projection = /projection="([^"]*)"/.exec(match[1]!)?.[1];
    if (projection === undefined) continue;
    lag[projection] = (lag[projection] ?? 0) + Number(match[2]);
  }
  return lag;
}
