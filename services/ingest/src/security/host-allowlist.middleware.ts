import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '@memfabric/errors';
import { hostAllowed, type SecurityConfig } from './security.config.js';
import { SECURITY_CONFIG } from './security.tokens.js';

/**
 * Refuses requests whose `Host` header names a host outside the allow-list (403 problem+json),
 * so a web page on another origin cannot reach a loopback server through DNS rebinding.
 */
@Injectable()
export class HostAllowlistMiddleware implements NestMiddleware {
  constructor(@Inject(SECURITY_CONFIG) private readonly config: SecurityConfig) {}

  use(req: Request, _res: Response, next: NextFunction): void {
    if (!hostAllowed(req.headers.host, this.config.allowedHosts)) {
      throw new ForbiddenError('the Host header names a host this server does not serve (set MEMFABRIC_ALLOWED_HOSTS)');
    }
    next();
  }
}
