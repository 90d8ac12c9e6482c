import { timingSafeEqual } from 'node:crypto';
import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuditConfig } from './audit.config.js';
import { AUDIT_CONFIG } from './audit.tokens.js';

/**
 * Guards admin routes: `Authorization: Bearer <token>` must equal the configured admin token
 * (compared in constant time). Without a configured token the routes answer 403 and say how to
 * enable them; a missing or wrong token answers 401 with `WWW-Authenticate: Bearer` (RFC 6750).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly token: Buffer | undefined;

  constructor(@Inject(AUDIT_CONFIG) config: AuditConfig) {
    this.token = config.adminToken === undefined ? undefined : Buffer.from(config.adminToken, 'utf8');
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (!this.token) {
      throw new ForbiddenException('admin routes are disabled: set MEMFABRIC_ADMIN_TOKEN (at least 16 characters) and send Authorization: Bearer <token>');
    }
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = match ? Buffer.from(match[1]!, 'utf8') : undefined;
    if (!given || given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="memfabric-admin"');
      throw new UnauthorizedException(given ? 'the bearer token is not the admin token' : 'admin route: send Authorization: Bearer <admin token>');
    }
    return true;
  }
}
