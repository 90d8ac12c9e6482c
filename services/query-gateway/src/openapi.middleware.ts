import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { buildQueryGatewayOpenApiDocument } from './openapi.document.js';
import type { QueryGatewayConfig } from './query-gateway.config.js';
import { QUERY_GATEWAY_CONFIG } from './query-gateway.tokens.js';

/** Answers `GET` on each of `config.openApiPaths` with the gateway's OpenAPI 3.1 document. */
@Injectable()
export class QueryOpenApiMiddleware implements NestMiddleware {
  private readonly body: string;

  constructor(@Inject(QUERY_GATEWAY_CONFIG) config: QueryGatewayConfig) {
    this.body = JSON.stringify(buildQueryGatewayOpenApiDocument({ maxBodyBytes: config.maxBodyBytes }));
  }

  use(_req: Request, res: Response): void {
    res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(this.body);
  }
}
