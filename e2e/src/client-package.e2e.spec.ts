import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFabric, type RunningFabric } from '@memfabric/fabric';
import { createIngestLogger } from '@memfabric/ingest';

const run = promisify(execFile);
const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'libs', 'client');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const ADMIN = 'packed-client-admin-token-0123456789';

/** The script a user of the published package would write: plain ESM, only the installed client. */
const SCRIPT = `import { MemfabricClient, MemfabricApiError } from '@memfabric/client';
const client = new MemfabricClient({ baseUrl: process.env.MEMFABRIC_URL, apiKey: process.env.MEMFABRIC_API_KEY });
const tenant = 'packed';
const written = await client.recordInteraction({ tenant, stream: 's-1', actor: 'user:maya', content: 'My sister Ana lives in Porto and teaches piano.' });
const recalled = await client.recall({ query: 'Where does Ana live?', scope: { tenant }, k: 3, consistencyToken: written.consistencyToken });
const state = await client.stateAt(tenant, { position: written.offset });
const dryRun = await client.rollback(tenant, { filter: { streamid: 's-1' }, dryRun: true });
const verified = await client.verify(tenant);
const history = await client.history(tenant, written.id);
const missing = await client.getEvent('018e3a10-0000-7000-8000-00000000ffff').catch((e) => e);
process.stdout.write(JSON.stringify({
  id: written.id,
  hits: recalled.hits.map((h) => h.unitId),
  units: state.units.length,
  dryRun: { dryRun: dryRun.dryRun, units: dryRun.units },
  valid: verified.valid,
  versions: history.versions.length,
  missing: { api: MemfabricApiError.isApiError(missing), status: missing.status, code: missing.code },
}));
`;

describe('the packed client installs in an empty project and talks to a running fabric', { timeout: 240_000 }, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'memfabric-client-pack-'));
  const project = path.join(work, 'project');
  let tarball: string;
  let running: RunningFabric;

  beforeAll(async () => {
    const { stdout } = await run(npm, ['pack', '--silent', '--pack-destination', work], { cwd: clientDir, maxBuffer: 16 * 1024 * 1024 });
    tarball = path.join(work, stdout.trim().split('\n').at(-1)!);
    running = await startFabric({ MEMFABRIC_DATA_DIR: path.join(work, 'data'), MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_ADMIN_TOKEN: ADMIN }, { logger: createIngestLogger('silent', undefined, null) });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('npm pack produces a tarball of the built client with no dependencies', async () => {
    expect(statSync(tarball).size).toBeGreaterThan(10_000);
    const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
    const manifest = JSON.parse(stdout) as { private?: boolean; dependencies?: Record<string, string>; exports: Record<string, { types: string; default: string }> };
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.exports['.']).toMatchObject({ types: './dist/index.d.ts', default: './dist/index.js' });
    const { stdout: listing } = await run('tar', ['-tzf', tarball]);
    const files = listing.trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/index.d.ts', 'package/README.md']));
    expect(files.filter((f) => f.startsWith('package/src/'))).toEqual([]);
  });

  it('installs offline into an empty project; its declarations name no engine package; a plain .mjs script appends, recalls and reads the audit routes', async () => {
    await run('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'client-user', version: '1.0.0', private: true, type: 'module' }));
    await run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: project });
    expect(readdirSync(path.join(project, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['@memfabric']);
    expect(readdirSync(path.join(project, 'node_modules', '@memfabric'))).toEqual(['client']);
    const installed = path.join(project, 'node_modules', '@memfabric', 'client', 'dist');
    const declarations = readdirSync(installed, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
    for (const file of declarations) {
      const imports = [...readFileSync(path.join(installed, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(imports.filter((i) => !i.startsWith('.') && !i.startsWith('node:')), file).toEqual([]);
    }

    writeFileSync(path.join(project, 'use-client.mjs'), SCRIPT);
    const { stdout } = await run(process.execPath, ['use-client.mjs'], { cwd: project, env: { ...process.env, MEMFABRIC_URL: running.url, MEMFABRIC_API_KEY: ADMIN } });
    const result = JSON.parse(stdout) as { id: string; hits: string[]; units: number; dryRun: { dryRun: boolean; units: number }; valid: boolean; versions: number; missing: unknown };
    expect(result.hits).toContain(result.id);
    expect(result.units).toBeGreaterThan(0);
    expect(result.dryRun).toEqual({ dryRun: true, units: 1 });
    expect(result.valid).toBe(true);
    expect(result.versions).toBe(1);
    expect(result.missing).toEqual({ api: true, status: 404, code: 'not_found' });
  });
});
