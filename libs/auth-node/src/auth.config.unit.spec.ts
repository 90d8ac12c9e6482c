import { inspect } from 'node:util';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { AUTH_DEFAULTS, loadAuthConfig, type AuthEnv } from './auth.config.js';
import { Secret } from './secret.js';

const dataDir = path.resolve('/srv/memfabric');
const TOKEN = 'an-admin-token-of-32-characters!';

function problemsOf(env: AuthEnv, readFile?: (file: string) => string): string[] {
  try {
    loadAuthConfig(env, { dataDir, ...(readFile ? { readFile } : {}) });
  } catch (error) {
    if (!MemfabricError.is(error) || error.code !== 'configuration_invalid') throw error;
    const [head, ...lines] = error.message.split('\n');
    expect(head).toBe('invalid authentication configuration:');
    return lines.map((l) => l.trim());
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadAuthConfig', () => {
  it('defaults: no admin token, no OIDC, the SQLite key store in the data directory', () => {
    expect(loadAuthConfig({}, { dataDir })).toEqual({ keyStore: { kind: 'sqlite', path: path.join(dataDir, 'keys.db') } });
    expect(loadAuthConfig({ MEMFABRIC_ADMIN_TOKEN: '  ', MEMFABRIC_OIDC_ISSUER: '' }, { dataDir })).toEqual({
      keyStore: { kind: 'sqlite', path: path.join(dataDir, 'keys.db') },
    });
  });

  it('reads every variable', () => {
    const config = loadAuthConfig(
      {
        MEMFABRIC_ADMIN_TOKEN: TOKEN,
        MEMFABRIC_API_KEYS_FILE: '/etc/memfabric/keys.json',
        MEMFABRIC_OIDC_ISSUER: 'https://idp.example/realms/acme',
        MEMFABRIC_OIDC_AUDIENCE: 'memfabric',
        MEMFABRIC_OIDC_JWKS_URL: 'https://idp.example/jwks',
        MEMFABRIC_OIDC_TENANTS_CLAIM: 'org',
        MEMFABRIC_OIDC_SCOPES_CLAIM: 'scp',
        MEMFABRIC_OIDC_CLOCK_TOLERANCE_S: '0',
      },
      { dataDir },
    );
    expect(config.adminToken?.reveal()).toBe(TOKEN);
    expect(config.keyStore).toEqual({ kind: 'file', path: path.resolve('/etc/memfabric/keys.json') });
    expect(config.oidc).toEqual({
      issuer: 'https://idp.example/realms/acme',
      audience: 'memfabric',
      jwksUrl: 'https://idp.example/jwks',
      claims: { tenantsClaim: 'org', scopesClaim: 'scp' },
      clockToleranceS: 0,
    });
  });

  it('applies the OIDC defaults and accepts http for loopback issuers only', () => {
    const config = loadAuthConfig({ MEMFABRIC_OIDC_ISSUER: 'http://127.0.0.1:8080', MEMFABRIC_OIDC_AUDIENCE: 'memfabric' }, { dataDir });
    expect(config.oidc).toEqual({
      issuer: 'http://127.0.0.1:8080',
      audience: 'memfabric',
      claims: { tenantsClaim: AUTH_DEFAULTS.tenantsClaim, scopesClaim: AUTH_DEFAULTS.scopesClaim },
      clockToleranceS: 30,
    });
    for (const issuer of ['http://localhost:9000', 'http://[::1]:9000', 'http://keycloak.localhost']) {
      expect(loadAuthConfig({ MEMFABRIC_OIDC_ISSUER: issuer, MEMFABRIC_OIDC_AUDIENCE: 'a' }, { dataDir }).oidc?.issuer).toBe(issuer);
    }
  });

  it('reports every problem at once, one line per variable, never the token', () => {
    const problems = problemsOf({
      MEMFABRIC_ADMIN_TOKEN: 'short-secret',
      MEMFABRIC_OIDC_ISSUER: 'http://idp.example',
      MEMFABRIC_OIDC_JWKS_URL: 'not a url',
      MEMFABRIC_OIDC_TENANTS_CLAIM: 'two words',
      MEMFABRIC_OIDC_CLOCK_TOLERANCE_S: '-5',
    });
    expect(problems).toEqual([
      'MEMFABRIC_ADMIN_TOKEN: must be at least 16 characters (generate one with `openssl rand -hex 32`)',
      'MEMFABRIC_OIDC_ISSUER: must use https (http is accepted only for loopback hosts), got "http://idp.example"',
      'MEMFABRIC_OIDC_JWKS_URL: must be an absolute URL, got "not a url"',
      'MEMFABRIC_OIDC_TENANTS_CLAIM: must be a claim name (printable ASCII, no spaces)',
      'MEMFABRIC_OIDC_CLOCK_TOLERANCE_S: must be a whole number of seconds from 0 to 600',
      'MEMFABRIC_OIDC_AUDIENCE: is required with MEMFABRIC_OIDC_ISSUER (the aud your identity provider writes for memfabric)',
    ]);
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('refuses OIDC settings without an issuer and non-https schemes', () => {
    expect(problemsOf({ MEMFABRIC_OIDC_AUDIENCE: 'a', MEMFABRIC_OIDC_JWKS_URL: 'https://idp.example/jwks' })).toEqual([
      'MEMFABRIC_OIDC_AUDIENCE: has no effect without MEMFABRIC_OIDC_ISSUER',
      'MEMFABRIC_OIDC_JWKS_URL: has no effect without MEMFABRIC_OIDC_ISSUER',
    ]);
    expect(problemsOf({ MEMFABRIC_OIDC_ISSUER: 'ftp://idp.example', MEMFABRIC_OIDC_AUDIENCE: 'a' })).toEqual([
      'MEMFABRIC_OIDC_ISSUER: must be an https URL, got "ftp://idp.example"',
    ]);
    expect(problemsOf({ MEMFABRIC_OIDC_ISSUER: 'https://idp.example', MEMFABRIC_OIDC_AUDIENCE: 'a', MEMFABRIC_OIDC_CLOCK_TOLERANCE_S: '601' })).toHaveLength(1);
  });

  it('reads the admin token from MEMFABRIC_ADMIN_TOKEN_FILE, trimmed', () => {
    const files: Record<string, string> = { '/run/secrets/admin': `${TOKEN}\n`, '/run/secrets/short': 'tiny\n' };
    const readFile = (file: string) => {
      const content = files[file];
      if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
      return content;
    };
    expect(loadAuthConfig({ MEMFABRIC_ADMIN_TOKEN_FILE: '/run/secrets/admin' }, { dataDir, readFile }).adminToken?.reveal()).toBe(TOKEN);
    expect(problemsOf({ MEMFABRIC_ADMIN_TOKEN_FILE: '/run/secrets/short' }, readFile)).toEqual([
      'MEMFABRIC_ADMIN_TOKEN_FILE: the token in /run/secrets/short must be at least 16 characters',
    ]);
    expect(problemsOf({ MEMFABRIC_ADMIN_TOKEN_FILE: '/run/secrets/none' }, readFile)).toEqual([
      "MEMFABRIC_ADMIN_TOKEN_FILE: cannot read /run/secrets/none: ENOENT: no such file or directory, open '/run/secrets/none'",
    ]);
    expect(problemsOf({ MEMFABRIC_ADMIN_TOKEN: TOKEN, MEMFABRIC_ADMIN_TOKEN_FILE: '/run/secrets/admin' }, readFile)).toEqual([
      'MEMFABRIC_ADMIN_TOKEN_FILE: set either MEMFABRIC_ADMIN_TOKEN or MEMFABRIC_ADMIN_TOKEN_FILE, not both',
    ]);
  });

  it('never shows the admin token when the configuration is logged', () => {
    const config = loadAuthConfig({ MEMFABRIC_ADMIN_TOKEN: TOKEN }, { dataDir });
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    expect(JSON.stringify(config)).toContain('"adminToken":"[redacted]"');
    expect(inspect(config, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(`${String(config.adminToken)}`).toBe('[redacted]');
    expect(Object.values(config.adminToken!)).toEqual([]);
    expect({ ...config.adminToken }).toEqual({});
  });
});

describe('Secret', () => {
  it('reveals its value only through reveal()', () => {
    const secret = new Secret('hunter2-hunter2-hunter2');
    expect(secret.reveal()).toBe('hunter2-hunter2-hunter2');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect(secret)).toBe('[redacted]');
    expect(Object.keys(secret)).toEqual([]);
  });
});
