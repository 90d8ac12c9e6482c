import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Controller, Get, Header, Inject, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '@memfabric/ingest';

/** Token of the merged OpenAPI document the module serves. */
const API_DOCUMENT = Symbol.for('memfabric.fabric.api-document');

/** Where the browsable API page is served. */
export const DOCS_PATH = '/docs';

/** Prefix of the page's assets (Swagger UI's files, served from the installed `swagger-ui-dist`). */
export const DOCS_ASSETS_PATH = '/docs/assets';

/** Files of `swagger-ui-dist` the page loads, and their media types. */
const SWAGGER_UI_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** Starts Swagger UI on the served document; `validatorUrl: null` keeps the page from calling swagger.io's validator. */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });
});
`;

/**
 * The HTML of the API page: Swagger UI with every script, style sheet and icon loaded from this
 * server ({@link DOCS_ASSETS_PATH}); no CDN.
 */
export function docsPage(title: string): string {
  const escaped = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped}</title>
<link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="${DOCS_ASSETS_PATH}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_ASSETS_PATH}/init.js"></script>
</body>
</html>
`;
}

/** The directory of the installed `swagger-ui-dist` package. */
function swaggerUiDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * Answers `GET /docs/assets/<file>` with one of Swagger UI's files or the page's start script;
 * any other name falls through (404). A middleware rather than a route: the asset names are
 * not API operations.
 */
function docsAssets(): (req: Request, res: Response, next: NextFunction) => void {
  const dir = swaggerUiDir();
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const [name, type] of Object.entries(SWAGGER_UI_FILES)) files.set(name, { type, body: readFileSync(path.join(dir, name)) });
  files.set('init.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(INIT_SCRIPT) });
  return (req, res, next) => {
    const pathname = req.originalUrl.split('?')[0] ?? '';
    const file = pathname.startsWith(`${DOCS_ASSETS_PATH}/`) ? files.get(pathname.slice(DOCS_ASSETS_PATH.length + 1)) : undefined;
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next();
      return;
    }
    res.status(200).setHeader('Content-Type', file.type);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(file.body);
  };
}

/** `GET /openapi.json` (the merged document) and `GET /docs` (the page). Public: documentation only. */
@Controller()
@Public()
class ApiDocsController {
  private readonly page: string;

  constructor(@Inject(API_DOCUMENT) private readonly document: Readonly<Record<string, unknown>>) {
    const info = document['info'] as { title?: unknown } | undefined;
    this.page = docsPage(typeof info?.title === 'string' ? info.title : 'memfabric API');
  }

  @Get('openapi.json')
  openApi(): Readonly<Record<string, unknown>> {
    return this.document;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  docs(): string {
    return this.page;
  }
}

/**
 * The API documentation of an app hosting several modules: one OpenAPI document at
 * `/openapi.json` and a browsable Swagger UI page at `/docs` whose assets come from the
 * installed `swagger-ui-dist` package (served under {@link DOCS_ASSETS_PATH}).
 */
@Module({})
export class ApiDocsModule implements NestModule {
  /**
   * @param document - the OpenAPI 3.1 document to serve (see `buildFabricOpenApiDocument`).
   * @throws Error when `swagger-ui-dist` is not installed.
   */
  static forRoot(document: Readonly<Record<string, unknown>>): DynamicModule {
    return { module: ApiDocsModule, controllers: [ApiDocsController], providers: [{ provide: API_DOCUMENT, useValue: document }] };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(docsAssets()).forRoutes({ path: `${DOCS_ASSETS_PATH.slice(1)}/{*file}`, method: RequestMethod.GET });
  }
}
