import { Controller, Get, Header, Headers, Inject, Param, Post, Req, Res, UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { StoredEvent } from '@memfabric/events';
import type { AppendResponse } from '@memfabric/events';
import { BATCH_ID_HEADER, IngestService } from './ingest.service.js';
import { batchTenants, RequireScope } from './security/access.decorator.js';
import { requirePrincipal } from './security/principal.js';
import { BATCH_MEDIA_TYPES } from './json-body.middleware.js';

/** Media type of a single stored event (CloudEvents JSON format). */
export const EVENT_MEDIA_TYPE = 'application/cloudevents+json';

/** `POST /v1/events` (append a batch) and `GET /v1/events/{id}`. */
@Controller('v1/events')
export class EventsController {
  constructor(@Inject(IngestService) private readonly ingest: IngestService) {}

  /**
   * Appends a CloudEvents JSON batch. 201 when at least one event was written, 200 when every
   * event was already stored (a retry).
   */
  @Post()
  @RequireScope('memory:write', { body: batchTenants })
  async append(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Headers(BATCH_ID_HEADER) batchId: string | undefined,
  ): Promise<AppendResponse> {
    if (!req.is([...BATCH_MEDIA_TYPES])) {
      throw new UnsupportedMediaTypeException(`Content-Type must be ${BATCH_MEDIA_TYPES.join(' or ')}`);
    }
    const response = await this.ingest.append(req.body as unknown, batchId, requirePrincipal(req));
    res.status(response.appended > 0 ? 201 : 200);
    return response;
  }

  /** One stored event, as `application/cloudevents+json`; another tenant's event answers 404 like a missing one. */
  @Get(':id')
  @RequireScope('memory:read', 'handler')
  @Header('Content-Type', EVENT_MEDIA_TYPE)
  getEvent(@Param('id') id: string, @Req() req: Request): Promise<StoredEvent> {
    return this.ingest.getEvent(id, requirePrincipal(req));
  }
}
