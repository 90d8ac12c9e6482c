import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { INGEST_LOGGER } from './ingest.tokens.js';
import type { IngestLogger } from './ingest.logger.js';

/** Header carrying the request id, read from the client when valid and always echoed back. */
export const REQUEST_ID_HEADER = 'x-request-id';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Where {@link routeLogger} leaves the serving module's logger for the request log line. */
const ROUTE_LOGGER = Symbol.for('memfabric.request-log.route-logger');

/**
 * A middleware naming the module that serves a route in the request log: apply it to the
 * module's controllers (`consumer.apply(routeLogger(logger)).forRoutes(RecallController)`), and
 * the request's line is written through `logger` (e.g. `service: "query-gateway"`) instead of the
 * logger of the module hosting {@link RequestLogMiddleware}.
 * @param logger - the serving module's logger (a `child({ service })` in a shared process).
 */
export function routeLogger(logger: IngestLogger): (req: Request, res: Response, next: NextFunction) => void {
  return (_req, res, next) => {
    (res.locals as Record<symbol, unknown>)[ROUTE_LOGGER] = logger;
    next();
  };
}

/**
 * Writes exactly one log line per request when its response is finished (or the client went
 * away): method, path, status, duration in ms, request id. 5xx lines are `error`, the rest `info`.
 * The line goes through the logger of the module serving the route when it applied
 * {@link routeLogger}, else through this module's.
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
      const logger = ((res.locals as Record<symbol, unknown>)[ROUTE_LOGGER] as IngestLogger | undefined) ?? this.logger;
      if (aborted) logger.warn(line, 'request aborted');
      else if (res.statusCode === 503) logger.warn(line, 'request answered 503');
      else if (res.statusCode >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request completed');
    };
    res.once('finish', () => done(false));
    res.once('close', () => done(!res.writableFinished));
    next();
  }
}
