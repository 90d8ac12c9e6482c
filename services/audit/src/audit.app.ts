import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Signer } from '@memfabric/audit';
import type { Audit, AuditedFabric } from '@memfabric/audit-node';
import { adminTokenSecurity, DEFAULT_SECURITY, PinoNestLogger, securedApp, type SecurityModuleOptions } from '@memfabric/ingest';
import type { AuditConfig } from './audit.config.js';
import { AuditModule } from './audit.module.js';

/** Creates the audit service's logger: pino JSON lines with `service: "audit"`. */
export function createAuditLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'audit' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** What {@link createAuditApp} needs: an `Audit`, or the fabric and signing key to build one (as `AuditModuleOptions`). */
export interface CreateAuditAppOptions {
  /** An audit already built; the caller closes it after the app. */
  readonly audit?: Audit;
  /** The fabric to audit when `audit` is not given; the caller owns it and closes it after the app. */
  readonly fabric?: AuditedFabric;
  readonly config: AuditConfig;
  /** Signer when `audit` is not given; default `config.signingKeyFile`, else the key of `dataDir`. */
  readonly signer?: Signer;
  /** Data directory holding the signing key (when neither `audit`, `signer` nor `config.signingKeyFile` is given). */
  readonly dataDir?: string;
  /** Default pino to stdout at `info`. */
  readonly logger?: Logger;
  /** Authenticator and request protections; default: `config.adminToken` as the only credential (none: loopback mode). */
  readonly security?: SecurityModuleOptions;
}

/**
 * Creates and initialises the audit HTTP application on its own (Nest on Express, no default
 * body parser, problem+json errors, OpenAPI at `/openapi.json` and at `config.openApiPaths`).
 * Not listening: call `app.listen(port, host)` or hand `app.getHttpServer()` to supertest.
 * `app.close()` does not close the fabric.
 * @throws ConfigurationError as `AuditModule.forRoot`.
 */
export async function createAuditApp(options: CreateAuditAppOptions): Promise<NestExpressApplication> {
  const logger = options.logger ?? createAuditLogger('info');
  const config: AuditConfig = { ...options.config, openApiPaths: [...new Set(['openapi.json', ...options.config.openApiPaths])] };
  const app = await NestFactory.create<NestExpressApplication>(
    securedApp(
      options.security ?? adminTokenSecurity(config.adminToken, DEFAULT_SECURITY.config),
      AuditModule.forRoot({
        config,
        logger,
        ...(options.fabric === undefined ? {} : { fabric: options.fabric }),
        ...(options.signer === undefined ? {} : { signer: options.signer }),
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
        ...(options.audit === undefined ? {} : { audit: options.audit }),
      }),
    ),
    new ExpressAdapter(),
    { bodyParser: false, logger: new PinoNestLogger(logger), abortOnError: false },
  );
  app.disable('x-powered-by');
  await app.init();
  return app;
}
