import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { EventLog } from '@memfabric/event-log';
import type { IngestConfig } from './ingest.config.js';
import { createIngestLogger, PinoNestLogger, type IngestLogger } from './ingest.logger.js';
import { IngestModule } from './ingest.module.js';
import { securedApp } from './secured-app.js';
import { DEFAULT_SECURITY, type SecurityModuleOptions } from './security/security.module.js';

/** What {@link createIngestApp} needs. */
export interface CreateIngestAppOptions {
  /** The event log to serve; the caller owns it and closes it after the app. */
  readonly log: EventLog;
  /** Validated configuration (see `loadIngestConfig`); `maxBodyBytes` and `logLevel` are used here. */
  readonly config: IngestConfig;
  /** Logger for request lines and Nest's own messages; default pino to stdout at `config.logLevel`. */
  readonly logger?: IngestLogger;
  /** Authenticator and request protections; default {@link DEFAULT_SECURITY} (no credential: loopback mode). */
  readonly security?: SecurityModuleOptions;
}

/**
 * Creates and initialises the ingest HTTP application (Nest on Express) around an event log:
 * Nest's default body parser is off (the module's parser enforces `config.maxBodyBytes`),
 * errors are problem+json, Nest logs through pino, `X-Powered-By` is not sent.
 *
 * The app is initialised but not listening: call `app.listen(config.port, config.host)`, or
 * hand `app.getHttpServer()` to supertest. `app.close()` does not close the log.
 *
 * @throws Error when the module cannot be assembled (a programming error).
 */
export async function createIngestApp(options: CreateIngestAppOptions): Promise<NestExpressApplication> {
  const logger = options.logger ?? createIngestLogger(options.config.logLevel);
  const app = await NestFactory.create<NestExpressApplication>(
    securedApp(options.security ?? DEFAULT_SECURITY, IngestModule.forRoot({ log: options.log, config: options.config, logger })),
    new ExpressAdapter(),
    { bodyParser: false, logger: new PinoNestLogger(logger), abortOnError: false },
  );
  app.disable('x-powered-by');
  await app.init();
  return app;
}
