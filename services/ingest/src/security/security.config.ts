import { isIP } from 'node:net';
import { ConfigurationError } from '@memfabric/errors';

/** Request-level protections of every HTTP service, built by {@link readSecurityConfig}. */
export interface SecurityConfig {
  /**
   * Host names (without port, lowercase) the `Host` header may name; `undefined` accepts any.
   * Defaults to the loopback names when the server binds a loopback address (DNS-rebinding
   * protection for the credential-less loopback mode).
   */
  readonly allowedHosts: readonly string[] | undefined;
  /** Requests per second one credential may make (API key, token, admin token); 0 = no limit. */
  readonly rateLimitPerKey: number;
  /** Requests per second all credentials together may make for one tenant; 0 = no limit. */
  readonly rateLimitPerTenant: number;
}

/** Defaults of {@link SecurityConfig}. */
export const SECURITY_DEFAULTS = {
  /** `MEMFABRIC_RATE_LIMIT_PER_KEY`: requests per second per credential. */
  rateLimitPerKey: 200,
  /** `MEMFABRIC_RATE_LIMIT_PER_TENANT`: requests per second per tenant. */
  rateLimitPerTenant: 1000,
} as const;

/** Host names a loopback-bound server answers to. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** True for `localhost`, 127.0.0.0/8 and `::1`: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

/**
 * Reads the request-level protections from the environment.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `MEMFABRIC_ALLOWED_HOSTS` | comma-separated host names the `Host` header may name | loopback names when bound to loopback, else any |
 * | `MEMFABRIC_RATE_LIMIT_PER_KEY` | requests per second per credential, 0 = off | 200 |
 * | `MEMFABRIC_RATE_LIMIT_PER_TENANT` | requests per second per tenant, 0 = off | 1000 |
 *
 * @param bindHost - the address the server binds (decides the Host default).
 * @returns the configuration and the problems found (the caller reports every problem of every module at once).
 */
export function readSecurityConfig(env: Env, bindHost: string): { readonly config: SecurityConfig; readonly problems: readonly string[] } {
  const problems: string[] = [];
  const hostsRaw = value(env, 'MEMFABRIC_ALLOWED_HOSTS');
  let allowedHosts: string[] | undefined;
  if (hostsRaw !== undefined) {
    allowedHosts = hostsRaw.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
    const bad = allowedHosts.filter((h) => !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+|[0-9a-f:]+)$/.test(h));
    if (bad.length > 0 || allowedHosts.length === 0) problems.push(`MEMFABRIC_ALLOWED_HOSTS must be comma-separated host names without ports or schemes; got "${hostsRaw}"`);
  } else if (isLoopbackHost(bindHost)) {
    allowedHosts = [...LOOPBACK_HOST_NAMES];
  }
  const rate = (name: string, fallback: number): number => {
    const raw = value(env, name);
    if (raw === undefined) return fallback;
    const n = /^[0-9]{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      problems.push(`${name} must be a whole number of requests per second (0 = no limit); got "${raw}"`);
      return fallback;
    }
    return n;
  };
  const config: SecurityConfig = {
    allowedHosts,
    rateLimitPerKey: rate('MEMFABRIC_RATE_LIMIT_PER_KEY', SECURITY_DEFAULTS.rateLimitPerKey),
    rateLimitPerTenant: rate('MEMFABRIC_RATE_LIMIT_PER_TENANT', SECURITY_DEFAULTS.rateLimitPerTenant),
  };
  return { config, problems };
}

/**
 * Refuses to serve a non-loopback address when no credential is configured: without one every
 * caller would be the unauthenticated local principal.
 * @throws ConfigurationError saying how to configure a credential or bind loopback.
 */
export function assertBindAllowed(host: string, authRequired: boolean): void {
  if (authRequired || isLoopbackHost(host)) return;
  throw new ConfigurationError(
    `refusing to listen on ${host} without authentication: create an API key (memfabric keys create --tenant T --scopes memory:read,memory:write), set MEMFABRIC_ADMIN_TOKEN or MEMFABRIC_OIDC_ISSUER, or bind a loopback address (127.0.0.1)`,
    { context: { host } },
  );
}

/** Whether a `Host` header value is allowed (`undefined` list: any). Compares the host name without its port. */
export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  if (hostHeader === undefined) return false;
  const h = hostHeader.trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.replace(/:[0-9]*$/, '');
  return allowed.includes(name);
}
