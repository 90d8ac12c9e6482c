import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuditConfig } from './audit.config.js';
import { AUDIT_CONFIG } from './audit.tokens.js';
import { buildAuditOpenApiDocument } from './openapi.document.js';

/**
 * Answers `GET` on each of `config.openApiPaths` with the audit's OpenAPI 3.1 document. A
 * middleware rather than a controller so the paths are configuration: inside the all-in-one app
 * `/openapi.json` belongs to the ingest module.
 */
@Injectable()
export class OpenApiMiddleware implements NestMiddleware {
  private readonly body: string;

  constructor(@Inject(AUDIT_CONFIG) config: AuditConfig) {
    this.body = JSON.stringify(buildAuditOpenApiDocument({ maxBodyBytes: config.maxBodyBytes }));
  }

  use(_req: Request, res: Response): void {
    res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(this.body);
  }
}
