import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError } from '@memfabric/errors';
import { authorize, resolvePrincipal, type Authenticator, type Principal, type Scope } from '@memfabric/auth';
import { ACCESS_RULE, type AccessRule, type TenantSource } from './access.decorator.js';
import { principalOf, setPrincipal } from './principal.js';
import { RequestRateLimiter } from './rate-limit.js';
import { AUTHENTICATOR, RATE_LIMITER } from './security.tokens.js';

function tenantsOf(source: TenantSource | undefined, req: Request): readonly string[] {
  if (source === undefined || source === 'handler') return [];
  if ('param' in source) {
    const value = req.params[source.param];
    return typeof value === 'string' ? [value] : [];
  }
  return source.body(req.body as unknown);
}

function refuseLocal(principal: Principal, scope: Scope): void {
  if (principal.kind === 'local' && scope === 'audit:admin') {
    throw new ForbiddenError(
      'admin routes need a credential: create a key with `memfabric keys create --tenant T --scopes audit:admin` or set MEMFABRIC_ADMIN_TOKEN, and send Authorization: Bearer <key>',
    );
  }
}

/**
 * The one authorization point of every HTTP route (registered as `APP_GUARD`): reads the route's
 * {@link AccessRule}, authenticates the request (`Authorization: Bearer <API key | JWT | admin
 * token>`, or the local principal on a credential-less loopback server), checks the scope and
 * every tenant the request names, and spends the rate-limit budgets. A route without a rule is
 * refused: nothing is reachable by omission.
 *
 * Errors (rendered as problem+json): 401 `unauthenticated` (with `WWW-Authenticate: Bearer`),
 * 403 `forbidden`, 429 `rate_limited` (with `Retry-After`).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    @Inject(RATE_LIMITER) private readonly limiter: RequestRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    if (rule === undefined) throw new ForbiddenError('this route declares no access rule');
    if (rule.public === true) return true;
    const req = context.switchToHttp().getRequest<Request>();
    let principal = principalOf(req);
    if (!principal) {
      principal = await resolvePrincipal(this.authenticator, typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined);
      setPrincipal(req, principal);
    }
    refuseLocal(principal, rule.scope);
    authorize(principal, rule.scope);
    const tenants = tenantsOf(rule.tenant, req);
    for (const tenant of tenants) authorize(principal, rule.scope, tenant);
    await this.limiter.consume(principal, tenants);
    return true;
  }
}
