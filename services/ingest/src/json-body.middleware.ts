import { Inject, Injectable, UnsupportedMediaTypeException, type NestMiddleware } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ValidationError } from '@memfabric/errors';
import { checkJsonShape, MAX_JSON_DEPTH } from '@memfabric/events';
import type { IngestConfig } from './ingest.config.js';
import { INGEST_CONFIG } from './ingest.tokens.js';

/** Media types accepted for an append body: the CloudEvents JSON batch format and plain JSON. */
export const BATCH_MEDIA_TYPES = ['application/cloudevents-batch+json', 'application/json'] as const;

/**
 * Deepest nesting of arrays/objects accepted in a JSON request body (`{}` is depth 1): 64, the
 * `MAX_JSON_DEPTH` of `@memfabric/events`. A deeper body is refused with 400 before any
 * validator or hash (which recurse) sees it.
 */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH;

/** Options of {@link jsonBodyParser}. */
export interface JsonBodyParserOptions {
  /**
   * Refuse a request that carries a body of another media type (or of none) with 415 instead of
   * leaving `req.body` unset for the route to ignore. Default false (the route checks itself).
   */
  readonly requireJson?: boolean;
}

/** An undecodable `Content-Encoding` body, shaped like body-parser's errors for the problem-details filter. */
class UndecodableBodyError extends Error {
  readonly type = 'encoding.invalid';
  readonly status = 400;
  readonly expose = true;
}

/** True when the request carries a body (RFC 9112 §6.3: a Transfer-Encoding, or a non-zero Content-Length). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

/**
 * body-parser passes a zlib/brotli failure on as a bare 400 error with the decoder's `code`
 * (`Z_DATA_ERROR`, `Z_BUF_ERROR`, `ERR__ERROR_FORMAT_PADDING_1`, ...) and no `type`; name it.
 */
function decodingError(error: unknown, req: Request): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { type?: unknown; code?: unknown; status?: unknown };
  if (e.type !== undefined || typeof e.code !== 'string' || e.status !== 400) return undefined;
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  return new UndecodableBodyError(`request body could not be decoded as Content-Encoding ${encoding}: ${e.message}`, { cause: error });
}

/**
 * A JSON body parser for one route of a Nest app created with `bodyParser: false`: parses
 * bodies of `mediaTypes` up to `limitBytes` bytes (after decoding a gzip, deflate or br
 * `Content-Encoding`) and rejects with an error the problem-details filter renders:
 *
 * - `entity.too.large` → 413; `entity.parse.failed` → 400 `malformed_json`;
 * - an undecodable compressed body → 400 `bad_request`; an unsupported encoding or charset → 415;
 * - a body nested deeper than {@link MAX_BODY_DEPTH} or holding a string (or member name) that is
 *   not well-formed Unicode (a lone surrogate such as `"\ud800"`) → 400 `validation_failed`
 *   naming the JSON Pointer of the first such values;
 * - with `requireJson`, a body of another media type → 415.
 *
 * Shared by the ingest, query-gateway and audit modules, each with its own limit and routes.
 */
export function jsonBodyParser(limitBytes: number, mediaTypes: readonly string[], options: JsonBodyParserOptions = {}): (req: Request, res: Response) => Promise<void> {
  const parse = express.json({ limit: limitBytes, type: [...mediaTypes], strict: true });
  return (req, res) =>
    new Promise<void>((resolve, reject) => {
      if (options.requireJson === true && hasBody(req) && !req.is([...mediaTypes])) {
        req.resume(); // drain the unread body so the connection can answer
        reject(new UnsupportedMediaTypeException(`a request body must be ${mediaTypes.join(' or ')}; got ${req.headers['content-type'] ?? 'no Content-Type'}`));
        return;
      }
      void parse(req, res, (error?: unknown) => {
        if (error != null) {
          reject(decodingError(error, req) ?? (error instanceof Error ? error : new Error('body parser failed', { cause: error })));
          return;
        }
        const problems = req.body === undefined ? [] : checkJsonShape(req.body as unknown, '', MAX_BODY_DEPTH);
        if (problems.length === 0) resolve();
        else reject(new ValidationError(`request body is not acceptable JSON: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems));
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
