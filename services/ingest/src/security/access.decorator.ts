import { SetMetadata } from '@nestjs/common';
import type { Scope } from '@memfabric/auth';

/** Metadata key of a route's {@link AccessRule}. */
export const ACCESS_RULE = Symbol.for('memfabric.access-rule');

/**
 * Where a route finds the tenant(s) it touches, for the authorization check before the handler:
 * a path parameter, or a function of the parsed JSON body (the tenants of an append batch, the
 * `scope.tenant` of a recall). `handler`: the resource is addressed by id alone and the handler
 * checks its tenant itself, answering exactly as for a missing resource when it is not visible.
 */
export type TenantSource =
  | { readonly param: string }
  | { readonly body: (body: unknown) => readonly string[] }
  | 'handler';

/**
 * Who may call a route. Every route declares one (the guard refuses a route that does not):
 * `public` (health probes, API documents) or a scope plus where its tenant comes from.
 */
export type AccessRule = { readonly public: true } | { readonly public?: false; readonly scope: Scope; readonly tenant?: TenantSource };

/** The route needs no credential (health probes, OpenAPI documents). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, { public: true } satisfies AccessRule);

/**
 * The route needs `scope`, and the tenant named by `tenant` must be granted to the principal.
 * Without `tenant` only the scope is checked (e.g. the list of recall presets).
 */
export const RequireScope = (scope: Scope, tenant?: TenantSource): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_RULE, (tenant === undefined ? { scope } : { scope, tenant }) satisfies AccessRule);

/** Tenants of a CloudEvents batch body: the distinct string `tenantid`s of its items (a single event counts as a batch of one). */
export function batchTenants(body: unknown): readonly string[] {
  const items = Array.isArray(body) ? body : [body];
  const tenants = new Set<string>();
  for (const item of items) {
    if (typeof item === 'object' && item !== null && typeof (item as { tenantid?: unknown }).tenantid === 'string') tenants.add((item as { tenantid: string }).tenantid);
  }
  return [...tenants];
}

/** Tenant of a recall body: `scope.tenant` when it is a string. */
export function recallTenant(body: unknown): readonly string[] {
  const scope = typeof body === 'object' && body !== null ? (body as { scope?: unknown }).scope : undefined;
  const tenant = typeof scope === 'object' && scope !== null ? (scope as { tenant?: unknown }).tenant : undefined;
  return typeof tenant === 'string' ? [tenant] : [];
}
