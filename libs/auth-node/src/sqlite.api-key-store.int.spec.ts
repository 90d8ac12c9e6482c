import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiKeyStoreContract, sampleApiKeyRecord } from '@memfabric/auth/testing';
import { MemfabricError } from '@memfabric/errors';
import { SqliteApiKeyStore } from './sqlite.api-key-store.js';

const root = mkdtempSync(path.join(tmpdir(), 'memfabric-keys-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshFile = () => path.join(root, `t${++n}`, 'keys.db');

apiKeyStoreContract('sqlite', () => {
  const file = freshFile();
  return Promise.resolve({ store: SqliteApiKeyStore.open(file), peer: SqliteApiKeyStore.open(file), teardown: () => Promise.resolve() });
});

describe('SqliteApiKeyStore', () => {
  it('creates the file and its WAL companions readable by the owner only', async () => {
    const file = freshFile();
    const store = SqliteApiKeyStore.open(file);
    await store.add(sampleApiKeyRecord());
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(f).mode & 0o777, f).toBe(0o600);
    await store.close();
  });

  it('tightens an existing file to mode 0600', async () => {
    const file = freshFile();
    await SqliteApiKeyStore.open(file).close();
    chmodSync(file, 0o644);
    const store = SqliteApiKeyStore.open(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('keeps records across reopening', async () => {
    const file = freshFile();
    const record = sampleApiKeyRecord({ label: 'kept' });
    const first = SqliteApiKeyStore.open(file);
    await first.add(record);
    await first.close();
    const second = SqliteApiKeyStore.open(file);
    expect(await second.get(record.id)).toEqual(record);
    await second.close();
  });

  it('refuses a malformed record naming every bad field', async () => {
    const store = SqliteApiKeyStore.open(freshFile());
    const error = await store.add({ ...sampleApiKeyRecord(), id: 'UPPER', secretHash: 'xyz', scopes: ['memory:delete' as never] }).catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
    const pointers = (error as { problems: { pointer: string }[] }).problems.map((p) => p.pointer).sort();
    expect(pointers).toEqual(['/id', '/scopes/0', '/secretHash']);
    expect(await store.hasAny()).toBe(false);
    await store.close();
  });

  it('refuses a file that is not a database with ConfigurationError naming it', () => {
    const file = freshFile();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'this is not a database, just long enough text to fill a sqlite header page........');
    expect(() => SqliteApiKeyStore.open(file)).toThrow(new RegExp(`cannot open the API key store ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(readFileSync(file, 'utf8')).toMatch(/^this is not a database/);
  });
});
