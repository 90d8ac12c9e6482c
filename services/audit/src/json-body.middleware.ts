import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AuditConfig } from './audit.config.js';
import { AUDIT_CONFIG } from './audit.tokens.js';

/** POST routes of the audit module that take a JSON body. */
export const AUDIT_JSON_ROUTES: readonly string[] = ['v1/tenants/:tenant/rollbacks', 'v1/rollbacks/:id/revert', 'v1/tenants/:tenant/subjects/:subject/erase'];

/**
 * Parses `application/json` bodies of the audit's POST routes up to `config.maxBodyBytes`;
 * parser failures (413 `entity.too.large`, 400 `entity.parse.failed`) reach the problem-details
 * filter. Bound to the audit routes only, so it never touches the ingest module's bodies.
 */
@Injectable()
export class AuditJsonBodyMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;

  constructor(@Inject(AUDIT_CONFIG) config: AuditConfig) {
    this.parse = express.json({ limit: config.maxBodyBytes, type: ['application/json'], strict: true });
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      void this.parse(req, res, (error?: unknown) => {
        if (error == null) resolve();
        else reject(error instanceof Error ? error : new Error('body parser failed', { cause: error }));
      });
    });
    next();
  }
}
