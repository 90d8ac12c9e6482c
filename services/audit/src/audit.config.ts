import path from 'node:path';
import { signerFromKeyFile } from '@memfabric/audit-node';
import { configurationError, type ConfigReading } from '@memfabric/ingest';

/** Configuration of the audit service, built and validated by {@link loadAuditConfig}. */
export interface AuditConfig {
  /**
   * Bearer token of the admin routes (export, checkpoints, read audit, rollbacks, erasure);
   * `undefined` disables them (they answer 403 saying how to enable them).
   */
  readonly adminToken?: string;
  /** Largest JSON request body of the audit routes, in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** Take signed checkpoints automatically every this many appended events; 0 disables it. */
  readonly checkpointEvery: number;
  /** Directory under which `POST .../export` writes bundles (one subdirectory per export). */
  readonly exportDir: string;
  /** Paths (without leading slash) serving the module's OpenAPI document. */
  readonly openApiPaths: readonly string[];
  /**
   * Absolute path of a provisioned signing key (Ed25519, PKCS #8 PEM; e.g. a Kubernetes Secret
   * mounted read-only), checked when the configuration is read. `undefined`: the data
   * directory's `audit-signing.key` (created on first use) unless a signer is passed in.
   */
  readonly signingKeyFile?: string;
}

/** Environment variables as `process.env` holds them. */
export type AuditEnv = Readonly<Record<string, string | undefined>>;

/** Defaults applied when a variable is unset or empty. */
export const AUDIT_DEFAULTS = {
  /** `MEMFABRIC_AUDIT_MAX_BODY_BYTES`: 64 KiB (audit bodies are small filters). */
  maxBodyBytes: 64 * 1024,
  /** `MEMFABRIC_CHECKPOINT_EVERY`: one signed checkpoint per 10,000 events. */
  checkpointEvery: 10_000,
  /** Where the OpenAPI document is served inside a shared app (`/openapi.json` belongs to ingest). */
  openApiPaths: ['v1/audit/openapi.json'] as readonly string[],
} as const;

/** Shortest admin token accepted: 16 characters. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

function value(env: AuditEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function integer(env: AuditEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return n;
}

/**
 * Reads the audit service's configuration from the environment (never at import time) without
 * throwing, so a start-up can report its problems together with the other modules':
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `MEMFABRIC_ADMIN_TOKEN` | at least 16 characters; unset disables the admin routes | unset |
 * | `MEMFABRIC_AUDIT_MAX_BODY_BYTES` | largest JSON body of the audit routes, bytes | 64 KiB |
 * | `MEMFABRIC_CHECKPOINT_EVERY` | signed checkpoint every N events, 0 = off | 10,000 |
 * | `MEMFABRIC_EXPORT_DIR` | where export bundles are written | `<MEMFABRIC_DATA_DIR or ./data>/exports` |
 * | `MEMFABRIC_AUDIT_SIGNING_KEY_FILE` | Ed25519 private key (PKCS #8 PEM) to sign checkpoints and exports with; must be readable at start | unset: `<data dir>/audit-signing.key`, created on first use |
 *
 * @param overrides - fields that replace what the environment says (e.g. `openApiPaths`).
 * @param options.adminToken - `false` when another module already checks `MEMFABRIC_ADMIN_TOKEN`
 *   (the all-in-one runner's authentication), so its problem is reported once.
 * @returns the configuration when valid, and one line per invalid variable, naming it.
 */
export function readAuditConfig(env: AuditEnv, overrides: Partial<AuditConfig> = {}, options: { readonly adminToken?: boolean } = {}): ConfigReading<AuditConfig> {
  const problems: string[] = [];
  const adminToken = value(env, 'MEMFABRIC_ADMIN_TOKEN');
  if (options.adminToken !== false && adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    problems.push(`MEMFABRIC_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (generate one with \`openssl rand -hex 32\`)`);
  }
  const dataDir = path.resolve(value(env, 'MEMFABRIC_DATA_DIR') ?? './data');
  const keyFile = value(env, 'MEMFABRIC_AUDIT_SIGNING_KEY_FILE');
  const signingKeyFile = keyFile === undefined ? undefined : path.resolve(keyFile);
  if (signingKeyFile !== undefined) {
    try {
      signerFromKeyFile(signingKeyFile);
    } catch (error) {
      problems.push(`MEMFABRIC_AUDIT_SIGNING_KEY_FILE: ${(error as Error).message}`);
    }
  }
  const config: AuditConfig = {
    ...(adminToken === undefined ? {} : { adminToken }),
    maxBodyBytes: integer(env, 'MEMFABRIC_AUDIT_MAX_BODY_BYTES', AUDIT_DEFAULTS.maxBodyBytes, 1, 64 * 1024 * 1024, problems),
    checkpointEvery: integer(env, 'MEMFABRIC_CHECKPOINT_EVERY', AUDIT_DEFAULTS.checkpointEvery, 0, Number.MAX_SAFE_INTEGER, problems),
    exportDir: path.resolve(value(env, 'MEMFABRIC_EXPORT_DIR') ?? path.join(dataDir, 'exports')),
    openApiPaths: AUDIT_DEFAULTS.openApiPaths,
    ...(signingKeyFile === undefined ? {} : { signingKeyFile }),
    ...overrides,
  };
  return problems.length > 0 ? { problems } : { config, problems };
}

/**
 * {@link readAuditConfig}, throwing.
 * @throws ConfigurationError listing every variable to fix.
 */
export function loadAuditConfig(env: AuditEnv, overrides: Partial<AuditConfig> = {}): AuditConfig {
  const { config, problems } = readAuditConfig(env, overrides);
  if (config === undefined) throw configurationError('audit', problems);
  return config;
}
