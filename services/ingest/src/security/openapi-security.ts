import type { Scope } from '@memfabric/auth';

/**
 * Where an operation's tenant comes from, stated in its OpenAPI operation as
 * `x-memfabric-tenant`: `path` (`{tenant}`), `body` (the tenants the body names), `resource` (the
 * tenant of the resource addressed by id: another tenant's answers 404 like a missing one),
 * `none` (tenant-independent, such as the recall presets).
 */
export type OpenApiTenantSource = 'path' | 'body' | 'resource' | 'none';

/** Name of the bearer security scheme in every memfabric OpenAPI document. */
export const BEARER_SCHEME_NAME = 'bearerAuth';

/** The security scheme: an API key, an OIDC access token (JWT) or the admin token, as `Authorization: Bearer`. */
export const BEARER_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  description:
    'An API key (`memfabric keys create`), a JWT from the configured OIDC issuer, or the admin token (`MEMFABRIC_ADMIN_TOKEN`). ' +
    'Each operation lists the scope it needs; the tenant must be granted to the credential. A server with no credential configured binds loopback only and serves memory:read, memory:write and audit:read without one.',
} as const;

/**
 * OpenAPI fields of an operation that needs `scope` (OpenAPI 3.1 §4.8.30: for non-OAuth schemes
 * the array lists the roles required) on a tenant found at `tenant`.
 */
export function operationAccess(scope: Scope, tenant: OpenApiTenantSource): { readonly security: readonly Record<string, readonly string[]>[]; readonly 'x-memfabric-tenant': OpenApiTenantSource } {
  return { security: [{ [BEARER_SCHEME_NAME]: [scope] }], 'x-memfabric-tenant': tenant };
}

/** OpenAPI fields of an operation that needs no credential (health probes). */
export const PUBLIC_OPERATION = { security: [] } as const;

/** The 401/403/429 responses every protected operation can answer. */
export const ACCESS_RESPONSES = {
  '401': { description: 'No credential, or an unknown, revoked or expired one (`WWW-Authenticate: Bearer`).', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } } },
  '403': { description: 'The credential lacks the scope or the tenant.', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } } },
  '429': { description: 'Rate limit of the credential or the tenant reached (`Retry-After`, seconds).', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } } },
} as const;
