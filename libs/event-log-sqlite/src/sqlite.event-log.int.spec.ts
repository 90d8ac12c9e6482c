import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { eventLogContract, interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { newKeyMaterial } from '@memfabric/crypto';
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
});
