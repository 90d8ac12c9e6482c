import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entrypoint = path.join(root, 'infra/docker-entrypoint.sh');

/** One `FROM` stage of a Dockerfile: its name and its instructions (continuations joined). */
interface Stage {
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: { readonly keyword: string; readonly args: string }[];
}

/** Splits a Dockerfile into stages; comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!;
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: from?.[1] ?? args, name: from?.[2], instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push({ keyword, args });
    }
  }
  return stages;
}

describe('infra/Dockerfile', () => {
  const stages = parseDockerfile(readFileSync(path.join(root, 'infra/Dockerfile'), 'utf8'));
  const final = stages[stages.length - 1]!;
  const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('builds in one stage and runs from another that copies only the build output', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(of(stages[0]!, 'RUN').some((run) => run.includes('npm run build'))).toBe(true);
    expect(of(final, 'COPY').every((copy) => copy.includes('--from=build'))).toBe(true);
  });

  it('keeps production dependencies only', () => {
    const runs = stages.flatMap((stage) => of(stage, 'RUN'));
    expect(runs.some((run) => /npm (prune|ci) [^&]*--omit=dev/.test(run))).toBe(true);
    expect(of(final, 'RUN').some((run) => run.includes('npm ci') && !run.includes('--omit=dev'))).toBe(false);
  });

  it('runs as a non-root user with /data and /tmp as the only writable paths', () => {
    const users = of(final, 'USER');
    expect(users).toHaveLength(1);
    expect(users[0]).toMatch(/^[1-9][0-9]*(:[1-9][0-9]*)?$/);
    expect(of(final, 'VOLUME').join(' ')).toContain('/data');
    expect(of(final, 'ENV').join(' ')).toMatch(/MEMFABRIC_DATA_DIR=\/data/);
  });

  it('checks /health/live with node, not curl', () => {
    const [healthcheck] = of(final, 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    expect(healthcheck).toContain('"node"');
    expect(healthcheck).toContain('/health/live');
    expect(healthcheck).not.toMatch(/curl|wget/);
    for (const port of ['8081', '8082', '8083', '8084']) expect(healthcheck).toContain(port);
  });

  it('starts through the entry point script', () => {
    expect(of(final, 'ENTRYPOINT')).toEqual(['["/app/docker-entrypoint.sh"]']);
  });

  it('leaves dependencies and builds of the work tree out of the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git', 'infra/secrets']) expect(ignored).toContain(entry);
  });
});

describe('infra/docker-entrypoint.sh', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-entrypoint-'));
  // A stand-in for node that prints the arguments it was given, one per line.
  const stub = path.join(dir, 'node-stub');
  writeFileSync(stub, '#!/bin/sh\nfor arg in "$@"; do echo "$arg"; done\n');
  chmodSync(stub, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]) => spawnSync('sh', [entrypoint, ...args], { env: { PATH: process.env['PATH'], MEMFABRIC_NODE: stub, MEMFABRIC_APP_DIR: '/app' }, encoding: 'utf8' });

  const services: Record<string, string> = {
    ingest: 'services/ingest',
    gateway: 'services/query-gateway',
    audit: 'services/audit',
    projector: 'services/projector',
    fabric: 'services/fabric',
    mcp: 'services/mcp',
  };

  it.each(Object.entries(services))('runs %s from its build and passes the remaining arguments', (service, project) => {
    const result = run(service, '--http', 'two words');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')).toEqual([`/app/${project}/dist/main.js`, '--http', 'two words', '']);
    // the build of src/main.ts (tsconfig.build.json: rootDir src, outDir dist)
    expect(existsSync(path.join(root, project, 'src/main.ts'))).toBe(true);
  });

  it('refuses an unknown service with one line and exit code 2', () => {
    const result = run('reporter');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("memfabric: unknown service 'reporter': expected one of ingest gateway audit projector fabric mcp\n");
  });

  it('refuses a start without a service with one line and exit code 2', () => {
    const result = run();
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('name a service to run');
  });
});
