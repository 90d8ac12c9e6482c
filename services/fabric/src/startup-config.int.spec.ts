import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { startFabric } from './fabric.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** One bad value in the variables of every module the all-in-one runner hosts. */
const BAD = {
  MEMFABRIC_INGEST_PORT: 'eighty', // ingest
  MEMFABRIC_LOG_LEVEL: 'loud', // ingest
  MEMFABRIC_RATE_LIMIT_PER_KEY: 'many', // request protections
  MEMFABRIC_OIDC_CLOCK_TOLERANCE_S: '9999', // authentication
  MEMFABRIC_QUERY_MAX_BODY_BYTES: '12', // query gateway
  MEMFABRIC_CHECKPOINT_EVERY: '-1', // audit
  MEMFABRIC_EMBEDDER: 'magic', // embedder
} as const;

describe('a start-up with invalid configuration in several modules', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-config-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('startFabric throws one ConfigurationError naming every variable of every module, one line each, before opening anything', async () => {
    const dir = tempDir();
    const error = await startFabric({ MEMFABRIC_DATA_DIR: dir, ...BAD }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(MemfabricError.is(error) && error.code).toBe('configuration_invalid');
    const { message, context } = error as MemfabricError;
    const problems = context['problems'] as string[];
    expect(problems).toHaveLength(Object.keys(BAD).length);
    for (const name of Object.keys(BAD)) expect(problems.filter((p) => p.includes(name)), name).toHaveLength(1);
    expect(message.split('\n')).toEqual(['invalid memfabric configuration:', ...problems.map((p) => `  - ${p}`)]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a short admin token is reported once, with the others', async () => {
    const error = (await startFabric({ MEMFABRIC_DATA_DIR: tempDir(), MEMFABRIC_ADMIN_TOKEN: 'short', MEMFABRIC_AUDIT_MAX_BODY_BYTES: '0' }).catch((e: unknown) => e)) as MemfabricError;
    const problems = error.context['problems'] as string[];
    expect(problems.filter((p) => p.includes('MEMFABRIC_ADMIN_TOKEN'))).toHaveLength(1);
    expect(problems.some((p) => p.includes('MEMFABRIC_AUDIT_MAX_BODY_BYTES'))).toBe(true);
  });

  it('main.ts exits 1 and prints one line per problem', async () => {
    const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
    const child = spawn(process.execPath, [tsx, '--tsconfig', path.join(here, '..', '..', '..', 'tsconfig.base.json'), '--conditions=@memfabric/source', path.join(here, 'main.ts')], {
      env: { ...process.env, MEMFABRIC_DATA_DIR: tempDir(), ...BAD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, stderr).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('memfabric: invalid memfabric configuration:');
    expect(lines.slice(1)).toHaveLength(Object.keys(BAD).length);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}- MEMFABRIC_[A-Z_]+/);
    for (const name of Object.keys(BAD)) expect(lines.filter((l) => l.includes(name)), name).toHaveLength(1);
  });
});
