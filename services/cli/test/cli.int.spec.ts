import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const bin = path.join(repo, 'services/cli/bin/memfabric.js');
const locomoDev = path.resolve(repo, '../shared/data/locomo/locomo-dev.json');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function memfabric(dataDir: string, ...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, '--data-dir', dataDir, ...args], { env: { ...process.env, MEMFABRIC_MASTER_KEY: '', MEMFABRIC_EMBEDDER: 'hash' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface StatsSummary {
  log: { events: number; tenants: number };
  projections: { name: string; lag: number; deadLetters: number; activeGeneration: number }[];
  tenants: { tenantId: string; units: { total: number }; vectors: number; graph: { entities: number; facts: number } }[];
  totals: { units: number; entities: number; facts: number; analyticsEvents: number };
}

function lastJson(stdout: string): unknown {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

describe('memfabric CLI', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests the LoCoMo dev split once: 2,760 events, then 0, and the log verifies', async () => {
    const data = path.join(dir, 'locomo');
    const first = await memfabric(data, 'ingest', locomoDev, '--format', 'locomo', '--json');
    expect(first.code).toBe(0);
    expect(lastJson(first.stdout)).toEqual({ appended: 2760, duplicates: 0 });
    const second = await memfabric(data, 'ingest', locomoDev, '--format', 'locomo', '--json');
    expect(lastJson(second.stdout)).toEqual({ appended: 0, duplicates: 2760 });
    const verify = await memfabric(data, 'log', 'verify', '--json');
    expect(verify.code).toBe(0);
    expect(lastJson(verify.stdout)).toEqual({ streams: 128, events: 2760, valid: true });
    const tail = await memfabric(data, 'log', 'tail', '--tenant', 'conv-26', '--stream', 'session_1', '-n', '2', '--json');
    const events = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { subject: string; actor: string });
    expect(events.map((e) => e.subject)).toEqual(['D1:17', 'D1:18']);

    // reading commands catch the projections up first; the extraction stage appends one
    // facts.extracted event per turn
    const stats = lastJson((await memfabric(data, 'stats', '--json')).stdout) as StatsSummary;
    expect(stats.log).toMatchObject({ events: 2 * 2760, tenants: 5 });
    expect(stats.projections.map((p) => [p.name, p.lag, p.deadLetters])).toEqual([
      ['memory-units', 0, 0],
      ['vectors', 0, 0],
      ['extraction', 0, 0],
      ['graph', 0, 0],
      ['analytics', 0, 0],
    ]);
    expect(stats.totals).toMatchObject({ units: 2760, analyticsEvents: 2 * 2760 });
    for (const t of stats.tenants) {
      expect(t.vectors, t.tenantId).toBe(t.units.total);
      expect(t.graph.entities, t.tenantId).toBeGreaterThan(0);
      expect(t.graph.facts, t.tenantId).toBeGreaterThan(0);
    }
    expect(stats.tenants.map((t) => t.tenantId)).toEqual(['conv-26', 'conv-30', 'conv-41', 'conv-42', 'conv-43']);

    // a rebuild switches every projection to a new generation with the same counts
    const rebuilt = lastJson((await memfabric(data, 'rebuild', '--json')).stdout) as { switched: { projection: string; to: number }[] };
    expect(rebuilt.switched.map((s) => [s.projection, s.to])).toEqual([
      ['memory-units', 2],
      ['vectors', 2],
      ['graph', 2],
      ['analytics', 2],
    ]);
    const after = lastJson((await memfabric(data, 'stats', '--json', '--no-catch-up')).stdout) as StatsSummary;
    expect(after.totals).toEqual(stats.totals);
    expect(after.tenants.map((t) => [t.units, t.vectors, t.graph])).toEqual(stats.tenants.map((t) => [t.units, t.vectors, t.graph]));
    expect(after.projections.map((p) => p.activeGeneration)).toEqual([2, 2, 1, 2, 2]);
    expect(lastJson((await memfabric(data, 'log', 'verify', '--json')).stdout)).toEqual({ streams: 128, events: 2 * 2760, valid: true });
  });

  it('rejects a bad JSONL file with one readable line, exit 1, and loses nothing stored', async () => {
    const data = path.join(dir, 'jsonl');
    const ok = await memfabric(data, 'ingest', path.join(repo, 'samples/events.jsonl'), '--json');
    expect(lastJson(ok.stdout)).toEqual({ appended: 6, duplicates: 0 });
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      [
        JSON.stringify({ source: 'urn:x', type: 'interaction.recorded', time: '2024-01-01T00:00:00Z', tenantid: 'acme', streamid: 's', actor: 'a', data: { kind: 'message', role: 'user', content: 'fine' } }),
        '{not json',
        JSON.stringify({ type: 'memory.asserted', tenantid: 'acme' }),
      ].join('\n'),
    );
    const failed = await memfabric(data, 'ingest', bad);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/nothing ingested.*line 2: not JSON.*line 3: \/source is required/);
    const verify = await memfabric(data, 'log', 'verify', '--json');
    expect(lastJson(verify.stdout)).toMatchObject({ events: 6, valid: true });
    const missing = await memfabric(data, 'ingest', path.join(dir, 'missing.json'), '--format', 'locomo');
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^memfabric: cannot read .*missing\.json: no such file\n$/) });
    const format = await memfabric(data, 'ingest', bad, '--format', 'csv');
    expect(format.code).toBe(1);
    expect(format.stderr).toMatch(/--format must be jsonl or locomo/);
  });

  it('exits 1 and names the first broken event when the chain does not verify', async () => {
    const data = path.join(dir, 'tamper');
    await memfabric(data, 'ingest', path.join(repo, 'samples/conversation.locomo.json'), '--format', 'locomo');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(data, 'memfabric.db'));
    db.exec('DROP TRIGGER events_no_update');
    db.prepare(`UPDATE events SET record = replace(record, '"time":"2024-04-17T08:45:00.000Z"', '"time":"2024-04-18T08:45:00.000Z"') WHERE "offset" = 7`).run();
    db.close();
    const verify = await memfabric(data, 'log', 'verify', '--json');
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/chain broken at sample-maya-leo\/session_2#2 .*record altered/);
    expect(lastJson(verify.stdout)).toMatchObject({ valid: false, firstBroken: { streamId: 'session_2', streamPosition: 2 } });
  });
});
