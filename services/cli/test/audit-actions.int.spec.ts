import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventId } from '@memfabric/events';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, '../src');

/**
 * The `memfabric` program with `rollback` and `erase` registered (when `program.ts` does not
 * register them yet), run like `src/main.ts` runs it: any error is one line on stderr, exit 1.
 */
function entryScript(): string {
  const url = (file: string) => JSON.stringify(pathToFileURL(path.join(src, file)).href);
  return `
import { createProgram } from ${url('program.ts')};
import { Output } from ${url('output.ts')};
import { registerRollback } from ${url('commands/rollback.command.ts')};
import { registerErase } from ${url('commands/erase.command.ts')};
try {
  const program = createProgram();
  const output = () => new Output(program.opts().json === true);
  if (!program.commands.some((c) => c.name() === 'rollback')) registerRollback(program, output);
  if (!program.commands.some((c) => c.name() === 'erase')) registerErase(program, output);
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write('memfabric: ' + (error instanceof Error ? error.message : String(error)).replace(/\\s+/g, ' ') + '\\n');
  process.exitCode = 1;
}
`;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

const tsx = import.meta.resolve('tsx');
let entry = '';

async function memfabric(dataDir: string, ...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=@memfabric/source', '--import', tsx, entry, '--data-dir', dataDir, ...args], { env: { ...process.env, MEMFABRIC_MASTER_KEY: '', MEMFABRIC_EMBEDDER: 'hash' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function lastJson(stdout: string): unknown {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

function turn(id: string, stream: string, actor: string, content: string): string {
  return JSON.stringify({
    id, source: 'urn:memfabric:test', type: 'interaction.recorded', time: '2024-05-01T10:00:00Z', tenantid: 'acme', streamid: stream, actor,
    data: { kind: 'message', role: 'user', content, speaker: actor },
  });
}

describe('memfabric rollback and erase', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-audit-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = path.join(dir, 'data');
  beforeAll(() => {
    entry = path.join(dir, 'memfabric-audit.mts');
    writeFileSync(entry, entryScript());
  });
  const ids = { s1: [newEventId(), newEventId()], s2: newEventId() };

  it('rollback: dry run lists the stream’s units, apply hides them, revert (twice) brings them back; bad input is one line and exit 1', async () => {
    const file = path.join(dir, 'events.jsonl');
    writeFileSync(file, [turn(ids.s1[0]!, 's1', 'maya', 'Maya moved to Quillfeather Lane'), turn(ids.s1[1]!, 's1', 'maya', 'Maya adopted a cat'), turn(ids.s2, 's2', 'leo', 'Leo likes pizza')].join('\n'));
    const ingested = await memfabric(data, 'ingest', file, '--json');
    expect(ingested.stderr).toBe('');
    expect(ingested.code).toBe(0);

    const dry = await memfabric(data, 'rollback', '--tenant', 'acme', '--stream', 's1', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(lastJson(dry.stdout)).toEqual({ units: 2, ids: ids.s1 });

    const applied = await memfabric(data, 'rollback', '--tenant', 'acme', '--stream', 's1', '--reason', 'bad import', '--json');
    expect(applied.code).toBe(0);
    const result = lastJson(applied.stdout) as { units: number; ids: string[]; rollbackId: string; position: number };
    expect(result).toMatchObject({ units: 2, ids: ids.s1 });
    expect(result.position).toBeGreaterThan(2);

    const reverted = await memfabric(data, 'rollback', 'revert', result.rollbackId, '--json');
    expect(reverted.code).toBe(0);
    expect(lastJson(reverted.stdout)).toMatchObject({ rollbackId: result.rollbackId, alreadyReverted: false, units: 2 });
    const twice = await memfabric(data, 'rollback', 'revert', result.rollbackId, '--json');
    expect(lastJson(twice.stdout)).toMatchObject({ alreadyReverted: true, units: 2 });

    const badTime = await memfabric(data, 'rollback', '--tenant', 'acme', '--from', 'yesterday', '--dry-run');
    expect(badTime.code).toBe(1);
    expect(badTime.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^memfabric: invalid rollback filter: --from "yesterday" must be an RFC 3339 date-time/) as unknown]);
    const unknown = await memfabric(data, 'rollback', 'revert', ids.s2);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^memfabric: event .* is a interaction\.recorded event, not a rollback\.applied event$/);
    const noTenant = await memfabric(data, 'rollback', '--dry-run');
    expect(noTenant.code).toBe(1);
    expect(noTenant.stderr.trim()).toMatch(/^memfabric: invalid rollback filter: --tenant required/);
  });

  it('erase: destroys the key, purges the units, the log still verifies; repeating it is harmless', async () => {
    const erased = await memfabric(data, 'erase', '--tenant', 'acme', '--subject', 'maya', '--reason', 'art. 17', '--yes', '--json');
    expect(erased.code).toBe(0);
    expect(lastJson(erased.stdout)).toMatchObject({ tenantId: 'acme', subject: 'maya', keysDestroyed: 1, units: 2 });
    const verify = await memfabric(data, 'log', 'verify', '--json');
    expect(lastJson(verify.stdout)).toMatchObject({ valid: true });
    const again = await memfabric(data, 'erase', '--tenant', 'acme', '--subject', 'maya', '--yes', '--json');
    expect(lastJson(again.stdout)).toMatchObject({ keysDestroyed: 0, units: 0 });
    const unknown = await memfabric(data, 'erase', '--tenant', 'acme', '--subject', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toEqual(['memfabric: no data subject "nobody" in tenant acme: no event of it was ever recorded there']);
    const bad = await memfabric(data, 'erase', '--tenant', 'acme');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("required option '--subject <subject>' not specified");
  });
});
