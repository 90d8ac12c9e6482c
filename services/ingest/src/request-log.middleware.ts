import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { INGEST_LOGGER } from './ingest.tokens.js';
import type { IngestLogger } from './ingest.logger.js';

/** Header carrying the request id, read from the client when valid and always echoed back. */
export const REQUEST_ID_HEADER = 'x-request-id';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Writes exactly one log line per request when its response is finished (or the client went
 * away): method, path, status, duration in ms, request id. 5xx lines are `error`, the rest `info`.
 */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  constructor(@Inject(INGEST_LOGGER) private readonly logger: IngestLogger) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const header = req.headers[REQUEST_ID_HEADER];
    const id = typeof header === 'string' && VALID_REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, id);
    let logged = false;
    const done = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      const line = {
        req: { id, method: req.method, url: req.originalUrl },
        res: { statusCode: res.statusCode },
        responseTimeMs: Number(process.hrtime.bigint() - started) / 1e6,
      };
      if (aborted) this.logger.warn(line, 'request aborted');
      else if (res.statusCode >= 500) this.logger.error(line, 'request failed');
      else this.logger.info(line, 'request completed');
    };
    res.once('finish', () => done(false));
    res.once('close', () => done(!res.writableFinished));
    next();
  }
}
