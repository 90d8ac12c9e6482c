import { MemfabricError } from '@memfabric/errors';
import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { INGEST_LOGGER } from './ingest.tokens.js';
import type { IngestLogger } from './ingest.logger.js';
import { PROBLEM_MEDIA_TYPE, toProblemDetails } from './problem-details.js';

/**
 * The one exception filter of the service: every error of a route or middleware is answered as
 * `application/problem+json` ({@link toProblemDetails}). Server-side failures (5xx) are logged
 * with the original error and its cause; their details never reach the client. A 401 carries
 * `WWW-Authenticate: Bearer` (RFC 6750), a 429 `Retry-After` in seconds (RFC 9110 §10.2.3).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(INGEST_LOGGER) private readonly logger: IngestLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const body = toProblemDetails(exception, req.path);
    if (body.status === 503) {
      // expected while a dependency is down (readiness, retries): one line, no stack
      this.logger.warn({ req: { method: req.method, url: req.originalUrl }, code: body.code, detail: body.detail }, 'request answered 503');
    } else if (body.status >= 500) {
      this.logger.error({ err: exception, req: { method: req.method, url: req.originalUrl }, code: body.code }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(body.status).setHeader('Content-Type', `${PROBLEM_MEDIA_TYPE}; charset=utf-8`);
    if (body.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="memfabric"');
    if (body.status === 429 && MemfabricError.is(exception)) {
      const retryAfterMs = (exception as { retryAfterMs?: unknown }).retryAfterMs;
      res.setHeader('Retry-After', String(typeof retryAfterMs === 'number' ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : 1));
    }
    res.send(JSON.stringify(body));
  }
}
