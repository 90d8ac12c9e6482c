import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is libs/event-log-kafka/src/testing/). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Default location of the launcher built by `libs/event-log-kafka/mock-cluster/build.sh`. */
export const DEFAULT_MOCK_CLUSTER_BIN = path.join(REPO_ROOT, '.ci/bin/kafka-mock-cluster');

/**
 * Path of the mock-cluster launcher: `env.MEMFABRIC_KAFKA_MOCK_BIN` when set, else
 * {@link DEFAULT_MOCK_CLUSTER_BIN}. Pass `process.env` from a test; nothing is read at import.
 */
export function mockClusterBinary(env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env.MEMFABRIC_KAFKA_MOCK_BIN;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_MOCK_CLUSTER_BIN;
}

/** A topic to pre-create (the mock cluster does not implement CreateTopics). */
export interface MockTopic {
  readonly name: string;
  /** Default 3. */
  readonly partitions?: number;
}

/** A running librdkafka mock cluster. */
export interface MockCluster {
  /** Bootstrap servers (`127.0.0.1:port`). */
  readonly brokers: string[];
  /** Stops the launcher (closes its stdin, then SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Options of {@link startKafkaMockCluster}. */
export interface StartMockClusterOptions {
  /** The launcher binary (see {@link mockClusterBinary}). */
  readonly binary: string;
  readonly topics: readonly MockTopic[];
  /** Mock brokers; default 1. */
  readonly brokers?: number;
  /** Give up waiting for the bootstrap line after this many ms; default 10 000. */
  readonly startTimeoutMs?: number;
}

/**
 * Starts `kafka-mock-cluster` (librdkafka's `rd_kafka_mock_cluster_new` in a small C launcher)
 * and reads its bootstrap line.
 * @throws Error when the binary is missing, exits early, or prints no bootstrap line in time.
 */
export async function startKafkaMockCluster(options: StartMockClusterOptions): Promise<MockCluster> {
  if (!existsSync(options.binary)) {
    throw new Error(`${options.binary} not found: build it with libs/event-log-kafka/mock-cluster/build.sh`);
  }
  const args = [
    ...(options.brokers !== undefined ? ['--brokers', String(options.brokers)] : []),
    ...options.topics.map((t) => `${t.name}:${t.partitions ?? 3}`),
  ];
  const child = spawn(options.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const bootstrap = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(new Error(`no bootstrap line within ${options.startTimeoutMs ?? 10_000} ms`)), options.startTimeoutMs ?? 10_000);
    let settled = false;
    function fail(error: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      child.kill('SIGTERM');
      reject(new Error(`kafka-mock-cluster did not start: ${error.message}; stderr: ${stderr.join('').trim()}`));
    }
    lines.once('line', (line) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      child.stdout.resume();
      resolve(line.trim());
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`exited with ${code ?? signal}`)));
  });

  return {
    brokers: bootstrap.split(',').filter((b) => b !== ''),
    stop: async () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  child.kill('SIGTERM');
  await exited;
}
