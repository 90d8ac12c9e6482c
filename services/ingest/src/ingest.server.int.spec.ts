// Must come first: see the file.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestLogger } from './ingest.logger.js';
import { startIngest, type RunningIngest } from './ingest.server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const event = {
  source: 'urn:memfabric:test',
  type: 'interaction.recorded',
  time: '2023-05-08T13:56:00.000Z',
  tenantid: 'acme',
  streamid: 's',
  actor: 'caroline',
  data: { kind: 'message', role: 'user', content: 'hello' },
};

describe('running the ingest service alone', () => {
  const dirs: string[] = [];
  let running: RunningIngest | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-ingest-main-'));
    dirs.push(dir);
    return dir;
  };

  it('starts on the configured data directory, creates the master key, and serves HTTP', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    running = await startIngest(
      { MEMFABRIC_DATA_DIR: dir, MEMFABRIC_INGEST_PORT: '0' },
      { logger: createIngestLogger('info', { write: (line: string) => void lines.push(line) }) },
    );
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.config.logFile).toBe(path.join(dir, 'memfabric.db'));
    const ready = await fetch(`${running.url}/health/ready`);
    expect(ready.status).toBe(200);
    const appended = await fetch(`${running.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([event]),
    });
    expect(appended.status).toBe(201);
    expect(lines.some((l) => l.includes('ingest service listening'))).toBe(true);
  });

  it('refuses to start on an invalid environment, naming the variable', async () => {
    await expect(startIngest({ MEMFABRIC_DATA_DIR: tempDir(), MEMFABRIC_INGEST_PORT: 'eighty' })).rejects.toThrow(/MEMFABRIC_INGEST_PORT must be an integer/);
  });

  it('reports the ingest and the security variables together: one error, one line per problem', async () => {
    const error = (await startIngest({ MEMFABRIC_DATA_DIR: tempDir(), MEMFABRIC_INGEST_PORT: 'eighty', MEMFABRIC_RATE_LIMIT_PER_KEY: 'many', MEMFABRIC_OIDC_ISSUER: 'ftp://x' }).catch((e: unknown) => e)) as Error & {
      context: { problems: string[] };
    };
    expect(error.message.split('\n')[0]).toBe('invalid ingest configuration:');
    for (const name of ['MEMFABRIC_INGEST_PORT', 'MEMFABRIC_RATE_LIMIT_PER_KEY', 'MEMFABRIC_OIDC_ISSUER']) expect(error.context.problems.some((p) => p.includes(name)), name).toBe(true);
  });

  it('main.ts exits 1 with one fatal line per configuration problem, each naming its variable', async () => {
    const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
    const bad = { MEMFABRIC_INGEST_PORT: 'eighty', MEMFABRIC_MAX_BODY_BYTES: '0', MEMFABRIC_RATE_LIMIT_PER_TENANT: 'lots', MEMFABRIC_ADMIN_TOKEN: 'short' };
    const child = spawn(
      process.execPath,
      [tsx, '--tsconfig', path.join(here, '..', 'tsconfig.json'), '--conditions=@memfabric/source', path.join(here, 'main.ts')],
      { env: { ...process.env, MEMFABRIC_DATA_DIR: tempDir(), ...bad }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, stderr).toBe(1);
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { level: number; service: string; code: string; msg: string });
    expect(lines).toHaveLength(Object.keys(bad).length);
    for (const line of lines) expect(line).toMatchObject({ level: 60, service: 'ingest', code: 'configuration_invalid' });
    for (const name of Object.keys(bad)) expect(lines.filter((l) => l.msg.includes(name)), name).toHaveLength(1);
  });

  it('runs main.ts as a process (tsx: no decorator metadata) and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
    const child = spawn(
      process.execPath,
      [tsx, '--tsconfig', path.join(here, '..', 'tsconfig.json'), '--conditions=@memfabric/source', path.join(here, 'main.ts')],
      { env: { ...process.env, MEMFABRIC_DATA_DIR: dir, MEMFABRIC_INGEST_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const messages: { msg: string; url?: string }[] = [];
    let listening!: (url: string | undefined) => void;
    const started = new Promise<string | undefined>((resolve) => (listening = resolve));
    void exited.then(() => listening(undefined));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as { msg: string; url?: string };
      messages.push(parsed);
      if (parsed.msg === 'ingest service listening') listening(parsed.url);
    });
    const url = await started;
    expect(url, stderr).toBeDefined();
    const res = await fetch(`${url!}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([event]) });
    expect(res.status).toBe(201);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(messages.map((m) => m.msg)).toContain('ingest service stopped');
  });
});
