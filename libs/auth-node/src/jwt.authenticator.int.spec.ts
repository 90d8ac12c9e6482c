import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { JwtAuthenticator, type JwtAuthenticatorOptions } from './jwt.authenticator.js';

/** A local identity provider: discovery document and JWKS on 127.0.0.1, counting requests. */
interface Idp {
  readonly issuer: string;
  readonly requests: Map<string, number>;
  discoveryStatus: number;
  close(): Promise<void>;
}

const AUDIENCE = 'memfabric-api';
let idp: Idp;
let signingKey: CryptoKey;
let otherKey: CryptoKey;

async function startIdp(jwks: unknown): Promise<Idp> {
  const requests = new Map<string, number>();
  const state = { discoveryStatus: 200 };
  const server: Server = createServer((req, res) => {
    const route = req.url ?? '/';
    requests.set(route, (requests.get(route) ?? 0) + 1);
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (route === '/.well-known/openid-configuration') {
      res.writeHead(state.discoveryStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (route === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwks));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    requests,
    get discoveryStatus() {
      return state.discoveryStatus;
    },
    set discoveryStatus(status: number) {
      state.discoveryStatus = status;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const publicJwk = await exportJWK(pair.publicKey);
  idp = await startIdp({ keys: [{ ...publicJwk, kid: 'k1', alg: 'ES256', use: 'sig' }] });
});
afterAll(() => idp?.close());

function sign(claims: JWTPayload, options: { key?: CryptoKey; kid?: string; expiresIn?: string | number; issuer?: string; audience?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ memfabric_tenants: ['acme'], scope: 'memory:read', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
    .setSubject('user-1')
    .setIssuedAt()
    .setIssuer(options.issuer ?? idp.issuer)
    .setAudience(options.audience ?? AUDIENCE)
    .setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(options.key ?? signingKey);
}

function authenticator(overrides: Partial<JwtAuthenticatorOptions> = {}): JwtAuthenticator {
  return new JwtAuthenticator({ issuer: idp.issuer, audience: AUDIENCE, clockToleranceS: 5, ...overrides });
}

async function refusal(promise: Promise<unknown>): Promise<MemfabricError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MemfabricError.is(error)) throw new Error(`expected a memfabric error, got ${String(error)}`);
  return error;
}

describe('JwtAuthenticator', () => {
  it('accepts a valid token: the principal is jwt:<iss>#<sub> with its tenants and scopes', async () => {
    const auth = authenticator();
    expect(await auth.required()).toBe(true);
    const principal = await auth.authenticate(await sign({ memfabric_tenants: ['acme', 'globex'], scope: 'openid memory:read memory:write' }));
    expect(principal).toEqual({ id: `jwt:${idp.issuer}#user-1`, kind: 'jwt', tenants: ['acme', 'globex'], scopes: ['memory:read', 'memory:write'] });
  });

  it('reads scopes given as an array, from the configured claims', async () => {
    const auth = authenticator({ claims: { tenantsClaim: 'org', scopesClaim: 'scp' } });
    const principal = await auth.authenticate(await sign({ org: 'initech', scp: ['audit:read', 'unknown'] }));
    expect(principal).toMatchObject({ tenants: ['initech'], scopes: ['audit:read'] });
  });

  it('discovers the JWKS once, lazily, and reuses it', async () => {
    const before = idp.requests.get('/.well-known/openid-configuration') ?? 0;
    const auth = authenticator();
    expect(idp.requests.get('/.well-known/openid-configuration') ?? 0).toBe(before);
    await auth.authenticate(await sign({}));
    await auth.authenticate(await sign({}));
    expect(idp.requests.get('/.well-known/openid-configuration')).toBe(before + 1);
  });

  it('uses a configured JWKS URL without discovery', async () => {
    const before = idp.requests.get('/.well-known/openid-configuration') ?? 0;
    const auth = authenticator({ jwksUrl: `${idp.issuer}/jwks` });
    await auth.authenticate(await sign({}));
    expect(idp.requests.get('/.well-known/openid-configuration') ?? 0).toBe(before);
  });

  it.each([
    ['expired', () => sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 }), 'invalid token: the token has expired'],
    ['from another issuer', () => sign({}, { issuer: 'https://evil.example' }), 'invalid token: the token was not issued by the configured issuer'],
    ['for another audience', () => sign({}, { audience: 'someone-else' }), 'invalid token: the token is not for this audience'],
    ['signed by another key with the same kid', () => sign({}, { key: otherKey }), "invalid token: the token's signature does not verify"],
    ['signed by an unknown kid', () => sign({}, { key: otherKey, kid: 'k2' }), 'invalid token: no signing key of the issuer matches the token'],
    ['without a tenants claim', () => sign({ memfabric_tenants: undefined }), 'the token grants no tenant (claim memfabric_tenants)'],
    ['without memfabric scopes', () => sign({ scope: 'openid profile' }), 'the token grants no memfabric scope (claim scope)'],
  ])('refuses a token %s with 401 and a short reason, never the token', async (_what, make, message) => {
    const token = await make();
    const error = await refusal(authenticator().authenticate(token));
    expect(error.code).toBe('unauthenticated');
    expect(error.message).toBe(message);
    expect(JSON.stringify({ message: error.message, context: error.context })).not.toContain(token.split('.')[2]!);
  });

  it('accepts a just-expired token within the clock tolerance', async () => {
    const token = await sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 2 });
    expect((await authenticator({ clockToleranceS: 30 }).authenticate(token)).kind).toBe('jwt');
  });

  it('refuses a malformed token and an HMAC token (algorithm not accepted)', async () => {
    expect((await refusal(authenticator().authenticate('a.b.c'))).message).toBe('invalid token: the token is malformed');
    const hmac = await new SignJWT({ memfabric_tenants: ['acme'], scope: 'memory:read' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('x')
      .setIssuer(idp.issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('0123456789abcdef0123456789abcdef'));
    expect((await refusal(authenticator().authenticate(hmac))).message).toBe("invalid token: the token's signing algorithm is not accepted");
  });

  it('answers 503 when discovery fails, and retries on the next token', async () => {
    const auth = authenticator();
    idp.discoveryStatus = 500;
    try {
      const error = await refusal(auth.authenticate(await sign({})));
      expect(error.code).toBe('unavailable');
      expect(error.message).toBe(`OIDC discovery at ${idp.issuer}/.well-known/openid-configuration failed: HTTP 500`);
    } finally {
      idp.discoveryStatus = 200;
    }
    expect((await auth.authenticate(await sign({}))).kind).toBe('jwt');
  });

  it('answers 503 when the issuer is unreachable or its discovery names another issuer', async () => {
    const unreachable = await refusal(authenticator({ issuer: 'http://127.0.0.1:1' }).authenticate(await sign({})));
    expect(unreachable.code).toBe('unavailable');
    expect(unreachable.message).toMatch(/^OIDC discovery at http:\/\/127\.0\.0\.1:1\/\.well-known\/openid-configuration failed: /);
    const mismatch = await refusal(authenticator({ issuer: `${idp.issuer}/` }).authenticate(await sign({})));
    expect(mismatch.message).toMatch(/the document names issuer ".*", not .*\/$/);
  });

  it('answers 503 when the JWKS cannot be fetched', async () => {
    const error = await refusal(authenticator({ jwksUrl: `${idp.issuer}/missing` }).authenticate(await sign({})));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(new RegExp(`^cannot fetch the issuer's signing keys from ${idp.issuer}/missing: `));
  });
});
