import { z } from 'zod';
import { TENANT_PATTERN, type TenantPolicy } from '../mcp.config.js';

/** An RFC 3339 date-time with offset (`2024-03-05T09:00:00Z`). */
export const dateTime = () => z.iso.datetime({ offset: true });

/**
 * Adds the `tenant` argument to a tool's input shape as the {@link TenantPolicy} allows:
 * required without a default tenant, optional when calls may override it, and absent (so the
 * model never sees it, and a `tenant` sent anyway is stripped) when the server is bound to one.
 * The returned schema is typed as the optional variant; the handler resolves the tenant with
 * `resolveTenant`.
 */
export function withTenant<S extends z.ZodRawShape>(shape: S, policy: TenantPolicy) {
  const tenantId = z.string().regex(TENANT_PATTERN, 'must be 1-64 letters, digits, ".", "_" or "-"');
  const optional = z.object({
    ...shape,
    tenant: tenantId.optional().describe(policy.mode === 'default' ? `Tenant to act on (default ${policy.tenant}).` : 'Tenant to act on.'),
  });
  if (policy.mode === 'default') return optional;
  if (policy.mode === 'fixed') return z.object(shape) as unknown as typeof optional;
  return z.object({ ...shape, tenant: tenantId.describe('Tenant to act on (required).') }) as unknown as typeof optional;
}
