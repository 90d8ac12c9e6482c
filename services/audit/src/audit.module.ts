import { Inject, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import type { Signer } from '@memfabric/audit';
import { Audit, loadAuditSigner, type AuditedFabric } from '@memfabric/audit-node';
import { ConfigurationError } from '@memfabric/errors';
import { INGEST_LOGGER, ProblemDetailsFilter, routeLogger } from '@memfabric/ingest';
import { ActionsController } from './actions.controller.js';
import { AdminController } from './admin.controller.js';
import type { AuditConfig } from './audit.config.js';
import { AUDIT, AUDIT_CONFIG } from './audit.tokens.js';
import { HistoryController } from './history.controller.js';
import { AuditJsonBodyMiddleware, AUDIT_JSON_ROUTES } from './json-body.middleware.js';
import { OpenApiMiddleware } from './openapi.middleware.js';
import { StateController } from './state.controller.js';

/** Token of the module's own bookkeeping (whether it created the audit and should close it). */
const AUDIT_LIFECYCLE = Symbol.for('memfabric.audit.lifecycle');

/**
 * What {@link AuditModule.forRoot} needs: an `Audit`, or the fabric to build one over (any
 * `AuditedFabric`: `embeddedAuditedFabric(fabric)` on one machine, the cluster's elsewhere) and
 * where its signing key comes from.
 */
export interface AuditModuleOptions {
  /** An audit already built (then the module does not close it, and `fabric`, `signer` and `dataDir` are not used). */
  readonly audit?: Audit;
  /** The fabric to audit when `audit` is not given; the caller owns it (opens and closes it). */
  readonly fabric?: AuditedFabric;
  /** Validated configuration (see `loadAuditConfig`); its `signingKeyFile` is the signing key unless `signer` is given. */
  readonly config: AuditConfig;
  /** Signs checkpoints and exports (an HSM- or KMS-backed signer); default: `config.signingKeyFile`, else `<dataDir>/audit-signing.key`. */
  readonly signer?: Signer;
  /** Data directory holding the signing key (`audit-signing.key`, created on first use) when neither `signer` nor `config.signingKeyFile` is set. */
  readonly dataDir?: string;
  /** pino logger (errors of automatic checkpoints, 5xx of the problem filter, the request log lines of its routes); a `child({ service: 'audit' })` in a shared process. */
  readonly logger: Logger;
}

interface Lifecycle {
  readonly owned: boolean;
  readonly logger: Logger;
}

/**
 * The audit service as a Nest module: history, point-in-time state, the read audit, signed
 * checkpoints, export and verification, rollback (dry run, apply, revert) and erasure routes (see `buildAuditOpenApiDocument`), a JSON body
 * parser with its own byte limit on the audit's POST routes only, the OpenAPI document at
 * `config.openApiPaths`, and the problem+json filter of `@memfabric/ingest` registered as
 * `APP_FILTER` — the same filter the ingest module registers, so the modules share one Nest app
 * (created with `bodyParser: false`) and answer errors alike. Takes signed checkpoints every
 * `config.checkpointEvery` events while the app runs (0: only on demand and at export).
 */
@Module({})
export class AuditModule implements NestModule, OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(AUDIT) private readonly audit: Audit,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
    @Inject(AUDIT_LIFECYCLE) private readonly lifecycle: Lifecycle,
  ) {}

  /**
   * The module bound to one audit (given, or built over `options.fabric`).
   * @throws ConfigurationError when neither `audit` nor `fabric` is given, when no signing key
   *   is (no `signer`, `config.signingKeyFile` or `dataDir`), or the key file is unusable.
   */
  static forRoot(options: AuditModuleOptions): DynamicModule {
    const audit = options.audit ?? openAudit(options);
    return {
      module: AuditModule,
      controllers: [HistoryController, StateController, AdminController, ActionsController],
      providers: [
        { provide: AUDIT, useValue: audit },
        { provide: AUDIT_CONFIG, useValue: options.config },
        { provide: AUDIT_LIFECYCLE, useValue: { owned: options.audit === undefined, logger: options.logger } satisfies Lifecycle },
        { provide: INGEST_LOGGER, useValue: options.logger },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [AUDIT, AUDIT_CONFIG],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(routeLogger(this.lifecycle.logger)).forRoutes(HistoryController, StateController, AdminController, ActionsController);
    consumer.apply(AuditJsonBodyMiddleware).forRoutes(...AUDIT_JSON_ROUTES.map((path) => ({ path, method: RequestMethod.POST })));
    if (this.config.openApiPaths.length > 0) {
      consumer.apply(OpenApiMiddleware).forRoutes(...this.config.openApiPaths.map((path) => ({ path, method: RequestMethod.GET })));
    }
  }

  onApplicationBootstrap(): void {
    if (this.config.checkpointEvery > 0) {
      this.audit.startCheckpointing(this.config.checkpointEvery, (error) => this.lifecycle.logger.error({ err: error }, 'automatic checkpoint failed'));
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.lifecycle.owned) await this.audit.close();
    else await this.audit.stopCheckpointing();
  }
}

function openAudit(options: AuditModuleOptions): Audit {
  if (options.fabric === undefined) throw new ConfigurationError('AuditModule.forRoot: pass an audit, or the fabric to audit (e.g. embeddedAuditedFabric(fabric))');
  const { signingKeyFile } = options.config;
  const signer =
    options.signer ?? loadAuditSigner({ ...(signingKeyFile === undefined ? {} : { keyFile: signingKeyFile }), ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }) });
  return new Audit({ fabric: options.fabric, signer });
}
