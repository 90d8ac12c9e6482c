import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_CLAIMS_MAPPING, type ApiKeyStore, type ClaimsMapping } from '@memfabric/auth';
import { ConfigurationError } from '@memfabric/errors';
import { FileApiKeyStore } from './file.api-key-store.js';
import { issuerUrlProblem } from './issuer-url.js';
import { Secret } from './secret.js';
import { SqliteApiKeyStore } from './sqlite.api-key-store.js';

/** Shortest admin token accepted, characters. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/** Defaults applied when a variable is unset or blank. */
export const AUTH_DEFAULTS = {
  /** The SQLite key store, `<dataDir>/keys.db`, when `MEMFABRIC_API_KEYS_FILE` is unset. */
  keyStoreFile: 'keys.db',
  /** `MEMFABRIC_OIDC_TENANTS_CLAIM`. */
  tenantsClaim: DEFAULT_CLAIMS_MAPPING.tenantsClaim,
  /** `MEMFABRIC_OIDC_SCOPES_CLAIM`. */
  scopesClaim: DEFAULT_CLAIMS_MAPPING.scopesClaim,
  /** `MEMFABRIC_OIDC_CLOCK_TOLERANCE_S`, seconds. */
  clockToleranceS: 30,
} as const;

/** Largest accepted clock tolerance, seconds. */
const MAX_CLOCK_TOLERANCE_S = 600;

/** Where API keys are kept. */
export type KeyStoreConfig =
  /** Read-write SQLite file (the CLI's `memfabric keys` writes it). */
  | { readonly kind: 'sqlite'; readonly path: string }
  /** Read-only JSON file mounted from a secret store. */
  | { readonly kind: 'file'; readonly path: string };

/** OIDC access tokens accepted as credentials. */
export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string;
  /** When absent, discovered from the issuer. */
  readonly jwksUrl?: string;
  readonly claims: ClaimsMapping;
  /** Seconds. */
  readonly clockToleranceS: number;
}

/**
 * Authentication settings of a service, built by {@link loadAuthConfig}. Safe to log: the
 * admin token is a {@link Secret}, printed as `[redacted]`.
 */
export interface AuthConfig {
  /** The operator's admin token; `undefined` when neither variable is set. */
  readonly adminToken?: Secret;
  readonly keyStore: KeyStoreConfig;
  /** `undefined` when `MEMFABRIC_OIDC_ISSUER` is unset (JWTs are then refused). */
  readonly oidc?: OidcConfig;
}

/** Environment variables as `process.env` holds them. */
export type AuthEnv = Readonly<Record<string, string | undefined>>;

/** Options of {@link loadAuthConfig}. */
export interface LoadAuthConfigOptions {
  /** Absolute data directory; the default key store is `<dataDir>/keys.db`. */
  readonly dataDir: string;
  /** Reads `MEMFABRIC_ADMIN_TOKEN_FILE` (default `fs.readFileSync(path, 'utf8')`). */
  readonly readFile?: (file: string) => string;
}

/** A variable's value, `undefined` when unset or blank; surrounding white space removed. */
const text = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined), z.string().optional());

function url(): z.ZodType<string | undefined> {
  return text.superRefine((value, ctx) => {
    const problem = value === undefined ? undefined : issuerUrlProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const claimName = text.refine((v) => v === undefined || /^[\x21-\x7e]{1,128}$/.test(v), 'must be a claim name (printable ASCII, no spaces)');

const envSchema = z.object({
  MEMFABRIC_ADMIN_TOKEN: text.refine(
    (v) => v === undefined || v.length >= MIN_ADMIN_TOKEN_LENGTH,
    `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (generate one with \`openssl rand -hex 32\`)`,
  ),
  MEMFABRIC_ADMIN_TOKEN_FILE: text,
  MEMFABRIC_API_KEYS_FILE: text,
  MEMFABRIC_OIDC_ISSUER: url(),
  MEMFABRIC_OIDC_AUDIENCE: text,
  MEMFABRIC_OIDC_JWKS_URL: url(),
  MEMFABRIC_OIDC_TENANTS_CLAIM: claimName,
  MEMFABRIC_OIDC_SCOPES_CLAIM: claimName,
  MEMFABRIC_OIDC_CLOCK_TOLERANCE_S: text.refine(
    (v) => v === undefined || (/^[0-9]{1,4}$/.test(v) && Number(v) <= MAX_CLOCK_TOLERANCE_S),
    `must be a whole number of seconds from 0 to ${MAX_CLOCK_TOLERANCE_S}`,
  ),
});

/**
 * Reads the authentication settings from the environment (call it at start-up, never at import):
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `MEMFABRIC_ADMIN_TOKEN` | operator token, at least 16 characters: every tenant, every scope | unset |
 * | `MEMFABRIC_ADMIN_TOKEN_FILE` | file holding the admin token (instead of the variable) | unset |
 * | `MEMFABRIC_API_KEYS_FILE` | read-only JSON key file `{ "keys": [...] }` (a mounted Secret) | SQLite `<dataDir>/keys.db` |
 * | `MEMFABRIC_OIDC_ISSUER` | issuer of accepted JWTs: https URL (http for loopback hosts only) | unset: JWTs refused |
 * | `MEMFABRIC_OIDC_AUDIENCE` | expected `aud`, required with the issuer | — |
 * | `MEMFABRIC_OIDC_JWKS_URL` | JWKS location | discovered from the issuer |
 * | `MEMFABRIC_OIDC_TENANTS_CLAIM` | claim holding the tenants | `memfabric_tenants` |
 * | `MEMFABRIC_OIDC_SCOPES_CLAIM` | claim holding the scopes | `scope` |
 * | `MEMFABRIC_OIDC_CLOCK_TOLERANCE_S` | leeway for `exp` / `nbf`, seconds (0–600) | 30 |
 *
 * Blank values count as unset.
 * @throws ConfigurationError listing every problem at once, one line per variable.
 */
export function loadAuthConfig(env: AuthEnv, options: LoadAuthConfigOptions): AuthConfig {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  // Cross-variable rules, checked on the raw values so they are reported with the others.
  const raw = (name: string) => text.parse(env[name]);
  const issuer = raw('MEMFABRIC_OIDC_ISSUER');
  if (raw('MEMFABRIC_ADMIN_TOKEN') !== undefined && raw('MEMFABRIC_ADMIN_TOKEN_FILE') !== undefined) {
    problems.push('MEMFABRIC_ADMIN_TOKEN_FILE: set either MEMFABRIC_ADMIN_TOKEN or MEMFABRIC_ADMIN_TOKEN_FILE, not both');
  }
  if (issuer !== undefined && raw('MEMFABRIC_OIDC_AUDIENCE') === undefined) {
    problems.push('MEMFABRIC_OIDC_AUDIENCE: is required with MEMFABRIC_OIDC_ISSUER (the aud your identity provider writes for memfabric)');
  }
  if (issuer === undefined) {
    for (const name of ['MEMFABRIC_OIDC_AUDIENCE', 'MEMFABRIC_OIDC_JWKS_URL']) {
      if (raw(name) !== undefined) problems.push(`${name}: has no effect without MEMFABRIC_OIDC_ISSUER`);
    }
  }

  let adminToken = parsed.success ? parsed.data.MEMFABRIC_ADMIN_TOKEN : undefined;
  const tokenFile = parsed.success ? parsed.data.MEMFABRIC_ADMIN_TOKEN_FILE : undefined;
  if (tokenFile !== undefined && raw('MEMFABRIC_ADMIN_TOKEN') === undefined) {
    try {
      const fromFile = (options.readFile ?? ((f: string) => readFileSync(f, 'utf8')))(tokenFile).trim();
      if (fromFile.length < MIN_ADMIN_TOKEN_LENGTH) {
        problems.push(`MEMFABRIC_ADMIN_TOKEN_FILE: the token in ${tokenFile} must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
      } else adminToken = fromFile;
    } catch (error) {
      problems.push(`MEMFABRIC_ADMIN_TOKEN_FILE: cannot read ${tokenFile}: ${(error as Error).message}`);
    }
  }

  if (!parsed.success || problems.length > 0) {
    throw new ConfigurationError(`invalid authentication configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`, { context: { problems } });
  }
  const vars = parsed.data;
  const keysFile = vars.MEMFABRIC_API_KEYS_FILE;
  return {
    ...(adminToken === undefined ? {} : { adminToken: new Secret(adminToken) }),
    keyStore:
      keysFile === undefined
        ? { kind: 'sqlite', path: path.join(path.resolve(options.dataDir), AUTH_DEFAULTS.keyStoreFile) }
        : { kind: 'file', path: path.resolve(keysFile) },
    ...(vars.MEMFABRIC_OIDC_ISSUER === undefined
      ? {}
      : {
          oidc: {
            issuer: vars.MEMFABRIC_OIDC_ISSUER,
            audience: vars.MEMFABRIC_OIDC_AUDIENCE!,
            ...(vars.MEMFABRIC_OIDC_JWKS_URL === undefined ? {} : { jwksUrl: vars.MEMFABRIC_OIDC_JWKS_URL }),
            claims: {
              tenantsClaim: vars.MEMFABRIC_OIDC_TENANTS_CLAIM ?? AUTH_DEFAULTS.tenantsClaim,
              scopesClaim: vars.MEMFABRIC_OIDC_SCOPES_CLAIM ?? AUTH_DEFAULTS.scopesClaim,
            },
            clockToleranceS: vars.MEMFABRIC_OIDC_CLOCK_TOLERANCE_S === undefined ? AUTH_DEFAULTS.clockToleranceS : Number(vars.MEMFABRIC_OIDC_CLOCK_TOLERANCE_S),
          },
        }),
  };
}

/**
 * Opens the key store a configuration names: the SQLite file (created when missing, mode 0600)
 * or the read-only mounted file.
 * @throws ConfigurationError when it cannot be opened or the file is invalid.
 */
export function openKeyStore(config: Pick<AuthConfig, 'keyStore'>): ApiKeyStore {
  return config.keyStore.kind === 'sqlite' ? SqliteApiKeyStore.open(config.keyStore.path) : FileApiKeyStore.open(config.keyStore.path);
}
