import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { IngestLogLevel } from './ingest.config.js';

/** The structured logger of the ingest service (pino). */
export type IngestLogger = Logger;

/**
 * Creates the service's logger: JSON lines (pino) with `service: "<service>"` on every line.
 * @param level - minimum level written.
 * @param destination - where lines go; default stdout.
 * @param service - the `service` field of every line (default `ingest`); `null` leaves it out, for
 *   a process hosting several modules that each log through `logger.child({ service })`
 *   (pino would otherwise write the field twice).
 */
export function createIngestLogger(level: IngestLogLevel, destination?: DestinationStream, service: string | null = 'ingest'): IngestLogger {
  const options = { level, base: service === null ? {} : { service } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/**
 * The logger of one module inside a shared process: `logger.child({ service })`, or `logger`
 * itself when it already names that service.
 * @param logger - the process's logger, created without a `service` field (see {@link createIngestLogger}).
 * @param service - e.g. `ingest`, `query-gateway`, `audit`.
 */
export function serviceLogger(logger: IngestLogger, service: string): IngestLogger {
  return logger.bindings()['service'] === service ? logger : logger.child({ service });
}

function text(message: unknown): string {
  return typeof message === 'string' ? message : JSON.stringify(message);
}

/**
 * Routes NestJS's own messages (start-up, route mapping, lifecycle errors) to pino, so the
 * process never writes unstructured lines. Nest's `log` level maps to pino `debug` (it is
 * start-up chatter), `verbose` to `trace`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: IngestLogger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, text(message));
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    const hasStack = context !== undefined;
    this.logger.error({ context: hasStack ? context : stackOrContext, stack: hasStack ? stackOrContext : undefined }, text(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, text(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, text(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, text(message));
  }
  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, text(message));
  }
}
