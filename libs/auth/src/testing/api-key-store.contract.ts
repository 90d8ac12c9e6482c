import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import type { ApiKeyRecord, ApiKeyStore } from '../api-key.js';

/** What an adapter's test provides to {@link apiKeyStoreContract}, fresh (empty) for every test. */
export interface ApiKeyStoreFixture {
  /** The store under test. */
  readonly store: ApiKeyStore;
  /**
   * Writes the store's storage from outside (for a read-only store: rewrites the mounted file).
   * Required with `readOnly`; the suite then adds and revokes through it and reads through `store`.
   */
  readonly writer?: Pick<ApiKeyStore, 'add' | 'revoke'>;
  /**
   * A second handle on the same storage, as another process holds it (the CLI writing while a
   * server reads). When given, the suite checks that writes through `store` are seen by `peer`
   * on its next read, with no reopening.
   */
  readonly peer?: ApiKeyStore;
  /** Releases everything the fixture created (the suite closes `store` and `peer` first). */
  teardown(): Promise<void>;
}

/** Options of {@link apiKeyStoreContract}. */
export interface ApiKeyStoreContractOptions {
  /**
   * The store refuses writes (a mounted secret file): `add` and `revoke` must throw
   * ConfigurationError, and the write-semantics tests run against the fixture's `writer`.
   */
  readonly readOnly?: boolean;
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
}

let sequence = 0;

/**
 * A valid {@link ApiKeyRecord} with a fresh 12-character id; `overrides` replace fields.
 * The secret hash is a fixed 64-hex value (the stores never check it against anything).
 */
export function sampleApiKeyRecord(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  sequence += 1;
  return {
    id: `k${String(sequence).padStart(11, '0')}`,
    secretHash: 'ab'.repeat(32),
    tenants: ['acme'],
    scopes: ['memory:read', 'memory:write'],
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function codeOf(error: unknown): string | undefined {
  return MemfabricError.is(error) ? error.code : undefined;
}

/**
 * The one suite every {@link ApiKeyStore} adapter passes: get / list order / hasAny (revoked
 * keys count) / duplicate ids refused with ValidationError / revoke of an unknown id answers
 * false / revoke is idempotent and keeps the first revocation time; read-only stores refuse
 * writes with ConfigurationError; a peer handle sees writes on its next read.
 *
 * @param makeFixture - called before every test; must return an empty store.
 */
export function apiKeyStoreContract(
  adapter: string,
  makeFixture: () => Promise<ApiKeyStoreFixture>,
  options: ApiKeyStoreContractOptions = {},
): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${adapter}] API key store contract skipped: ${options.skipReason}`);
  const readOnly = options.readOnly === true;

  suite(`ApiKeyStore contract: ${adapter}`, () => {
    let fixture: ApiKeyStoreFixture;
    let store: ApiKeyStore;
    let writer: Pick<ApiKeyStore, 'add' | 'revoke'>;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = fixture.store;
      if (readOnly && fixture.writer === undefined) throw new Error(`[${adapter}] a read-only store's fixture must provide a writer`);
      writer = fixture.writer ?? store;
    });
    afterEach(async () => {
      await fixture.peer?.close();
      await store.close();
      await fixture.teardown();
    });

    it('starts empty: no record, an empty list, hasAny false', async () => {
      expect(await store.get('k00000000000')).toBeUndefined();
      expect(await store.list()).toEqual([]);
      expect(await store.hasAny()).toBe(false);
    });

    it('returns an added record as it was given, with and without a label', async () => {
      const labelled = sampleApiKeyRecord({ label: 'ingest worker', tenants: ['t-2', 'acme.eu'], scopes: ['audit:read', 'memory:read'] });
      const plain = sampleApiKeyRecord();
      await writer.add(labelled);
      await writer.add(plain);
      expect(await store.get(labelled.id)).toEqual(labelled);
      const got = await store.get(plain.id);
      expect(got).toEqual(plain);
      expect(got?.label).toBeUndefined();
      expect(got?.revokedAt).toBeUndefined();
      expect(await store.get('k99999999999')).toBeUndefined();
    });

    it('lists oldest first, insertion order among equal creation times', async () => {
      const late = sampleApiKeyRecord({ createdAt: '2025-03-01T00:00:00.000Z' });
      const early = sampleApiKeyRecord({ createdAt: '2025-01-01T00:00:00.000Z' });
      const sameA = sampleApiKeyRecord({ createdAt: '2025-02-01T00:00:00.000Z' });
      const sameB = sampleApiKeyRecord({ createdAt: '2025-02-01T00:00:00.000Z' });
      for (const record of [late, early, sameA, sameB]) await writer.add(record);
      expect((await store.list()).map((r) => r.id)).toEqual([early.id, sameA.id, sameB.id, late.id]);
    });

    it('counts revoked keys in hasAny: a server with keys stays closed after every key is revoked', async () => {
      const record = sampleApiKeyRecord();
      await writer.add(record);
      expect(await store.hasAny()).toBe(true);
      await writer.revoke(record.id, '2025-06-01T00:00:00.000Z');
      expect(await store.hasAny()).toBe(true);
      expect((await store.list()).map((r) => r.id)).toEqual([record.id]);
    });

    it('revokes: the record is kept with its revocation time', async () => {
      const record = sampleApiKeyRecord();
      const other = sampleApiKeyRecord();
      await writer.add(record);
      await writer.add(other);
      await writer.revoke(record.id, '2025-06-01T00:00:00.000Z');
      expect(await store.get(record.id)).toEqual({ ...record, revokedAt: '2025-06-01T00:00:00.000Z' });
      expect((await store.get(other.id))?.revokedAt).toBeUndefined();
      expect((await store.list()).find((r) => r.id === record.id)?.revokedAt).toBe('2025-06-01T00:00:00.000Z');
    });

    it.skipIf(readOnly)('answers false when revoking an unknown id, and changes nothing', async () => {
      expect(await store.revoke('k99999999999', '2025-06-01T00:00:00.000Z')).toBe(false);
      expect(await store.hasAny()).toBe(false);
      expect(await store.list()).toEqual([]);
    });

    it.skipIf(readOnly)('revokes idempotently: true again, the first revocation time kept', async () => {
      const record = sampleApiKeyRecord();
      await store.add(record);
      expect(await store.revoke(record.id, '2025-06-01T00:00:00.000Z')).toBe(true);
      expect(await store.revoke(record.id, '2025-07-01T00:00:00.000Z')).toBe(true);
      expect((await store.get(record.id))?.revokedAt).toBe('2025-06-01T00:00:00.000Z');
    });

    it.skipIf(readOnly)('refuses a duplicate id with ValidationError and keeps the original', async () => {
      const record = sampleApiKeyRecord({ label: 'original' });
      await store.add(record);
      const error = await store.add({ ...record, label: 'impostor', secretHash: 'cd'.repeat(32) }).catch((e: unknown) => e);
      expect(codeOf(error)).toBe('validation_failed');
      expect(await store.get(record.id)).toEqual(record);
      expect(await store.list()).toHaveLength(1);
    });

    it.runIf(readOnly)('refuses add and revoke with ConfigurationError', async () => {
      const record = sampleApiKeyRecord();
      await writer.add(record);
      expect(codeOf(await store.add(sampleApiKeyRecord()).catch((e: unknown) => e))).toBe('configuration_invalid');
      expect(codeOf(await store.revoke(record.id, '2025-06-01T00:00:00.000Z').catch((e: unknown) => e))).toBe('configuration_invalid');
      expect((await store.get(record.id))?.revokedAt).toBeUndefined();
    });

    it('lets a peer handle see additions and revocations on its next read', async (context) => {
      const peer = fixture.peer;
      if (peer === undefined) {
        context.skip();
        return;
      }
      expect(await peer.hasAny()).toBe(false);
      const record = sampleApiKeyRecord();
      await writer.add(record);
      expect(await peer.hasAny()).toBe(true);
      expect(await peer.get(record.id)).toEqual(record);
      await writer.revoke(record.id, '2025-06-01T00:00:00.000Z');
      expect((await peer.get(record.id))?.revokedAt).toBe('2025-06-01T00:00:00.000Z');
      expect((await peer.list()).map((r) => r.revokedAt)).toEqual(['2025-06-01T00:00:00.000Z']);
    });
  });
}
