import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { resolvePrincipal, type Authenticator } from '@memfabric/auth';
import { setPrincipal } from './principal.js';
import { AUTHENTICATOR } from './security.tokens.js';

/** Methods that carry a request body; no public route takes one. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authenticates a request before any body parser reads it: a presented credential is checked
 * (401 when bad), and a request with a body but no credential on a server that requires one is
 * refused (401) before its body is read, so an unauthenticated caller cannot make the server
 * parse megabytes of JSON. Requests without a body and without a credential go on to the
 * {@link AuthGuard}, which knows whether the route is public.
 */
@Injectable()
export class EarlyAuthMiddleware implements NestMiddleware {
  constructor(@Inject(AUTHENTICATOR) private readonly authenticator: Authenticator) {}

  async use(req: Request, _res: Response, next: NextFunction): Promise<void> {
    const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
    if (authorization !== undefined || BODY_METHODS.has(req.method)) {
      setPrincipal(req, await resolvePrincipal(this.authenticator, authorization));
    }
    next();
  }
}
