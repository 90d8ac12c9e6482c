import { pino } from 'pino';
import { MemfabricError } from '@memfabric/errors';
import { startTelemetry, type RunningTelemetry } from '@memfabric/telemetry-node';

/** A started stand-alone service. */
export interface RunningService {
  /** Base URL it listens on, e.g. `http://127.0.0.1:8082`. */
  readonly url: string;
  /**
   * Graceful stop: stop accepting requests and consuming, finish the batch in flight, commit,
   * close every client.
   */
  close(): Promise<void>;
}

/** Options of {@link serviceMain}. */
export interface ServiceMainOptions {
  /** How long a SIGTERM/SIGINT stop may take before the process exits with code 1, in ms. */
  readonly shutdownTimeoutMs: number;
}

/**
 * The entry point of a stand-alone service. Starts it; on failure logs `fatal` lines (one per
 * configuration problem, each naming its variable, else one line with the error) and sets the
 * exit code to 1. On SIGTERM or SIGINT it calls `close()`, flushes the spans still buffered, and
 * exits 0 when that resolves, or 1 when it fails or takes longer than `shutdownTimeoutMs`.
 * Telemetry starts first (`startTelemetry`: the OpenTelemetry SDK only when `OTEL_*` asks for
 * traces).
 * @param service - the `service` field of the log lines (`query-gateway`, `projector`, ...).
 * @param start - starts the service (reads its configuration, listens) and says its shutdown timeout.
 * @returns the running service, or undefined when it did not start.
 */
export async function serviceMain(service: string, start: () => Promise<RunningService & ServiceMainOptions>): Promise<RunningService | undefined> {
  const log = pino({ base: { service } });
  let running: RunningService & ServiceMainOptions;
  let telemetry: RunningTelemetry | undefined;
  try {
    telemetry = await startTelemetry({ serviceName: service });
    running = await start();
  } catch (error) {
    const problems = MemfabricError.is(error) && Array.isArray(error.context['problems']) ? error.context['problems'].map(String) : [];
    if (MemfabricError.is(error) && problems.length > 0) for (const problem of problems) log.fatal({ code: error.code }, `invalid configuration: ${problem}`);
    else if (MemfabricError.is(error)) log.fatal({ code: error.code }, error.message);
    else log.fatal({ err: error }, `${service} failed to start`);
    process.exitCode = 1;
    await telemetry?.shutdown();
    return undefined;
  }
  if (telemetry.tracing) log.info('traces are exported (OpenTelemetry SDK started from the OTEL_* settings)');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, timeoutMs: running.shutdownTimeoutMs }, `${service} stopping`);
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: running.shutdownTimeoutMs }, `${service} did not stop within the shutdown timeout`);
      process.exit(1);
    }, running.shutdownTimeoutMs);
    running.close().then(
      // the last spans (the stop's own included) are flushed before the exit
      async () => {
        await telemetry.shutdown();
        clearTimeout(deadline);
        log.info(`${service} stopped`);
        // a client's idle timer must not hold the process past a clean stop
        setTimeout(() => process.exit(process.exitCode ?? 0), 50).unref();
      },
      (error: unknown) => {
        clearTimeout(deadline);
        log.error({ err: error }, `${service} did not stop cleanly`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return running;
}
