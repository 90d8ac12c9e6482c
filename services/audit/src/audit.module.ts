import { Inject, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { EmbeddedAudit } from '@memfabric/audit-node';
import type { EmbeddedFabric } from '@memfabric/embedded';
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

/** What {@link AuditModule.forRoot} needs. */
export interface AuditModuleOptions {
  /** The embedded fabric to audit; the caller owns it (opens and closes it). */
  readonly fabric: EmbeddedFabric;
  /** Validated configuration (see `loadAuditConfig`). */
  readonly config: AuditConfig;
  /** Data directory holding the signing key (`audit-signing.key`); required unless `audit` is given. */
  readonly dataDir?: string;
  /** An audit already opened over `fabric` (then the module does not close it). */
  readonly audit?: EmbeddedAudit;
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
    @Inject(AUDIT) private readonly audit: EmbeddedAudit,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
    @Inject(AUDIT_LIFECYCLE) private readonly lifecycle: Lifecycle,
  ) {}

  /**
   * The module bound to one fabric.
   * @throws ConfigurationError when neither `audit` nor `dataDir` is given or the signing key is unusable.
   */
  static forRoot(options: AuditModuleOptions): DynamicModule {
    const audit = options.audit ?? EmbeddedAudit.open({ fabric: options.fabric, ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }) });
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
