import { Inject, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { INGEST_LOGGER, ProblemDetailsFilter, routeLogger, type IngestLogger } from '@memfabric/ingest';
import type { Recaller } from '@memfabric/recall';
import { RecallJsonBodyMiddleware } from './json-body.middleware.js';
import { QueryOpenApiMiddleware } from './openapi.middleware.js';
import type { QueryGatewayConfig } from './query-gateway.config.js';
import { QUERY_GATEWAY_CONFIG, RECALLER } from './query-gateway.tokens.js';
import { RecallController } from './recall.controller.js';

/** What {@link QueryGatewayModule.forRoot} needs. */
export interface QueryGatewayModuleOptions {
  /** The recall use case to serve (the embedded fabric's `recaller()`, or a cluster one). */
  readonly recaller: Recaller;
  readonly config: QueryGatewayConfig;
  /** pino logger (5xx of the problem filter, the request log lines of its routes); a `child({ service: 'query-gateway' })` in a shared process. */
  readonly logger: IngestLogger;
}

/**
 * The query gateway as a Nest module: `POST /v1/recall`, `GET /v1/recall/presets`, its OpenAPI
 * document at `config.openApiPaths`, a JSON body parser with its own byte limit on the recall
 * route only, and the problem+json filter of `@memfabric/ingest` (the same filter the other
 * modules register), so it shares one Nest app (created with `bodyParser: false`) with the
 * ingest and audit modules.
 */
@Module({})
export class QueryGatewayModule implements NestModule {
  constructor(
    @Inject(QUERY_GATEWAY_CONFIG) private readonly config: QueryGatewayConfig,
    @Inject(INGEST_LOGGER) private readonly logger: IngestLogger,
  ) {}

  /** The module bound to one recaller. */
  static forRoot(options: QueryGatewayModuleOptions): DynamicModule {
    return {
      module: QueryGatewayModule,
      controllers: [RecallController],
      providers: [
        { provide: RECALLER, useValue: options.recaller },
        { provide: QUERY_GATEWAY_CONFIG, useValue: options.config },
        { provide: INGEST_LOGGER, useValue: options.logger },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [RECALLER, QUERY_GATEWAY_CONFIG],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // the routes by path: `forRoutes(RecallController)` would also register `POST /v1/recall/`
    consumer.apply(routeLogger(this.logger)).forRoutes({ path: 'v1/recall', method: RequestMethod.POST }, { path: 'v1/recall/presets', method: RequestMethod.GET });
    consumer.apply(RecallJsonBodyMiddleware).forRoutes({ path: 'v1/recall', method: RequestMethod.POST });
    if (this.config.openApiPaths.length > 0) {
      consumer.apply(QueryOpenApiMiddleware).forRoutes(...this.config.openApiPaths.map((path) => ({ path, method: RequestMethod.GET })));
    }
  }
}
