import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { jsonBodyParser } from '@memfabric/ingest';
import type { QueryGatewayConfig } from './query-gateway.config.js';
import { QUERY_GATEWAY_CONFIG } from './query-gateway.tokens.js';

/**
 * Parses `application/json` bodies of `POST /v1/recall` up to `config.maxBodyBytes`; parser
 * failures (413 `entity.too.large`, 400 `entity.parse.failed`, 400 for nesting past
 * `MAX_BODY_DEPTH` or a lone surrogate) reach the problem-details filter, and a body of another
 * media type gets 415.
 */
@Injectable()
export class RecallJsonBodyMiddleware implements NestMiddleware {
  private readonly parse: (req: Request, res: Response) => Promise<void>;

  constructor(@Inject(QUERY_GATEWAY_CONFIG) config: QueryGatewayConfig) {
    this.parse = jsonBodyParser(config.maxBodyBytes, ['application/json'], { requireJson: true });
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    await this.parse(req, res);
    next();
  }
}
