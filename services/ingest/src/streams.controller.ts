import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { StreamPage } from '@memfabric/events';
import { IngestService } from './ingest.service.js';
import { RequireScope } from './security/access.decorator.js';

/** `GET /v1/tenants/{tenant}/streams/{stream}/events?from=&limit=`: a stream, page by page. */
@Controller('v1/tenants/:tenant/streams/:stream')
export class StreamsController {
  constructor(@Inject(IngestService) private readonly ingest: IngestService) {}

  @Get('events')
  @RequireScope('memory:read', { param: 'tenant' })
  readStream(
    @Param('tenant') tenant: string,
    @Param('stream') stream: string,
    @Query('from') from: unknown,
    @Query('limit') limit: unknown,
  ): Promise<StreamPage> {
    return this.ingest.readStream(tenant, stream, from, limit);
  }
}
