import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, ApiKeyStore } from '@memfabric/auth';
import { apiKeyStoreContract, sampleApiKeyRecord } from '@memfabric/auth/testing';
import { MemfabricError } from '@memfabric/errors';
import { FileApiKeyStore } from './file.api-key-store.js';

const root = mkdtempSync(path.join(tmpdir(), 'memfabric-keyfile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** Replaces the file the way a Secret update does: a new file swapped in (new inode). */
function replaceFile(file: string, content: unknown): void {
  const next = `${file}.${++n}.tmp`;
  writeFileSync(next, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  renameSync(next, file);
}

function newKeyFile(keys: readonly ApiKeyRecord[] = []): string {
  const file = path.join(root, `keys-${++n}.json`);
  replaceFile(file, { keys });
  return file;
}

/** Edits the mounted file from outside, as an operator updating the Secret would. */
function fileWriter(file: string): Pick<ApiKeyStore, 'add' | 'revoke'> {
  const read = () => (JSON.parse(readFileSync(file, 'utf8')) as { keys: ApiKeyRecord[] }).keys;
  return {
    add: (record) => {
      replaceFile(file, { keys: [...read(), record] });
      return Promise.resolve();
    },
    revoke: (id, at) => {
      const keys = read();
      replaceFile(file, { keys: keys.map((k) => (k.id === id && k.revokedAt === undefined ? { ...k, revokedAt: at } : k)) });
      return Promise.resolve(keys.some((k) => k.id === id));
    },
  };
}

apiKeyStoreContract(
  'file',
  () => {
    const file = newKeyFile();
    return Promise.resolve({ store: FileApiKeyStore.open(file), writer: fileWriter(file), peer: FileApiKeyStore.open(file), teardown: () => Promise.resolve() });
  },
  { readOnly: true },
);

function configurationError(fn: () => unknown): MemfabricError {
  try {
    fn();
  } catch (error) {
    if (MemfabricError.is(error) && error.code === 'configuration_invalid') return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('FileApiKeyStore', () => {
  it('reports every problem of an invalid file at once, naming the file', () => {
    const good = sampleApiKeyRecord();
    const file = newKeyFile();
    replaceFile(file, {
      keys: [
        good,
        { ...sampleApiKeyRecord(), secretHash: 'nope', scopes: ['memory:read', 'memory:delete'] },
        { ...good, label: 'x'.repeat(257) },
        { ...sampleApiKeyRecord(), secret_hash: 'ab'.repeat(32) },
      ],
    });
    const error = configurationError(() => FileApiKeyStore.open(file));
    expect(error.message.split('\n')).toEqual([
      `invalid API key file ${file}:`,
      '  keys[1].secretHash: must be the lowercase hex SHA-256 of the secret (64 characters)',
      '  keys[1].scopes[1]: must be one of memory:write, memory:read, audit:read, audit:admin',
      '  keys[2].label: must be at most 256 characters',
      expect.stringMatching(/^ {2}keys\[3\]: .*secret_hash/),
      `  keys[2].id: duplicate id ${good.id}`,
    ]);
  });

  it('refuses a missing file, text that is not JSON and a file without "keys"', () => {
    expect(configurationError(() => FileApiKeyStore.open(path.join(root, 'absent.json'))).message).toMatch(/cannot read the API key file .*absent\.json/);
    const file = newKeyFile();
    replaceFile(file, '{"keys": [');
    expect(configurationError(() => FileApiKeyStore.open(file)).message).toMatch(new RegExp(`invalid API key file .*${path.basename(file)}: not JSON`));
    replaceFile(file, { key: [] });
    expect(configurationError(() => FileApiKeyStore.open(file)).message).toMatch(/keys: .*\n.*key/);
  });

  it('fails closed when the file becomes invalid, and recovers once it is fixed', async () => {
    const record = sampleApiKeyRecord();
    const file = newKeyFile([record]);
    const store = FileApiKeyStore.open(file);
    expect(await store.get(record.id)).toEqual(record);
    replaceFile(file, { keys: [{ ...record, tenants: [] }] });
    await expect(store.get(record.id)).rejects.toThrow(/tenants: must name at least one tenant/);
    replaceFile(file, { keys: [{ ...record, revokedAt: '2025-06-01T00:00:00Z' }] });
    expect((await store.get(record.id))?.revokedAt).toBe('2025-06-01T00:00:00Z');
  });

  it('says the file is read-only and where keys are managed', async () => {
    const store = FileApiKeyStore.open(newKeyFile());
    await expect(store.add(sampleApiKeyRecord())).rejects.toThrow(/is read-only \(MEMFABRIC_API_KEYS_FILE\): add or revoke keys in the secret/);
  });
});
