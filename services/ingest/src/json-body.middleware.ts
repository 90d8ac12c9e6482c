import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IngestConfig } from './ingest.config.js';
import { INGEST_CONFIG } from './ingest.tokens.js';

/** Media types accepted for an append body: the CloudEvents JSON batch format and plain JSON. */
export const BATCH_MEDIA_TYPES = ['application/cloudevents-batch+json', 'application/json'] as const;

/**
 * A JSON body parser for one route of a Nest app created with `bodyParser: false`: parses
 * bodies of `mediaTypes` up to `limitBytes` bytes and rejects with the parser's error
 * (`entity.too.large` → 413, `entity.parse.failed` → 400 in the problem-details filter). Shared by
 * the ingest, query-gateway and audit modules, each with its own limit and routes.
 */
export function jsonBodyParser(limitBytes: number, mediaTypes: readonly string[]): (req: Request, res: Response) => Promise<void> {
  const parse = express.json({ limit: limitBytes, type: [...mediaTypes], strict: true });
  return (req, res) =>
    new Promise<void>((resolve, reject) => {
      void parse(req, res, (error?: unknown) => {
        if (error == null) resolve();
        else reject(error instanceof Error ? error : new Error('body parser failed', { cause: error }));
      });
    });
}

/**
 * Parses JSON request bodies of the media types in {@link BATCH_MEDIA_TYPES}, up to
 * `config.maxBodyBytes` bytes. Parser failures (`entity.too.large`, `entity.parse.failed`, ...)
 * are rethrown into Nest so the problem-details filter renders them; the app must be created with
 * `bodyParser: false` so no other parser runs first.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  private readonly parse: (req: Request, res: Response) => Promise<void>;

  constructor(@Inject(INGEST_CONFIG) config: IngestConfig) {
    this.parse = jsonBodyParser(config.maxBodyBytes, BATCH_MEDIA_TYPES);
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    await this.parse(req, res);
    next();
  }
}
