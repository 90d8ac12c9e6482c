import { ForbiddenError } from '@memfabric/errors';

/**
 * What a principal may do. `memory:write` appends interactions and memory assertions /
 * corrections / retractions; `memory:read` recalls and reads events and streams; `audit:read`
 * reads history, point-in-time state, the read audit and the live verification; `audit:admin`
 * rolls back, reverts, erases, exports and takes signed checkpoints.
 */
export const SCOPES = ['memory:write', 'memory:read', 'audit:read', 'audit:admin'] as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

/** True when `value` names a scope of {@link SCOPES}. */
export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** Tenants granted to a principal: a list, or every tenant (`'*'`, the admin token only). */
export type TenantGrant = readonly string[] | '*';

/** How a principal proved who it is. */
export type PrincipalKind = 'api-key' | 'jwt' | 'admin-token' | 'service' | 'local';

/**
 * An authenticated caller: who (`id`, stable, recorded in the read audit), how it proved it,
 * the tenants it may touch and the scopes it holds.
 *
 * `id` is namespaced by kind: `key:<key id>`, `jwt:<issuer>#<sub>`, `admin`, `service:<name>`,
 * `local` (the loopback-only server without any credential configured).
 */
export interface Principal {
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly tenants: TenantGrant;
  readonly scopes: readonly Scope[];
}

/** True when the principal was granted `tenant`. */
export function hasTenant(principal: Principal, tenant: string): boolean {
  return principal.tenants === '*' || principal.tenants.includes(tenant);
}

/** True when the principal holds `scope`. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope);
}

/**
 * Checks a scope, and a tenant when the request names one.
 *
 * A tenant the principal was not granted is refused the same way whether or not the tenant
 * exists (the answer depends on the principal alone), so the refusal reveals nothing about other
 * tenants. For resources addressed by id alone (an event, a rollback) check {@link hasTenant}
 * and answer exactly as for a missing resource instead.
 *
 * @throws ForbiddenError (403) naming the missing scope, or saying the tenant is not granted.
 */
export function authorize(principal: Principal, scope: Scope, tenant?: string): void {
  if (!hasScope(principal, scope)) {
    throw new ForbiddenError(`this credential lacks the scope ${scope}`, { context: { principal: principal.id, scope } });
  }
  if (tenant !== undefined && !hasTenant(principal, tenant)) {
    throw new ForbiddenError(`this credential is not granted tenant ${tenant}`, { context: { principal: principal.id, tenant } });
  }
}

/**
 * The caller recorded in the read audit and the query log: the principal's id, with a caller
 * label (the `X-Memfabric-Caller` header, the request's `caller` field) appended, never
 * substituted: `key:k1` or `key:k1 (agent-7)`.
 *
 * @param label - printable ASCII, at most 128 characters; anything else is dropped.
 */
export function auditCaller(principal: Principal, label?: string): string {
  const clean = label !== undefined && /^[\x20-\x7e]{1,128}$/.test(label) && label.trim() !== '' && label !== principal.id ? label.trim() : undefined;
  return clean === undefined ? principal.id : `${principal.id} (${clean})`;
}
