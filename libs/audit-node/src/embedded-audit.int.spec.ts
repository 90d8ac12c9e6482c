import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointStoreContract } from '@memfabric/audit/testing';
import { describeExportFailure, EXPORT_FILES } from '@memfabric/audit';
import { EmbeddedFabric } from '@memfabric/embedded';
import { openGraphStore } from '@memfabric/read-models';
import { HashEmbedder } from '@memfabric/embeddings';
import type { NewEvent } from '@memfabric/events';
import { interaction } from '@memfabric/event-log/testing';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { alterStoredRecord, rechainStream } from '@memfabric/event-log-sqlite/testing';
import { asserted, corrected, retracted } from '@memfabric/projections/testing';
import { EmbeddedAudit } from './embedded-audit.js';
import { loadOrCreateSigningKey, NodeEd25519Signer, signerFromKeyFile, SIGNING_KEY_FILES } from './ed25519.js';
import { SqliteCheckpointStore } from './sqlite.audit-store.js';
import { verifyExportDirectory } from './tamper-evidence.js';

const root = mkdtempSync(path.join(tmpdir(), 'memfabric-audit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

checkpointStoreContract('sqlite', () => {
  const log = SqliteEventLog.open({ path: path.join(root, 'contract.db'), masterKey: randomBytes(32) });
  return Promise.resolve({ store: new SqliteCheckpointStore(log.db), teardown: () => log.close() });
});

describe('embedded audit', { timeout: 60_000 }, () => {
  const dataDir = path.join(root, 'data');
  let fabric: EmbeddedFabric;
  let audit: EmbeddedAudit;
  const tenant = 'acme';
  let memoryId = '';
  let correctionId = '';

  beforeAll(async () => {
    fabric = await EmbeddedFabric.open({ dataDir, masterKey: randomBytes(32), embedder: new HashEmbedder({ dimensions: 32 }) });
    audit = EmbeddedAudit.open({ fabric, dataDir });
    const first: NewEvent[] = [
      asserted(tenant, 'prefs', 'Maya is vegetarian', { actor: 'maya' }),
      interaction(tenant, 'session-1', 'Maya flew to Lisbon on Monday', { actor: 'maya' }),
      interaction(tenant, 'session-1', 'Leo met Maya in Porto', { actor: 'leo' }),
      interaction('other', 'session-1', 'another tenant'),
    ];
    const [a] = await fabric.log.append(first);
    memoryId = a!.id;
    const [c] = await fabric.log.append([corrected(tenant, 'prefs', memoryId, 'Maya is vegan', { actor: 'maya' })]);
    correctionId = c!.id;
    await fabric.log.append([retracted(tenant, 'prefs', correctionId, { actor: 'maya' }), interaction(tenant, 'session-2', 'Maya likes tea', { actor: 'maya' })]);
    await fabric.catchUp();
  });
  afterAll(async () => {
    await audit?.close();
    await fabric?.close();
  });

  it('creates the signing key once, private key file mode 0600, public key beside it', () => {
    const file = path.join(dataDir, SIGNING_KEY_FILES.privateKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dataDir, SIGNING_KEY_FILES.publicKey), 'utf8')).toBe(audit.signer.publicKeyPem);
    expect(loadOrCreateSigningKey(dataDir).keyId).toBe(audit.signer.keyId);
  });

  it('signs with a provisioned key file instead of the data directory\'s key when given one', () => {
    const keyFile = path.join(root, 'provisioned.pem');
    const provisioned = NodeEd25519Signer.generate();
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o400 });
    const other = EmbeddedAudit.open({ fabric, dataDir, signingKeyFile: keyFile });
    expect(other.signer.keyId).toBe(signerFromKeyFile(keyFile).keyId);
    expect(other.signer.keyId).not.toBe(audit.signer.keyId);
    expect(EmbeddedAudit.open({ fabric, signer: provisioned, signingKeyFile: keyFile }).signer).toBe(provisioned);
    expect(() => EmbeddedAudit.open({ fabric, signingKeyFile: path.join(root, 'absent.pem') })).toThrow(/absent\.pem: no such file/);
  });

  it('history of a corrected and retracted memory from the log, and the read is audited', async () => {
    const history = await audit.memoryHistory(tenant, memoryId, { caller: 'auditor:ann' });
    expect(history.versions.map((v) => [v.type, v.status, v.text])).toEqual([
      ['memory.asserted', 'active', 'Maya is vegetarian'],
      ['memory.corrected', 'active', 'Maya is vegan'],
      ['memory.retracted', 'retracted', 'Maya is vegan'],
    ]);
    expect(history.versions[1]!.diff).toContainEqual({ field: 'text', before: 'Maya is vegetarian', after: 'Maya is vegan' });
    const reads = await audit.reads(tenant);
    expect(reads.filter((r) => r.preset === 'audit:history')).toEqual([
      expect.objectContaining({ caller: 'auditor:ann', unitIds: [memoryId, correctionId], k: 2, tenantId: tenant }),
    ]);
    await expect(audit.memoryHistory(tenant, '00000000-0000-7000-8000-000000000000')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('state at every position equals the live memory-unit projection read asOf that position', async () => {
    const end = ((await fabric.log.end())[0] ?? 0) - 1;
    for (let p = 0; p <= end; p += 1) {
      const state = await audit.state(tenant, { position: p });
      const live = await fabric.memoryUnits.listUnits(tenant, { asOf: p, limit: 10_000 });
      expect(state.units.map((u) => [u.id, u.status, u.text]), `position ${p}`).toEqual(live.map((u) => [u.id, u.status, u.text]));
    }
    const final = await audit.state(tenant, { position: end });
    expect(final.facts.length).toBeGreaterThan(0);
    expect(final.entities.map((e) => e.name)).toEqual(expect.arrayContaining(['Maya']));
    const stream = await audit.state(tenant, { position: end, streamid: 'session-2' });
    expect(stream.units.map((u) => u.text)).toEqual(['Maya likes tea']);
  });

  it('entity history from the graph projection: facts with valid and transaction times', async () => {
    const [entity] = await openGraphStore(fabric.log.db, fabric.runtime.activeGeneration('graph')!).entitiesByName(tenant, ['Maya']);
    const history = await audit.entityHistory(tenant, entity!.id, { caller: 'auditor:ann' });
    expect(history.entity.name).toBe('Maya');
    for (const e of history.entries) expect(e.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await audit.reads(tenant)).some((r) => r.unitIds[0] === entity!.id && r.preset === 'audit:history')).toBe(true);
  });

  describe('export bundle', () => {
    let dir = '';
    let total = 0;
    let streams = 0;
    beforeAll(async () => {
      total = (await audit.tenantEvents(tenant)).length;
      streams = (await fabric.log.listStreams(tenant)).length;
      dir = path.join(root, 'export');
      const progress: number[] = [];
      const result = await audit.export(tenant, dir, (written) => progress.push(written));
      expect(result.manifest.counts).toMatchObject({ events: total, streams });
      expect(progress.at(-1)).toBe(total);
    });

    function variant(name: string, edit?: (events: string[]) => string[]): string {
      const target = path.join(root, name);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target);
      for (const file of Object.values(EXPORT_FILES)) {
        let text = readFileSync(path.join(dir, file), 'utf8');
        if (file === EXPORT_FILES.events && edit) text = `${edit(text.trimEnd().split('\n')).join('\n')}\n`;
        writeFileSync(path.join(target, file), text);
      }
      return target;
    }

    it('verifies offline with only the public key, pinned or from the manifest', () => {
      const pinned = verifyExportDirectory(dir, audit.signer.publicKeyPem);
      expect(pinned).toMatchObject({ valid: true, tenantid: tenant, events: total, streams, publicKeySource: 'pinned', failures: [] });
      expect(pinned.checkpoints).toBeGreaterThanOrEqual(1);
      expect(verifyExportDirectory(dir).publicKeySource).toBe('manifest');
      const lines = readFileSync(path.join(dir, EXPORT_FILES.events), 'utf8').trimEnd().split('\n');
      // content stays as stored: encrypted, never plain text
      expect(lines.join('\n')).not.toContain('vegetarian');
    });

    it('one byte edited in events.jsonl: verification fails naming that event', () => {
      let victim = { id: '', streamid: '', streamposition: 0 };
      const edited = variant('one-byte', (lines) =>
        lines.map((line, i) => {
          if (i !== 3) return line;
          const parsed = JSON.parse(line) as { record: { id: string; streamid: string; streamposition: number } };
          victim = parsed.record;
          const at = line.indexOf('"ciphertext":"') + '"ciphertext":"'.length + 5;
          return line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
        }),
      );
      const report = verifyExportDirectory(edited, audit.signer.publicKeyPem);
      expect(report.valid).toBe(false);
      expect(report.firstFailure).toMatchObject({ check: 'chain', eventId: victim.id, streamid: victim.streamid, streamposition: victim.streamposition, line: 4 });
      expect(describeExportFailure(report.firstFailure!)).toContain(victim.id);
      expect(report.failures.some((f) => f.check === 'file')).toBe(true);
    });

    it('one event removed: verification names it as missing (stream, position, its hash)', () => {
      let removed = { record: { streamid: '', streamposition: 0 }, hash: '' };
      const edited = variant('removed', (lines) => {
        const index = lines.findIndex((l) => (JSON.parse(l) as { record: { streamid: string; streamposition: number } }).record.streamposition === 1 && l.includes('session-1'));
        removed = JSON.parse(lines[index]!) as typeof removed;
        return lines.filter((_, i) => i !== index);
      });
      const report = verifyExportDirectory(edited, audit.signer.publicKeyPem);
      expect(report.firstFailure).toMatchObject({ check: 'missing', streamid: 'session-1', streamposition: 1 });
      expect(report.firstFailure!.reason).toContain(removed.hash);
    });

    it('an edited manifest or another key fails the signature check', () => {
      const target = variant('manifest');
      const manifest = path.join(target, EXPORT_FILES.manifest);
      writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"tenantid": "acme"', '"tenantid": "acme2"'));
      expect(verifyExportDirectory(target, audit.signer.publicKeyPem).failures[0]).toMatchObject({ check: 'signature' });
      expect(verifyExportDirectory(dir, NodeEd25519Signer.generate().publicKeyPem).failures[0]).toMatchObject({ check: 'signature' });
    });
  });

  describe('live store tamper detection', () => {
    it('an UPDATE that bypasses the triggers is detected and the altered event named; a rewritten chain is caught by the signed checkpoints', async () => {
      await audit.checkpoint();
      expect(await audit.verifyLive()).toMatchObject({ valid: true });
      const alteredId = alterStoredRecord(fabric.log, tenant, 'session-1', 1);
      const report = await audit.verifyLive(tenant);
      expect(report).toMatchObject({ valid: false, firstFailure: { check: 'chain', eventId: alteredId, streamid: 'session-1', streamposition: 1 } });

      // the forger recomputes this hash and every later one of the stream: the chain holds again,
      // but the signed checkpoint no longer matches the head
      const ids = rechainStream(fabric.log, tenant, 'session-1');
      const forged = await audit.verifyLive(tenant);
      expect(forged.chains.valid).toBe(true);
      expect(forged).toMatchObject({ valid: false, firstFailure: { check: 'checkpoint', streamid: 'session-1', eventId: ids.at(-1) } });
    });
  });
});
