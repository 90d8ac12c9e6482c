import { collectProcessMetrics } from './metrics.js';

/** Environment variables, as `process.env`. */
export type TelemetryEnv = Readonly<Record<string, string | undefined>>;

/** Options of {@link startTelemetry}. */
export interface StartTelemetryOptions {
  /** `service.name` of the process's spans (`ingest`, `query-gateway`, ...); `OTEL_SERVICE_NAME` wins when set. */
  readonly serviceName: string;
  /** Environment; default `process.env`. The SDK itself reads the other `OTEL_*` variables from `process.env`. */
  readonly env?: TelemetryEnv;
}

/** Telemetry of a started process. */
export interface RunningTelemetry {
  /** True when the OpenTelemetry SDK was loaded and spans are exported. */
  readonly tracing: boolean;
  /** Flushes the spans still buffered and stops the exporters; resolves (never rejects) within the SDK's export timeout. */
  shutdown(): Promise<void>;
}

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * Whether the environment asks for traces: `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set, or `OTEL_TRACES_EXPORTER` naming an exporter other
 * than `none`; and `OTEL_SDK_DISABLED` not `true`.
 */
export function tracingRequested(env: TelemetryEnv): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (exporters.length > 0) return exporters.some((e) => e !== 'none');
  return isSet(env['OTEL_EXPORTER_OTLP_ENDPOINT']) || isSet(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

let started: Promise<RunningTelemetry> | undefined;

/**
 * Starts the process's telemetry once (later calls return the first result): prom-client's
 * default process metrics always, and the OpenTelemetry Node SDK (`@opentelemetry/sdk-node`)
 * only when {@link tracingRequested}. Otherwise the SDK is never imported and every span is the
 * API's no-op one. The SDK honours the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_PROPAGATORS`, ... see docs/operations.md); it sends traces only, no OTel metrics or
 * logs (metrics are the Prometheus `/metrics` route's).
 *
 * Call {@link RunningTelemetry.shutdown} on SIGTERM after the service stopped, so the last
 * spans are flushed.
 */
export function startTelemetry(options: StartTelemetryOptions): Promise<RunningTelemetry> {
  started ??= start(options);
  return started;
}

async function start(options: StartTelemetryOptions): Promise<RunningTelemetry> {
  const env = options.env ?? process.env;
  collectProcessMetrics();
  if (!tracingRequested(env)) return { tracing: false, shutdown: () => Promise.resolve() };
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    ...(isSet(env['OTEL_SERVICE_NAME']) ? {} : { serviceName: options.serviceName }),
    instrumentations: [],
    // traces only: metrics are served by /metrics (prom-client), logs go to stdout (pino)
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  return {
    tracing: true,
    shutdown: () => (stopping ??= sdk.shutdown().catch(() => undefined)),
  };
}
