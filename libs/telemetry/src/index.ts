export { ATTR, ATTR_VALUE, INSTRUMENTATION_SCOPE, LABEL, METRIC, SPAN, type MetricName } from './catalog.js';
export {
  contextFromTraceparent,
  extractTraceHeaders,
  formatTraceparent,
  injectTraceHeaders,
  linkTo,
  memfabricTracer,
  parseTraceparent,
  traceIdOf,
} from './trace-context.js';
