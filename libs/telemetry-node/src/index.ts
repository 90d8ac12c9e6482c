export { instrumentProjection, processSpanParent, type InstrumentProjectionOptions, type ProjectionRuntimeKind } from './instrument-projection.js';
export {
  collectProcessMetrics,
  countAppended,
  countDeadLetters,
  countErasure,
  countRollback,
  lagSamplesOf,
  metricsRegistry,
  metricsText,
  METRICS_CONTENT_TYPE,
  observeApply,
  observeRecall,
  registerLagSource,
  type LagSample,
  type LagSource,
} from './metrics.js';
export { startTelemetry, tracingRequested, type RunningTelemetry, type StartTelemetryOptions, type TelemetryEnv } from './start.js';
