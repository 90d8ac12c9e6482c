import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { createIngestLogger, DEFAULT_SECURITY, PinoNestLogger, securedApp, type IngestLogger, type SecurityModuleOptions } from '@memfabric/ingest';
import type { Recaller } from '@memfabric/recall';
import { QUERY_GATEWAY_DEFAULTS, type QueryGatewayConfig } from './query-gateway.config.js';
import { QueryGatewayModule } from './query-gateway.module.js';

/** What {@link createQueryGatewayApp} needs. */
export interface CreateQueryGatewayAppOptions {
  readonly recaller: Recaller;
  /** Default {@link QUERY_GATEWAY_DEFAULTS}. */
  readonly config?: QueryGatewayConfig;
  /** Default pino to stdout at `info`. */
  readonly logger?: IngestLogger;
  /** Authenticator and request protections; default `DEFAULT_SECURITY` (no credential: loopback mode). */
  readonly security?: SecurityModuleOptions;
}

/**
 * Creates and initialises the query gateway on its own (Nest on Express, no default body
 * parser, problem+json errors, OpenAPI at `/openapi.json` and the configured paths). Not
 * listening: call `app.listen(port, host)` or hand `app.getHttpServer()` to supertest.
 */
export async function createQueryGatewayApp(options: CreateQueryGatewayAppOptions): Promise<NestExpressApplication> {
  const logger = options.logger ?? createIngestLogger('info');
  const base = options.config ?? QUERY_GATEWAY_DEFAULTS;
  const config: QueryGatewayConfig = { ...base, openApiPaths: [...new Set(['openapi.json', ...base.openApiPaths])] };
  const app = await NestFactory.create<NestExpressApplication>(securedApp(options.security ?? DEFAULT_SECURITY, QueryGatewayModule.forRoot({ recaller: options.recaller, config, logger })), new ExpressAdapter(), {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  await app.init();
  return app;
}
