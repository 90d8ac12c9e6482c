import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { IngestConfig } from './ingest.config.js';
import { INGEST_CONFIG } from './ingest.tokens.js';

/** Media types accepted for an append body: the CloudEvents JSON batch format and plain JSON. */
export const BATCH_MEDIA_TYPES = ['application/cloudevents-batch+json', 'application/json'] as const;

/**
 * Parses JSON request bodies of the media types in {@link BATCH_MEDIA_TYPES}, up to
 * `config.maxBodyBytes` bytes. Parser failures (`entity.too.large`, `entity.parse.failed`, ...)
 * are rethrown into Nest so the problem-details filter renders them; the app must be created with
 * `bodyParser: false` so no other parser runs first.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;

  constructor(@Inject(INGEST_CONFIG) config: IngestConfig) {
    this.parse = express.json({ limit: config.maxBodyBytes, type: [...BATCH_MEDIA_TYPES], strict: true });
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
