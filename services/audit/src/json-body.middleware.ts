import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { jsonBodyParser } from '@memfabric/ingest';
import type { AuditConfig } from './audit.config.js';
import { AUDIT_CONFIG } from './audit.tokens.js';

/** POST routes of the audit module that take a JSON body. */
export const AUDIT_JSON_ROUTES: readonly string[] = ['v1/tenants/:tenant/rollbacks', 'v1/rollbacks/:id/revert', 'v1/tenants/:tenant/subjects/:subject/erase'];

/**
 * Parses `application/json` bodies of the audit's POST routes up to `config.maxBodyBytes`;
 * parser failures (413 `entity.too.large`, 400 `entity.parse.failed`, 400 for nesting past
 * `MAX_BODY_DEPTH` or a lone surrogate) reach the problem-details filter. A body of another
 * media type gets 415 (an erase sent as `text/plain` must not run with its body ignored); no
 * body at all is fine. Bound to the audit routes only, so it never touches the ingest module's bodies.
 */
@Injectable()
export class AuditJsonBodyMiddleware implements NestMiddleware {
  private readonly parse: (req: Request, res: Response) => Promise<void>;

  constructor(@Inject(AUDIT_CONFIG) config: AuditConfig) {
    this.parse = jsonBodyParser(config.maxBodyBytes, ['application/json'], { requireJson: true });
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    await this.parse(req, res);
    next();
  }
}
