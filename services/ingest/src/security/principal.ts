import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { UnauthenticatedError } from '@memfabric/errors';
import type { Principal } from '@memfabric/auth';

const PRINCIPAL = Symbol.for('memfabric.principal');

/** Attaches the authenticated principal to the request (done once, by the auth guard). */
export function setPrincipal(req: Request, principal: Principal): void {
  (req as unknown as Record<symbol, Principal>)[PRINCIPAL] = principal;
}

/** The request's principal, if the guard has authenticated one. */
export function principalOf(req: Request): Principal | undefined {
  return (req as unknown as Record<symbol, Principal | undefined>)[PRINCIPAL];
}

/**
 * The request's principal.
 * @throws UnauthenticatedError when the route ran without the auth guard (a wiring error that
 *   must never fall back to an anonymous reader).
 */
export function requirePrincipal(req: Request): Principal {
  const principal = principalOf(req);
  if (!principal) throw new UnauthenticatedError('authentication required');
  return principal;
}

/** Handler parameter: the authenticated {@link Principal} of the request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => requirePrincipal(ctx.switchToHttp().getRequest<Request>()));
