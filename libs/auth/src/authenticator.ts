import { UnauthenticatedError } from '@memfabric/errors';
import { isScope, type Principal, type Scope } from './principal.js';

/**
 * Turns a presented bearer credential into a {@link Principal}. Adapters: API keys from an
 * {@link ApiKeyStore}, JWTs from an OIDC issuer (JWKS), the admin token; `@memfabric/auth-node`
 * chains them.
 */
export interface Authenticator {
  /**
   * Whether any credential is configured (an API key was ever created, an OIDC issuer or an
   * admin token is set). Then every protected route requires one; otherwise the server is
   * loopback-only and serves the {@link LOCAL_PRINCIPAL}.
   */
  required(): Promise<boolean>;
  /**
   * @param credential - the token of `Authorization: Bearer <token>`.
   * @throws UnauthenticatedError when the credential is unknown, malformed, revoked or expired.
   */
  authenticate(credential: string): Promise<Principal>;
}

/**
 * The caller of a server that has no credential configured: it binds loopback only, so this is a
 * process on the same machine. It may read and write memory and read the audit of every tenant,
 * never administer (rollback, erasure and export need a credential with `audit:admin`).
 */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  id: 'local',
  kind: 'local',
  tenants: '*',
  scopes: Object.freeze(['memory:write', 'memory:read', 'audit:read'] satisfies Scope[]),
});

/**
 * The bearer token of an `Authorization` header value (RFC 6750 §2.1).
 * @returns `undefined` when the header is absent.
 * @throws UnauthenticatedError when it is present but not `Bearer <token>`.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([\x21-\x7e]+)$/i.exec(header.trim());
  if (!match) throw new UnauthenticatedError('the Authorization header must be "Bearer <API key or token>"');
  return match[1]!;
}

/**
 * The principal of a request: the authenticated credential when one is sent; otherwise the
 * {@link LOCAL_PRINCIPAL} when no credential is configured at all.
 *
 * @param authorization - the raw `Authorization` header, if any.
 * @throws UnauthenticatedError when a credential is required and missing, or the one sent is bad
 *   (a bad credential is refused even when none is required).
 */
export async function resolvePrincipal(authenticator: Authenticator, authorization: string | undefined): Promise<Principal> {
  const token = bearerToken(authorization);
  if (token !== undefined) return authenticator.authenticate(token);
  if (await authenticator.required()) throw new UnauthenticatedError('authentication required: send Authorization: Bearer <API key or token>');
  return LOCAL_PRINCIPAL;
}

/** How JWT claims map to tenants and scopes (configured per deployment). */
export interface ClaimsMapping {
  /** Claim holding the tenants: an array of strings or a space-separated string. Default `memfabric_tenants`. */
  readonly tenantsClaim: string;
  /** Claim holding the scopes: a space-separated string (RFC 8693 `scope`) or an array (`scp`). Default `scope`. */
  readonly scopesClaim: string;
}

/** Default {@link ClaimsMapping}. */
export const DEFAULT_CLAIMS_MAPPING: ClaimsMapping = { tenantsClaim: 'memfabric_tenants', scopesClaim: 'scope' };

function words(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter((w) => w !== '');
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * The principal of a verified JWT: `jwt:<iss>#<sub>`, tenants and memfabric scopes read from the
 * mapped claims (unknown scope names are ignored; `'*'` is never granted by a token).
 * @throws UnauthenticatedError when `sub` is missing or the token grants no tenant or no scope.
 */
export function principalFromClaims(claims: Readonly<Record<string, unknown>>, mapping: ClaimsMapping = DEFAULT_CLAIMS_MAPPING): Principal {
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('the token has no sub claim');
  const tenants = [...new Set(words(claims[mapping.tenantsClaim]).filter((t) => t !== '*'))];
  const scopes = [...new Set(words(claims[mapping.scopesClaim]).filter(isScope))];
  if (tenants.length === 0) throw new UnauthenticatedError(`the token grants no tenant (claim ${mapping.tenantsClaim})`);
  if (scopes.length === 0) throw new UnauthenticatedError(`the token grants no memfabric scope (claim ${mapping.scopesClaim})`);
  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : '';
  return { id: `jwt:${iss}#${sub}`, kind: 'jwt', tenants, scopes };
}
