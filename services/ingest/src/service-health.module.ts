import { Controller, Get, Inject, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { UnavailableError } from '@memfabric/errors';
import type { HealthStatus } from '@memfabric/events';
import { INGEST_LOGGER } from './ingest.tokens.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { Public } from './security/access.decorator.js';
import type { IngestLogger } from './ingest.logger.js';

/** One dependency `/health/ready` asks about. */
export interface ReadinessCheck {
  /** Short name shown in the 503 detail, e.g. `event log`, `read side lag`. */
  readonly name: string;
  /** Resolves when ready; throws (any error) with the reason otherwise. */
  check(): Promise<void>;
}

/** How long `/health/ready` waits for each check, in ms. */
export const READINESS_CHECK_TIMEOUT_MS = 2000;

const HEALTH_CHECKS = Symbol.for('memfabric.health.checks');

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /health/live` (the process serves HTTP) and `GET /health/ready` (every check passes). Public. */
@Controller('health')
@Public()
class ServiceHealthController {
  constructor(@Inject(HEALTH_CHECKS) private readonly checks: readonly ReadinessCheck[]) {}

  @Get('live')
  live(): HealthStatus {
    return { status: 'ok' };
  }

  /**
   * Runs every check concurrently, each bounded by {@link READINESS_CHECK_TIMEOUT_MS}.
   * @throws UnavailableError (503 problem+json) naming each failing check and its reason.
   */
  @Get('ready')
  async ready(): Promise<HealthStatus> {
    const results = await Promise.allSettled(this.checks.map((c) => within(c.check(), READINESS_CHECK_TIMEOUT_MS)));
    const failing = results.flatMap((r, i) => (r.status === 'rejected' ? [`${this.checks[i]!.name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
    if (failing.length > 0) throw new UnavailableError(`not ready: ${failing.join('; ')}`, { context: { checks: failing } });
    return { status: 'ok' };
  }
}

/**
 * Liveness and readiness of a stand-alone service (query gateway, projector, audit), with the
 * problem+json filter; import it beside the service's module in `securedApp`.
 */
@Module({})
export class ServiceHealthModule {
  /** The module with the given readiness checks (none: ready whenever live). */
  static forRoot(options: { readonly checks: readonly ReadinessCheck[]; readonly logger: IngestLogger }): DynamicModule {
    return {
      module: ServiceHealthModule,
      controllers: [ServiceHealthController],
      providers: [
        { provide: HEALTH_CHECKS, useValue: options.checks },
        { provide: INGEST_LOGGER, useValue: options.logger },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
