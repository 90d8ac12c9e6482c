import { describe, expect, it } from 'vitest';
import { formatApiKey, resolvePrincipal, SCOPES, type ApiKeyRecord } from '@memfabric/auth';
import { InMemoryApiKeyStore, sampleApiKeyRecord } from '@memfabric/auth/testing';
import { MemfabricError } from '@memfabric/errors';
import { ADMIN_PRINCIPAL, AdminTokenAuthenticator } from './admin-token.authenticator.js';
import { UNKNOWN_OR_REVOKED, ApiKeyAuthenticator } from './api-key.authenticator.js';
import { generateApiKey, hashSecret } from './api-key.crypto.js';
import { loadAuthConfig } from './auth.config.js';
import { createAuthenticator } from './chained.authenticator.js';
import { Secret } from './secret.js';

const TOKEN = 'admin-token-0123456789abcdef';

async function refusal(promise: Promise<unknown>): Promise<MemfabricError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MemfabricError.is(error)) throw new Error(`expected a memfabric error, got ${String(error)}`);
  return error;
}

/** A store holding one live and one revoked key; returns both presentable keys. */
async function storeWithKeys(): Promise<{ store: InMemoryApiKeyStore; live: string; revoked: string; liveRecord: ApiKeyRecord }> {
  const store = new InMemoryApiKeyStore();
  const live = generateApiKey();
  const revoked = generateApiKey();
  const liveRecord = sampleApiKeyRecord({ id: live.id, secretHash: hashSecret(live.secret), tenants: ['acme'], scopes: ['memory:read'] });
  await store.add(liveRecord);
  await store.add(sampleApiKeyRecord({ id: revoked.id, secretHash: hashSecret(revoked.secret) }));
  await store.revoke(revoked.id, '2025-06-01T00:00:00.000Z');
  return { store, live: live.key, revoked: revoked.key, liveRecord };
}

describe('AdminTokenAuthenticator', () => {
  const admin = new AdminTokenAuthenticator(new Secret(TOKEN));

  it('authenticates the exact token as the admin principal with every scope and tenant', async () => {
    expect(await admin.authenticate(TOKEN)).toEqual({ id: 'admin', kind: 'admin-token', tenants: '*', scopes: [...SCOPES] });
    expect(admin.matches(TOKEN)).toBe(true);
    expect(await admin.required()).toBe(true);
  });

  it('refuses anything else, including prefixes and extensions of the token', async () => {
    for (const other of ['', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()]) {
      expect(admin.matches(other)).toBe(false);
      expect((await refusal(admin.authenticate(other))).code).toBe('unauthenticated');
    }
  });
});

describe('ApiKeyAuthenticator', () => {
  it('authenticates a live key as key:<id> with its tenants and scopes', async () => {
    const { store, live, liveRecord } = await storeWithKeys();
    const auth = new ApiKeyAuthenticator(store);
    expect(await auth.authenticate(live)).toEqual({ id: `key:${liveRecord.id}`, kind: 'api-key', tenants: ['acme'], scopes: ['memory:read'] });
  });

  it('answers an unknown id, a wrong secret and a revoked key with the same 401', async () => {
    const { store, live, revoked } = await storeWithKeys();
    const auth = new ApiKeyAuthenticator(store);
    const unknown = generateApiKey().key;
    const wrongSecret = formatApiKey(live.slice(4, 16), generateApiKey().secret);
    const errors = await Promise.all([unknown, wrongSecret, revoked].map((key) => refusal(auth.authenticate(key))));
    for (const error of errors) {
      expect(error.code).toBe('unauthenticated');
      expect(error.message).toBe(UNKNOWN_OR_REVOKED);
      expect(error.context).toEqual({});
    }
    expect((await refusal(auth.authenticate('mfk_short'))).message).toMatch(/^malformed API key/);
  });

  it('is required once any key exists, revoked or not', async () => {
    expect(await new ApiKeyAuthenticator(new InMemoryApiKeyStore()).required()).toBe(false);
    const store = new InMemoryApiKeyStore();
    const record = sampleApiKeyRecord();
    await store.add(record);
    await store.revoke(record.id, '2025-06-01T00:00:00.000Z');
    expect(await new ApiKeyAuthenticator(store).required()).toBe(true);
  });
});

describe('createAuthenticator (the chain)', () => {
  const dataDir = '/srv/memfabric';

  it('without any credential configured: not required, the local principal serves requests', async () => {
    const auth = createAuthenticator(loadAuthConfig({}, { dataDir }), { keyStore: new InMemoryApiKeyStore() });
    expect(await auth.required()).toBe(false);
    expect((await resolvePrincipal(auth, undefined)).kind).toBe('local');
  });

  it('is required with an admin token, an OIDC issuer or any stored key', async () => {
    const empty = new InMemoryApiKeyStore();
    expect(await createAuthenticator(loadAuthConfig({ MEMFABRIC_ADMIN_TOKEN: TOKEN }, { dataDir }), { keyStore: empty }).required()).toBe(true);
    const oidc = loadAuthConfig({ MEMFABRIC_OIDC_ISSUER: 'https://idp.example', MEMFABRIC_OIDC_AUDIENCE: 'm' }, { dataDir });
    expect(await createAuthenticator(oidc, { keyStore: empty }).required()).toBe(true);
    const { store } = await storeWithKeys();
    expect(await createAuthenticator(loadAuthConfig({}, { dataDir }), { keyStore: store }).required()).toBe(true);
  });

  it('tries the admin token, then API keys', async () => {
    const { store, live, revoked, liveRecord } = await storeWithKeys();
    const auth = createAuthenticator(loadAuthConfig({ MEMFABRIC_ADMIN_TOKEN: TOKEN }, { dataDir }), { keyStore: store });
    expect(await auth.authenticate(TOKEN)).toEqual(ADMIN_PRINCIPAL);
    expect((await auth.authenticate(live)).id).toBe(`key:${liveRecord.id}`);
    expect((await refusal(auth.authenticate(revoked))).message).toBe(UNKNOWN_OR_REVOKED);
  });

  it('refuses JWTs when no issuer is configured, and unrecognised credentials', async () => {
    const auth = createAuthenticator(loadAuthConfig({}, { dataDir }), { keyStore: new InMemoryApiKeyStore() });
    const jwt = await refusal(auth.authenticate('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'));
    expect(jwt.code).toBe('unauthenticated');
    expect(jwt.message).toMatch(/no OIDC issuer is configured/);
    const other = await refusal(auth.authenticate('some-random-token'));
    expect(other.code).toBe('unauthenticated');
    expect(other.message).toMatch(/^unrecognised credential/);
    // a wrong admin token is just an unrecognised credential
    expect((await refusal(createAuthenticator(loadAuthConfig({ MEMFABRIC_ADMIN_TOKEN: TOKEN }, { dataDir }), { keyStore: new InMemoryApiKeyStore() }).authenticate(`${TOKEN}x`))).code).toBe(
      'unauthenticated',
    );
  });

  it('hands JWT-shaped credentials to the OIDC verifier when an issuer is configured', async () => {
    const calls: string[] = [];
    const fakeFetch = ((input: string | URL) => {
      calls.push(input.toString());
      return Promise.resolve(new Response('unavailable', { status: 503 }));
    }) as typeof fetch;
    const config = loadAuthConfig({ MEMFABRIC_OIDC_ISSUER: 'https://idp.example', MEMFABRIC_OIDC_AUDIENCE: 'm' }, { dataDir });
    const auth = createAuthenticator(config, { keyStore: new InMemoryApiKeyStore(), fetch: fakeFetch });
    const error = await refusal(auth.authenticate('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'));
    expect(error.code).toBe('unavailable');
    expect(calls).toEqual(['https://idp.example/.well-known/openid-configuration']);
  });
});
