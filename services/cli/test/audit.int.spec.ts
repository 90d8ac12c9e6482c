import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@memfabric/embeddings';
import { interaction } from '@memfabric/event-log/testing';
import { asserted, corrected, retracted } from '@memfabric/projections/testing';
import { resolveDataDir } from '../src/cli.config.js';

const { signerFromKeyFile } = await import('@memfabric/audit-node');
import { registerAudit } from '../src/commands/audit.command.js';
import { registerExport } from '../src/commands/export.command.js';
import { registerHistory } from '../src/commands/history.command.js';
import { registerState } from '../src/commands/state.command.js';
import { Output } from '../src/output.js';

/**
 * The audit commands run in this process (chDB binds one data directory per process, so every
 * command of this file uses the same one), on a program built like `createProgram` builds it.
 */
describe('memfabric history, state, export, verify-export, audit', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-cli-audit-'));
  const dataDir = path.join(dir, 'data');
  let memoryId = '';

  async function memfabric(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((stdout += chunk.toString()), done()) });
    const program = new Command('memfabric').option('--data-dir <dir>').option('--json').exitOverride();
    const output = () => new Output(program.opts<{ json?: boolean }>().json === true, sink, Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false }) as unknown as NodeJS.WriteStream);
    registerHistory(program, output);
    registerState(program, output);
    registerExport(program, output);
    registerAudit(program, output);
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => ((stderr += chunk), true));
    process.exitCode = 0;
    try {
      await program.parseAsync(['node', 'memfabric', '--data-dir', dataDir, ...args]);
    } catch (error) {
      stderr += (error as Error).message;
      process.exitCode = 1;
    } finally {
      process.stderr.write = write;
    }
    const code = Number(process.exitCode ?? 0);
    process.exitCode = 0;
    return { code, stdout, stderr };
  }

  const last = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').at(-1)!);

  beforeAll(async () => {
    process.env.MEMFABRIC_EMBEDDER = 'hash';
    delete process.env.MEMFABRIC_MASTER_KEY;
    const { masterKey } = resolveDataDir(dataDir, {}, { create: true });
    const { EmbeddedFabric } = await import('@memfabric/embedded');
    const fabric = await EmbeddedFabric.open({ dataDir, masterKey, embedder: new HashEmbedder({ dimensions: 32 }) });
    try {
      const [a] = await fabric.log.append([asserted('acme', 'prefs', 'Maya is vegetarian'), interaction('acme', 's1', 'Maya met Leo in Porto')]);
      memoryId = a!.id;
      const [c] = await fabric.log.append([corrected('acme', 'prefs', memoryId, 'Maya is vegan')]);
      await fabric.log.append([retracted('acme', 'prefs', c!.id), interaction('acme', 's2', 'Leo likes tea', { actor: 'leo' })]);
    } finally {
      await fabric.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('history prints versions with diffs; the read is listed by audit reads', async () => {
    const human = await memfabric('history', memoryId, '--tenant', 'acme', '--caller', 'auditor:ann');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/v2 .*memory\.corrected \(corrected\).*"Maya is vegan"/);
    expect(human.stdout).toContain('text: "Maya is vegetarian" -> "Maya is vegan"');
    const json = await memfabric('--json', 'history', memoryId, '--tenant', 'acme');
    expect((last(json.stdout) as { versions: { status: string }[] }).versions.map((v) => v.status)).toEqual(['active', 'active', 'retracted']);

    const reads = await memfabric('--json', 'audit', 'reads', '--tenant', 'acme');
    const rows = (last(reads.stdout) as { reads: { caller: string; preset: string; unitIds: string[] }[] }).reads;
    expect(rows.filter((r) => r.preset === 'audit:history').map((r) => r.caller)).toEqual(['auditor:ann', expect.stringMatching(/^cli/) as unknown]);
    expect(rows[0]!.unitIds).toContain(memoryId);
    const later = await memfabric('--json', 'audit', 'reads', '--tenant', 'acme', '--since', '2200-01-01T00:00:00Z');
    expect((last(later.stdout) as { reads: unknown[] }).reads).toEqual([]);
  });

  it('state at a position and by time, one stream', async () => {
    const at1 = last((await memfabric('--json', 'state', '--tenant', 'acme', '--position', '1')).stdout) as { units: { text: string }[]; position: number };
    expect(at1.position).toBe(1);
    expect(at1.units.map((u) => u.text)).toEqual(['Maya is vegetarian', 'Maya met Leo in Porto']);
    const now = last((await memfabric('--json', 'state', '--tenant', 'acme', '--at', new Date(Date.now() + 60_000).toISOString(), '--stream', 's2')).stdout) as { units: { text: string }[] };
    expect(now.units.map((u) => u.text)).toEqual(['Leo likes tea']);
    const both = await memfabric('state', '--tenant', 'acme', '--position', '1', '--at', '2024-01-01T00:00:00Z');
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/exactly one of --position and --at/);
  });

  it('export verifies with the public key; a one-byte edit fails naming the event; a removed event is named missing', async () => {
    const out = path.join(dir, 'bundle');
    const exported = await memfabric('--json', 'export', '--tenant', 'acme', '--out', out);
    expect(exported.code).toBe(0);
    expect(last(exported.stdout)).toMatchObject({ tenantId: 'acme', events: 5 });
    const pub = path.join(dataDir, 'audit-signing.pub');
    const ok = await memfabric('--json', 'verify-export', out, '--public-key', pub);
    expect(ok.code).toBe(0);
    expect(last(ok.stdout)).toMatchObject({ valid: true, events: 5, publicKeySource: 'pinned' });

    const events = path.join(out, 'events.jsonl');
    const original = readFileSync(events, 'utf8');
    const lines = original.trimEnd().split('\n');
    const victim = (JSON.parse(lines[2]!) as { record: { id: string } }).record.id;
    const at = lines[2]!.indexOf('"ciphertext":"') + 20;
    lines[2] = lines[2]!.slice(0, at) + (lines[2]![at] === 'x' ? 'y' : 'x') + lines[2]!.slice(at + 1);
    writeFileSync(events, `${lines.join('\n')}\n`);
    const edited = await memfabric('verify-export', out, '--public-key', pub);
    expect(edited.code).toBe(1);
    expect(edited.stderr.trim().split('\n')).toHaveLength(1);
    expect(edited.stderr).toContain(`altered event at prefs#2 (event ${victim})`);

    const removed = original.trimEnd().split('\n');
    const gone = JSON.parse(removed[1]!) as { record: { streamid: string; streamposition: number }; hash: string };
    writeFileSync(events, `${removed.filter((_, i) => i !== 1).join('\n')}\n`);
    const missing = await memfabric('verify-export', out, '--public-key', pub);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`missing event at ${gone.record.streamid}#${gone.record.streamposition}`);
    expect(missing.stderr).toContain(gone.hash);
  });

  it('audit checkpoint signs the heads and audit verify passes on an untouched store', async () => {
    const cp = await memfabric('--json', 'audit', 'checkpoint');
    expect((last(cp.stdout) as { checkpoints: { tenantId: string }[] }).checkpoints.map((c) => c.tenantId)).toEqual(['acme']);
    const verify = await memfabric('--json', 'audit', 'verify');
    expect(verify.code).toBe(0);
    expect(last(verify.stdout)).toMatchObject({ valid: true, checkpoints: 2 });
  });

  it('signs with MEMFABRIC_AUDIT_SIGNING_KEY_FILE when set, as the server does; an unusable file fails in one line naming it', async () => {
    const keyFile = path.join(dir, 'provisioned.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o400 });
    const garbage = path.join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a key');
    try {
      process.env.MEMFABRIC_AUDIT_SIGNING_KEY_FILE = garbage;
      const bad = await memfabric('--json', 'audit', 'checkpoint', '--tenant', 'acme');
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toContain(`${garbage}: not a PEM private key`);
      process.env.MEMFABRIC_AUDIT_SIGNING_KEY_FILE = keyFile;
      const cp = await memfabric('--json', 'audit', 'checkpoint', '--tenant', 'acme');
      expect(cp.code).toBe(0);
      expect((last(cp.stdout) as { checkpoints: { keyId: string }[] }).checkpoints.map((c) => c.keyId)).toEqual([signerFromKeyFile(keyFile).keyId]);
    } finally {
      delete process.env.MEMFABRIC_AUDIT_SIGNING_KEY_FILE;
    }
  });
});
