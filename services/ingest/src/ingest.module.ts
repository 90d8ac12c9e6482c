import { Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { EventLog } from '@memfabric/event-log';
import { EventsController } from './events.controller.js';
import { HealthController } from './health.controller.js';
import type { IngestConfig } from './ingest.config.js';
import { createIngestLogger, type IngestLogger } from './ingest.logger.js';
import { IngestService } from './ingest.service.js';
import { EVENT_LOG, INGEST_CONFIG, INGEST_LOGGER } from './ingest.tokens.js';
import { JsonBodyMiddleware } from './json-body.middleware.js';
import { OpenApiController } from './openapi.controller.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { RequestLogMiddleware } from './request-log.middleware.js';
import { StreamsController } from './streams.controller.js';

/** What {@link IngestModule.forRoot} needs. */
export interface IngestModuleOptions {
  /** The event log to append to; the caller owns it (opens and closes it). */
  readonly log: EventLog;
  /** Validated configuration (see `loadIngestConfig`). */
  readonly config: IngestConfig;
  /** Logger; default a pino logger to stdout at `config.logLevel`. */
  readonly logger?: IngestLogger;
  /**
   * Whether the module serves its own OpenAPI document at `/openapi.json` (default true); false
   * when the hosting app serves a document of its own there (the all-in-one fabric's merged one).
   */
  readonly openApi?: boolean;
}

/**
 * The ingest service as a Nest module: routes under `/v1/events`, `/v1/tenants/...`,
 * `/openapi.json` and `/health`, the JSON body parser with the configured byte limit, one
 * request log line per request, and the problem+json exception filter (registered as
 * `APP_FILTER`, so it answers for the whole application).
 *
 * The event log arrives through the {@link EVENT_LOG} token, so the all-in-one runner passes the
 * embedded SQLite log and a cluster deployment the Kafka one. The application hosting the module
 * must be created with `bodyParser: false` (see `createIngestApp`).
 */
@Module({})
export class IngestModule implements NestModule {
  /** The module bound to one event log, configuration and logger. */
  static forRoot(options: IngestModuleOptions): DynamicModule {
    const logger = options.logger ?? createIngestLogger(options.config.logLevel);
    return {
      module: IngestModule,
      controllers: [EventsController, StreamsController, HealthController, ...(options.openApi === false ? [] : [OpenApiController])],
      providers: [
        { provide: EVENT_LOG, useValue: options.log },
        { provide: INGEST_CONFIG, useValue: options.config },
        { provide: INGEST_LOGGER, useValue: logger },
        IngestService,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [IngestService, EVENT_LOG, INGEST_CONFIG, INGEST_LOGGER],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLogMiddleware).forRoutes({ path: '{*splat}', method: RequestMethod.ALL });
    consumer.apply(JsonBodyMiddleware).forRoutes({ path: 'v1/events', method: RequestMethod.POST });
  }
}
