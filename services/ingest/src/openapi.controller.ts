import { Controller, Get, Inject } from '@nestjs/common';
import type { IngestConfig } from './ingest.config.js';
import { INGEST_CONFIG } from './ingest.tokens.js';
import { Public } from './security/access.decorator.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.document.js';

/** `GET /openapi.json`: the OpenAPI 3.1 description of this service. */
@Controller()
@Public()
export class OpenApiController {
  private readonly document: OpenApiDocument;

  constructor(@Inject(INGEST_CONFIG) config: IngestConfig) {
    this.document = buildOpenApiDocument({ maxBodyBytes: config.maxBodyBytes });
  }

  @Get('openapi.json')
  get(): OpenApiDocument {
    return this.document;
  }
}
