// Must come first: see the file.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { createIngestApp } from '../src/ingest.app.js';
import { loadIngestConfig, type IngestConfig, type IngestEnv } from '../src/ingest.config.js';
import { createIngestLogger } from '../src/ingest.logger.js';

/** An ingest app on a real SQLite log in a fresh temporary directory. */
export interface Harness {
  readonly app: NestExpressApplication;
  readonly log: SqliteEventLog;
  readonly config: IngestConfig;
  /** Log lines the service wrote (parsed JSON). */
  readonly lines: Record<string, unknown>[];
  /** A supertest agent bound to the app's HTTP server. */
  http(): ReturnType<typeof request>;
  /** Number of events in the log. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** Starts an app whose configuration is built from `env` (data dir and log level are set here). */
export async function startHarness(env: IngestEnv = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-ingest-'));
  const config = loadIngestConfig({ MEMFABRIC_DATA_DIR: dir, ...env });
  const log = SqliteEventLog.open({ path: config.logFile, masterKey: randomBytes(32) });
  const lines: Record<string, unknown>[] = [];
  const logger = createIngestLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = await createIngestApp({ log, config, logger });
  return {
    app,
    log,
    config,
    lines,
    http: () => request(app.getHttpServer()),
    count: async () => (await log.end())[0] ?? 0,
    close: async () => {
      await app.close();
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A tenant id no other test uses. */
export function uniqueTenant(): string {
  counter += 1;
  return `t-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A valid interaction.recorded event as a client sends it (JSON), with overridable attributes. */
export function interaction(tenantid: string, streamid: string, content: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'urn:memfabric:test',
    type: 'interaction.recorded',
    time: '2023-05-08T13:56:00.000Z',
    tenantid,
    streamid,
    actor: 'caroline',
    data: { kind: 'message', role: 'user', content },
    ...overrides,
  };
}

/** Media type of CloudEvents JSON batches. */
export const BATCH = 'application/cloudevents-batch+json';
