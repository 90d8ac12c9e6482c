import path from 'node:path';
import { ConfigurationError } from '@memfabric/errors';

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

function integer(env: AuditEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigurationError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

/**
 * Reads the audit service's configuration from the environment (never at import time):
 * `MEMFABRIC_ADMIN_TOKEN` (at least 16 characters; unset disables admin routes),
 * `MEMFABRIC_AUDIT_MAX_BODY_BYTES` (default 64 KiB), `MEMFABRIC_CHECKPOINT_EVERY` (events, default
 * 10,000, 0 = off), `MEMFABRIC_EXPORT_DIR` (default `<MEMFABRIC_DATA_DIR or ./data>/exports`).
 * @throws ConfigurationError naming the variable to fix.
 */
export function loadAuditConfig(env: AuditEnv, overrides: Partial<AuditConfig> = {}): AuditConfig {
  const adminToken = value(env, 'MEMFABRIC_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigurationError(`MEMFABRIC_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (generate one with \`openssl rand -hex 32\`)`);
  }
  const dataDir = path.resolve(value(env, 'MEMFABRIC_DATA_DIR') ?? './data');
  return {
    ...(adminToken === undefined ? {} : { adminToken }),
    maxBodyBytes: integer(env, 'MEMFABRIC_AUDIT_MAX_BODY_BYTES', AUDIT_DEFAULTS.maxBodyBytes, 1, 64 * 1024 * 1024),
    checkpointEvery: integer(env, 'MEMFABRIC_CHECKPOINT_EVERY', AUDIT_DEFAULTS.checkpointEvery, 0, Number.MAX_SAFE_INTEGER),
    exportDir: path.resolve(value(env, 'MEMFABRIC_EXPORT_DIR') ?? path.join(dataDir, 'exports')),
    openApiPaths: AUDIT_DEFAULTS.openApiPaths,
    ...overrides,
  };
}
