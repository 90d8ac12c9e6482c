import { describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import {
  API_KEY_ID_LENGTH,
  API_KEY_SECRET_LENGTH,
  auditCaller,
  authorize,
  bearerToken,
  DEFAULT_CLAIMS_MAPPING,
  formatApiKey,
  hasScope,
  hasTenant,
  isClientEventType,
  isScope,
  LOCAL_PRINCIPAL,
  parseApiKey,
  principalFromClaims,
  resolvePrincipal,
  SCOPES,
  type Authenticator,
  type Principal,
} from './index.js';

const reader: Principal = { id: 'key:k1', kind: 'api-key', tenants: ['acme', 'globex'], scopes: ['memory:read'] };
const admin: Principal = { id: 'admin', kind: 'admin-token', tenants: '*', scopes: [...SCOPES] };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return MemfabricError.is(error) ? error.code : 'not a memfabric error';
  }
  return undefined;
}

async function rejection(promise: Promise<unknown>): Promise<MemfabricError | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return MemfabricError.is(error) ? error : undefined;
}

describe('scopes and grants', () => {
  it('recognises exactly the four scope names', () => {
    expect(SCOPES.every(isScope)).toBe(true);
    expect(['memory:admin', 'MEMORY:READ', '', 1, undefined].some(isScope)).toBe(false);
  });

  it('grants listed tenants, or every tenant for "*"', () => {
    expect(hasTenant(reader, 'acme')).toBe(true);
    expect(hasTenant(reader, 'initech')).toBe(false);
    expect(hasTenant(admin, 'anything')).toBe(true);
    expect(hasScope(reader, 'memory:read')).toBe(true);
    expect(hasScope(reader, 'memory:write')).toBe(false);
  });

  it('knows which event types a client may append', () => {
    expect(isClientEventType('memory.asserted')).toBe(true);
    expect(isClientEventType('subject.erased')).toBe(false);
    expect(isClientEventType(undefined)).toBe(false);
  });
});

describe('authorize', () => {
  it('passes a held scope on a granted tenant, and without a tenant', () => {
    expect(() => authorize(reader, 'memory:read', 'acme')).not.toThrow();
    expect(() => authorize(reader, 'memory:read')).not.toThrow();
    expect(() => authorize(admin, 'audit:admin', 'any-tenant')).not.toThrow();
  });

  it('refuses a missing scope with 403 naming the scope', () => {
    expect(codeOf(() => authorize(reader, 'memory:write', 'acme'))).toBe('forbidden');
    expect(() => authorize(reader, 'audit:admin')).toThrow('this credential lacks the scope audit:admin');
  });

  it('refuses an ungranted tenant the same way whether or not it exists', () => {
    expect(codeOf(() => authorize(reader, 'memory:read', 'initech'))).toBe('forbidden');
    expect(() => authorize(reader, 'memory:read', 'initech')).toThrow('this credential is not granted tenant initech');
  });

  it('checks the scope before the tenant', () => {
    expect(() => authorize(reader, 'memory:write', 'initech')).toThrow(/lacks the scope memory:write/);
  });
});

describe('auditCaller', () => {
  it('is the principal id, with a printable label appended, never substituted', () => {
    expect(auditCaller(reader)).toBe('key:k1');
    expect(auditCaller(reader, 'agent-7')).toBe('key:k1 (agent-7)');
    expect(auditCaller(reader, '  agent 7  ')).toBe('key:k1 (agent 7)');
  });

  it('drops empty, non-printable, too long or redundant labels', () => {
    expect(auditCaller(reader, '')).toBe('key:k1');
    expect(auditCaller(reader, '   ')).toBe('key:k1');
    expect(auditCaller(reader, 'evil\nline')).toBe('key:k1');
    expect(auditCaller(reader, 'é')).toBe('key:k1');
    expect(auditCaller(reader, 'x'.repeat(129))).toBe('key:k1');
    expect(auditCaller(reader, 'x'.repeat(128))).toBe(`key:k1 (${'x'.repeat(128)})`);
    expect(auditCaller(reader, 'key:k1')).toBe('key:k1');
  });
});

describe('API key format', () => {
  const id = 'abc123def456';
  const secret = 'A'.repeat(20) + '_-' + 'z9'.repeat(10) + 'Q';

  it('formats mfk_<id>_<secret> and parses it back', () => {
    expect(id).toHaveLength(API_KEY_ID_LENGTH);
    expect(secret).toHaveLength(API_KEY_SECRET_LENGTH);
    const key = formatApiKey(id, secret);
    expect(key).toBe(`mfk_${id}_${secret}`);
    expect(parseApiKey(key)).toEqual({ id, secret });
  });

  it('parses a secret that itself contains underscores', () => {
    const underscored = '_'.repeat(API_KEY_SECRET_LENGTH);
    expect(parseApiKey(formatApiKey(id, underscored))).toEqual({ id, secret: underscored });
  });

  it('answers undefined for anything not shaped like a key', () => {
    for (const text of [
      '',
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      `mfk_${id}_${secret}x`,
      `mfk_${id}_${secret.slice(1)}`,
      `mfk_ABC123DEF456_${secret}`,
      `mfk_${id.slice(1)}_${secret}`,
      `xyz_${id}_${secret}`,
      ` mfk_${id}_${secret}`,
      `mfk_${id}_${secret.slice(1)}=`,
    ]) {
      expect(parseApiKey(text), text).toBeUndefined();
    }
  });
});

describe('bearerToken', () => {
  it('is undefined without a header and the token of "Bearer <token>" (scheme case-insensitive)', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc')).toBe('abc');
    expect(bearerToken('  BEARER abc  ')).toBe('abc');
  });

  it('refuses any other shape with 401', () => {
    for (const header of ['', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'abc', 'Bearer tök']) {
      expect(codeOf(() => bearerToken(header)), header).toBe('unauthenticated');
    }
  });
});

describe('resolvePrincipal', () => {
  function authenticator(required: boolean): Authenticator & { seen: string[] } {
    const seen: string[] = [];
    return {
      seen,
      required: () => Promise.resolve(required),
      authenticate: (credential) => {
        seen.push(credential);
        return credential === 'good' ? Promise.resolve(reader) : Promise.reject(new Error('bad credential'));
      },
    };
  }

  it('authenticates a sent credential, required or not', async () => {
    expect(await resolvePrincipal(authenticator(true), 'Bearer good')).toBe(reader);
    expect(await resolvePrincipal(authenticator(false), 'Bearer good')).toBe(reader);
  });

  it('refuses a bad credential even when none is required', async () => {
    const auth = authenticator(false);
    await expect(resolvePrincipal(auth, 'Bearer bad')).rejects.toThrow('bad credential');
    expect(auth.seen).toEqual(['bad']);
    expect((await rejection(resolvePrincipal(auth, 'Token bad')))?.code).toBe('unauthenticated');
  });

  it('serves the local principal without a header when nothing is configured', async () => {
    const principal = await resolvePrincipal(authenticator(false), undefined);
    expect(principal).toBe(LOCAL_PRINCIPAL);
    expect(principal.tenants).toBe('*');
    expect(principal.scopes).not.toContain('audit:admin');
  });

  it('answers 401 without a header when a credential is required', async () => {
    const error = await rejection(resolvePrincipal(authenticator(true), undefined));
    expect(error?.code).toBe('unauthenticated');
    expect(error?.message).toMatch(/authentication required/);
  });
});

describe('principalFromClaims', () => {
  const base = { iss: 'https://idp.example', sub: 'user-1' };

  it('maps sub, tenants and scopes with the default claims (space-separated strings)', () => {
    expect(principalFromClaims({ ...base, memfabric_tenants: 'acme globex', scope: 'openid memory:read memory:write' })).toEqual({
      id: 'jwt:https://idp.example#user-1',
      kind: 'jwt',
      tenants: ['acme', 'globex'],
      scopes: ['memory:read', 'memory:write'],
    });
  });

  it('accepts arrays, deduplicates, ignores unknown scopes and never grants "*"', () => {
    const principal = principalFromClaims({ ...base, memfabric_tenants: ['acme', 'acme', '*', 7], scope: ['memory:read', 'memory:read', 'admin', 'audit:read'] });
    expect(principal.tenants).toEqual(['acme']);
    expect(principal.scopes).toEqual(['memory:read', 'audit:read']);
  });

  it('reads the claims a mapping names', () => {
    const principal = principalFromClaims({ ...base, org: ['initech'], scp: ['audit:admin'] }, { tenantsClaim: 'org', scopesClaim: 'scp' });
    expect(principal).toMatchObject({ tenants: ['initech'], scopes: ['audit:admin'] });
    expect(DEFAULT_CLAIMS_MAPPING).toEqual({ tenantsClaim: 'memfabric_tenants', scopesClaim: 'scope' });
  });

  it('names the principal jwt:#sub when the token has no issuer', () => {
    expect(principalFromClaims({ sub: 's', memfabric_tenants: 'a', scope: 'memory:read' }).id).toBe('jwt:#s');
  });

  it('refuses a token without sub, tenants or memfabric scopes with 401', () => {
    expect(() => principalFromClaims({ memfabric_tenants: 'a', scope: 'memory:read' })).toThrow('the token has no sub claim');
    expect(() => principalFromClaims({ ...base, sub: '', memfabric_tenants: 'a', scope: 'memory:read' })).toThrow(/no sub claim/);
    expect(() => principalFromClaims({ ...base, scope: 'memory:read' })).toThrow('the token grants no tenant (claim memfabric_tenants)');
    expect(() => principalFromClaims({ ...base, memfabric_tenants: '*', scope: 'memory:read' })).toThrow(/grants no tenant/);
    expect(() => principalFromClaims({ ...base, memfabric_tenants: 'a', scope: 'openid profile' })).toThrow('the token grants no memfabric scope (claim scope)');
    expect(codeOf(() => principalFromClaims({ ...base, memfabric_tenants: 'a' }))).toBe('unauthenticated');
  });
});
