import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseApiKey, SCOPES } from '@memfabric/auth';
import { ApiKeyAuthenticator, hashSecret, SqliteApiKeyStore } from '@memfabric/auth-node';
import { lastJson, runCli as memfabric } from './cli-runner.js';



/** Every byte SQLite keeps of the store: the database and its WAL companions. */
function storeBytes(dataDir: string): Buffer {
  const file = path.join(dataDir, 'keys.db');
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

interface Created {
  id: string;
  key: string;
  tenants: string[];
  scopes: string[];
}

describe('memfabric keys', { timeout: 300_000 }, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'memfabric-cli-keys-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates, lists and revokes keys; only the hash is stored, and a running reader sees every change', async () => {
    const dataDir = path.join(root, 'lifecycle');
    const created = await memfabric(dataDir, ['keys', 'create', '--tenant', 'acme', '--tenant', 'globex.eu', '--tenant', 'acme', '--scopes', 'memory:read, memory:write', '--label', 'ingest worker', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const key = lastJson<Created>(created.stdout);
    expect(key).toEqual({ id: expect.stringMatching(/^[a-z0-9]{12}$/), key: expect.stringMatching(/^mfk_/), tenants: ['acme', 'globex.eu'], scopes: ['memory:read', 'memory:write'] });
    const parsed = parseApiKey(key.key);
    expect(parsed?.id).toBe(key.id);

    // the store file: owner-only, holding the secret's hash and never the key or the secret
    const file = path.join(dataDir, 'keys.db');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = storeBytes(dataDir);
    expect(bytes.includes(key.key)).toBe(false);
    expect(bytes.includes(parsed!.secret)).toBe(false);
    expect(bytes.includes(hashSecret(parsed!.secret))).toBe(true);

    // a server holding the store open authenticates the new key on its next request
    const store = SqliteApiKeyStore.open(file);
    const auth = new ApiKeyAuthenticator(store);
    try {
      expect(await auth.authenticate(key.key)).toEqual({ id: `key:${key.id}`, kind: 'api-key', tenants: ['acme', 'globex.eu'], scopes: ['memory:read', 'memory:write'] });

      const human = await memfabric(dataDir, ['keys', 'create', '--tenant', 'initech', '--scopes', 'audit:read']);
      expect(human.code, human.stderr).toBe(0);
      const printed = human.stdout.match(/mfk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/g) ?? [];
      expect(printed).toHaveLength(1);
      expect(human.stdout).toMatch(/cannot be shown again/);
      const secondId = parseApiKey(printed[0]!)!.id;

      const list = await memfabric(dataDir, ['keys', 'list', '--json']);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).not.toContain(hashSecret(parsed!.secret));
      expect(lastJson<{ keys: unknown[] }>(list.stdout).keys).toEqual([
        { id: key.id, tenants: ['acme', 'globex.eu'], scopes: ['memory:read', 'memory:write'], label: 'ingest worker', createdAt: expect.any(String), revokedAt: null },
        { id: secondId, tenants: ['initech'], scopes: ['audit:read'], label: null, createdAt: expect.any(String), revokedAt: null },
      ]);
      const table = await memfabric(dataDir, ['keys', 'list']);
      expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+TENANTS\s+SCOPES\s+LABEL\s+CREATED\s+REVOKED$/);
      expect(table.stdout).toContain(`${key.id}  acme,globex.eu  memory:read,memory:write  ingest worker`);
      expect(table.stdout).not.toMatch(/[0-9a-f]{64}/);

      const revoked = await memfabric(dataDir, ['keys', 'revoke', key.id, '--json']);
      expect(revoked.code, revoked.stderr).toBe(0);
      const revocation = lastJson<{ id: string; revokedAt: string; alreadyRevoked: boolean }>(revoked.stdout);
      expect(revocation).toEqual({ id: key.id, revokedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), alreadyRevoked: false });
      await expect(auth.authenticate(key.key)).rejects.toThrow('unknown or revoked API key');

      const again = await memfabric(dataDir, ['keys', 'revoke', key.id]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`API key ${key.id} was already revoked at ${revocation.revokedAt}`);
      const after = lastJson<{ keys: { id: string; revokedAt: string | null }[] }>((await memfabric(dataDir, ['keys', 'list', '--json'])).stdout);
      expect(after.keys.map((k) => [k.id, k.revokedAt])).toEqual([
        [key.id, revocation.revokedAt],
        [secondId, null],
      ]);
    } finally {
      await store.close();
    }
  });

  it('refuses bad input with exit 1 and one readable line, storing nothing', async () => {
    const dataDir = path.join(root, 'errors');
    const unknownScope = await memfabric(dataDir, ['keys', 'create', '--tenant', 'acme', '--scopes', 'memory:read,memory:delete']);
    expect(unknownScope.code).toBe(1);
    expect(unknownScope.stderr).toBe(`memfabric: unknown scope "memory:delete" in --scopes: allowed scopes are ${SCOPES.join(', ')}\n`);

    const noTenant = await memfabric(dataDir, ['keys', 'create', '--scopes', 'memory:read']);
    expect(noTenant.code).toBe(1);
    expect(noTenant.stderr).toBe('memfabric: at least one --tenant is required\n');

    const badTenant = await memfabric(dataDir, ['keys', 'create', '--tenant', 'acme', '--tenant', '-bad tenant', '--scopes', 'memory:read']);
    expect(badTenant.code).toBe(1);
    expect(badTenant.stderr).toMatch(/^memfabric: invalid --tenant "-bad tenant": a tenant id is 1-64 letters/);

    const unknownId = await memfabric(dataDir, ['keys', 'revoke', 'zzzzzzzzzzzz']);
    expect(unknownId.code).toBe(1);
    expect(unknownId.stderr).toBe('memfabric: no API key zzzzzzzzzzzz\n');

    const list = await memfabric(dataDir, ['keys', 'list', '--json']);
    expect(lastJson(list.stdout)).toEqual({ keys: [] });
    expect((await memfabric(dataDir, ['keys', 'list'])).stdout).toMatch(/^no API keys/);
  });

  it('lists the keys of a mounted key file and refuses to change them', async () => {
    const dataDir = path.join(root, 'mounted');
    const keysFile = path.join(root, 'mounted-keys.json');
    const record = { id: 'abcdefghijkl', secretHash: 'ab'.repeat(32), tenants: ['acme'], scopes: ['memory:read'], createdAt: '2025-01-01T00:00:00.000Z' };
    writeFileSync(keysFile, JSON.stringify({ keys: [record] }));
    const env = { MEMFABRIC_API_KEYS_FILE: keysFile };
    const list = await memfabric(dataDir, ['keys', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(lastJson<{ keys: { id: string }[] }>(list.stdout).keys.map((k) => k.id)).toEqual(['abcdefghijkl']);
    const create = await memfabric(dataDir, ['keys', 'create', '--tenant', 'acme', '--scopes', 'memory:read'], env);
    expect(create.code).toBe(1);
    expect(create.stderr).toMatch(/is read-only \(MEMFABRIC_API_KEYS_FILE\)/);
    expect(existsSync(path.join(dataDir, 'keys.db'))).toBe(false);
  });
});
