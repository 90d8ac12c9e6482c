import { Controller, Get, Inject } from '@nestjs/common';
import { UnavailableError } from '@memfabric/errors';
import type { EventLog } from '@memfabric/event-log';
import type { HealthStatus } from '@memfabric/events';
import { EVENT_LOG } from './ingest.tokens.js';
import { Public } from './security/access.decorator.js';

/** How long readiness waits for the event log, in ms. */
export const READINESS_TIMEOUT_MS = 2000;

/** `GET /health/live` (the process serves HTTP) and `GET /health/ready` (the event log answers). */
@Controller('health')
@Public()
export class HealthController {
  constructor(@Inject(EVENT_LOG) private readonly log: EventLog) {}

  @Get('live')
  live(): HealthStatus {
    return { status: 'ok' };
  }

  /**
   * Ready when the log returns its end offsets within {@link READINESS_TIMEOUT_MS}.
   * @throws UnavailableError (503) otherwise.
   */
  @Get('ready')
  async ready(): Promise<HealthStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
    });
    try {
      await Promise.race([(async () => this.log.end())(), timeout]);
      return { status: 'ok' };
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new UnavailableError(`event log is not reachable: ${reason}`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }
}
