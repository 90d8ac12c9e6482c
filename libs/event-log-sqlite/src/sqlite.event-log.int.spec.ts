import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { eventLogContract, interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { newKeyMaterial } from '@memfabric/crypto';
import { loadOrCreateMasterKey } from './master-key.js';
import { JOURNAL_SIZE_LIMIT_BYTES } from './private-files.js';
import { SqliteEventLog } from './sqlite.event-log.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'memfabric-log-'));
}

eventLogContract('embedded SQLite', () => {
  const dir = tempDir();
  const log = SqliteEventLog.open({ path: path.join(dir, 'log.db'), masterKey: newKeyMaterial(), pollIntervalMs: 20 });
  return Promise.resolve({
    log,
    vault: log.vault,
    teardown: async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

// The same contract with every append sealed on a worker thread (the path of large batches).
eventLogContract('embedded SQLite, sealed on workers', async () => {
  const dir = tempDir();
  const log = SqliteEventLog.open({ path: path.join(dir, 'log.db'), masterKey: newKeyMaterial(), pollIntervalMs: 20, sealWorkers: 1, sealPoolMinBatch: 1 });
  await log.startSealWorkers();
  return {
    log,
    vault: log.vault,
    teardown: async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('embedded SQLite log, large appends sealed on workers', () => {
  const dirs: string[] = [];
  const logs: SqliteEventLog[] = [];
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function open(sealWorkers: number) {
    const dir = tempDir();
    dirs.push(dir);
    const clock = () => new Date('2024-02-01T10:00:00.000Z');
    const log = SqliteEventLog.open({ path: path.join(dir, 'log.db'), masterKey: newKeyMaterial(), clock, sealWorkers, sealPoolMinBatch: 8 });
    logs.push(log);
    await log.startSealWorkers();
    return log;
  }

  const batchOf = (tenant: string, n: number, from = 0) =>
    Array.from({ length: n }, (_, i) =>
      interaction(tenant, `s${(from + i) % 6}`, `turn ${from + i}`, {
        idempotencykey: `k${from + i}`,
        id: `0190a000-0000-7000-8000-${String(from + i).padStart(12, '0')}`,
        batchid: 'b',
      }),
    );

  it('stores, numbers and chains a batch as the inline path does, duplicates included', async () => {
    const tenant = uniqueTenant();
    const inline = await open(0);
    const pooled = await open(2);
    // a stored batch, then one that repeats part of it, repeats itself, and adds new events
    const first = batchOf(tenant, 40);
    const second = [...batchOf(tenant, 30, 25), ...batchOf(tenant, 5, 60), ...batchOf(tenant, 5, 60)];
    const results = [];
    for (const log of [inline, pooled]) results.push([await log.append(first), await log.append(second)]);
    expect(results[1]).toEqual(results[0]);
    expect(results[1]![1]!.filter((r) => r.duplicate)).toHaveLength(20);
    const strip = (events: readonly { hash: string; prevhash: string }[]) => events.map(({ hash: _h, prevhash: _p, ...rest }) => rest);
    const [a, b] = [await inline.readAll({ limit: 1000 }), await pooled.readAll({ limit: 1000 })];
    expect(strip(b.events)).toEqual(strip(a.events));
    expect(await pooled.verify()).toMatchObject({ valid: true, events: 60 });
  });

  it('rejects a batch with an unrepresentable value or a conflicting key and writes none of it', async () => {
    const tenant = uniqueTenant();
    const log = await open(2);
    await log.append(batchOf(tenant, 10));
    const bad = batchOf(tenant, 20, 10);
    bad[15] = { ...bad[15]!, subject: '\uD800' };
    await expect(log.append(bad)).rejects.toThrow(TypeError);
    const conflicting = batchOf(tenant, 20, 10);
    conflicting[12] = interaction(tenant, 's0', 'a different turn', { idempotencykey: 'k3' });
    await expect(log.append(conflicting)).rejects.toMatchObject({ code: 'idempotency_conflict' });
    expect(await log.end()).toEqual({ 0: 10 });
  });

  it('creates no content key for a subject whose events in the batch are all duplicates', async () => {
    const tenant = uniqueTenant();
    const log = await open(2);
    const batch = batchOf(tenant, 10);
    await log.append(batch);
    await log.vault.destroy(tenant, 'caroline');
    expect((await log.append(batch)).every((r) => r.duplicate)).toBe(true);
    expect(log.vault.subjectKeysSync(tenant, 'caroline')).toEqual({ total: 1, live: 0 });
    await log.append(batchOf(tenant, 10, 10));
    expect(log.vault.subjectKeysSync(tenant, 'caroline')).toEqual({ total: 2, live: 1 });
    expect(await log.verify({ tenantid: tenant })).toMatchObject({ valid: true, events: 20 });
  });
});

describe('embedded SQLite log storage', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function withLog() {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'log.db');
    const masterKey = newKeyMaterial();
    const log = SqliteEventLog.open({ path: file, masterKey });
    const tenant = uniqueTenant();
    await log.append([interaction(tenant, 's', 'Caroline went to the LGBTQ support group'), interaction(tenant, 's', 'second')]);
    return { file, masterKey, log, tenant };
  }

  it('refuses UPDATE and DELETE of events in the database itself', async () => {
    const { file, log } = await withLog();
    await log.close();
    const db = new Database(file);
    expect(() => db.prepare("UPDATE events SET actor = 'mallory'").run()).toThrow(/events are immutable/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/events are immutable/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 2 });
    db.close();
  });

  it('stores content encrypted: the plaintext never reaches the file', async () => {
    const { file, log } = await withLog();
    await log.close();
    const db = new Database(file);
    const records = db.prepare<[], { record: string }>('SELECT record FROM events').all().map((r) => r.record).join('\n');
    db.close();
    expect(records).not.toContain('LGBTQ');
    expect(records).toContain('"alg":"A256GCM"');
  });

  it('detects a record edited behind the triggers and names the event', async () => {
    const { file, masterKey, log, tenant } = await withLog();
    const [, second] = await log.readStream(tenant, 's');
    await log.close();
    const db = new Database(file);
    db.exec('DROP TRIGGER events_no_update');
    db.prepare("UPDATE events SET record = replace(record, '\"actor\":\"caroline\"', '\"actor\":\"mallory\"') WHERE id = ?").run(second!.id);
    db.close();
    const reopened = SqliteEventLog.open({ path: file, masterKey });
    const report = await reopened.verify();
    await reopened.close();
    expect(report.valid).toBe(false);
    expect(report.firstBroken).toMatchObject({ id: second!.id, streamposition: 2, reason: expect.stringMatching(/record altered/) });
  });

  it('persists across reopen with the same master key and refuses a wrong-size key', async () => {
    const { file, masterKey, log, tenant } = await withLog();
    await log.close();
    const reopened = SqliteEventLog.open({ path: file, masterKey });
    expect((await reopened.readStream(tenant, 's')).map((e) => e.data?.content)).toEqual([
      'Caroline went to the LGBTQ support group',
      'second',
    ]);
    await reopened.close();
    expect(() => SqliteEventLog.open({ path: file, masterKey: new Uint8Array(16) })).toThrow(/32 bytes/);
  });

  const mode = (file: string) => statSync(file).mode & 0o777;

  it('creates the database, its -wal and -shm files 0600 and a new directory 0700; narrows wider modes on open', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'nested', 'log.db');
    const log = SqliteEventLog.open({ path: file, masterKey: newKeyMaterial() });
    await log.append([interaction(uniqueTenant(), 's', 'hello')]);
    expect(mode(path.dirname(file))).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f)).toBe(0o600);
    await log.close();
    chmodSync(file, 0o644);
    const reopened = SqliteEventLog.open({ path: file, masterKey: newKeyMaterial() });
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f)).toBe(0o600);
    await reopened.close();
  });

  it('runs with secure_delete and a journal size limit; truncateWal empties the WAL', async () => {
    const { file, log, tenant } = await withLog();
    expect(log.db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(log.db.pragma('journal_size_limit', { simple: true })).toBe(JOURNAL_SIZE_LIMIT_BYTES);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    expect(log.truncateWal()).toMatchObject({ busy: false });
    expect(statSync(`${file}-wal`).size).toBe(0);
    expect(log.vault.subjectKeysSync(tenant, 'caroline')).toEqual({ total: 1, live: 1 });
    expect(await log.vault.destroy(tenant, 'caroline')).toBe(1);
    expect(log.vault.subjectKeysSync(tenant, 'caroline')).toEqual({ total: 1, live: 0 });
    expect(log.vault.subjectKeysSync(tenant, 'nobody')).toEqual({ total: 0, live: 0 });
    await log.close();
  });

  it('creates the master key 0600 and narrows an existing key file to 0600', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'keys', 'master.key');
    const key = loadOrCreateMasterKey(file);
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
    writeFileSync(file, `${Buffer.from(key).toString('base64')}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(Buffer.from(loadOrCreateMasterKey(file))).toEqual(Buffer.from(key));
    expect(mode(file)).toBe(0o600);
  });
});
