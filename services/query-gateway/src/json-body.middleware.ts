import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { QueryGatewayConfig } from './query-gateway.config.js';
import { QUERY_GATEWAY_CONFIG } from './query-gateway.tokens.js';

/**
 * Parses `application/json` bodies of `POST /v1/recall` up to `config.maxBodyBytes`; parser
 * failures (413 `entity.too.large`, 400 `entity.parse.failed`) reach the problem-details filter.
 */
@Injectable()
export class RecallJsonBodyMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;

  constructor(@Inject(QUERY_GATEWAY_CONFIG) config: QueryGatewayConfig) {
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
