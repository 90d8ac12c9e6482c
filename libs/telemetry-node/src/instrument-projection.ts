import { context, ROOT_CONTEXT, SpanKind, trace, SpanStatusCode, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { ATTR, ATTR_VALUE, contextFromTraceparent, memfabricTracer, parseTraceparent, SPAN } from '@memfabric/telemetry';
import { observeApply } from './metrics.js';

/** What the wrapper reads of an event: its CloudEvents `traceparent` extension. */
interface TracedEvent {
  readonly traceparent?: string;
}

/** The part of a projection handler (SQLite or asynchronous) the wrapper touches. */
interface ApplyingHandler {
  readonly name: string;
  apply(events: readonly never[], context: never): unknown;
}

/** Where the handler runs: `sqlite` (in the process's database) or `async` (consumer groups). */
export type ProjectionRuntimeKind = 'sqlite' | 'async';

/** Options of {@link instrumentProjection}. */
export interface InstrumentProjectionOptions {
  readonly runtime: ProjectionRuntimeKind;
  /** The log's Kafka topic, when the events come from one (`messaging.destination.name`). */
  readonly topic?: string;
}

/**
 * The parent and links of a process span over `events` (OpenTelemetry messaging semconv,
 * "Consumer spans"): a link to the producer context of every event that carries a
 * `traceparent` (the CloudEvents Distributed Tracing extension); when all of them belong to one
 * trace, the span is also a child of the first one, so a single write's trace reaches the
 * projections (across processes, from the stored event alone).
 */
export function processSpanParent(events: readonly TracedEvent[]): { readonly parent: Context; readonly links: Link[] } {
  const links: Link[] = [];
  const seen = new Set<string>();
  const traces = new Set<string>();
  let first: string | undefined;
  for (const event of events) {
    const spanContext = parseTraceparent(event.traceparent);
    if (!spanContext) continue;
    traces.add(spanContext.traceId);
    first ??= event.traceparent;
    const key = `${spanContext.traceId}-${spanContext.spanId}`;
    if (seen.has(key) || links.length >= 128) continue;
    seen.add(key);
    links.push({ context: spanContext });
  }
  const parent = traces.size === 1 ? contextFromTraceparent(first) ?? ROOT_CONTEXT : ROOT_CONTEXT;
  return { parent, links };
}

/**
 * Wraps a projection handler so each `apply` call is one CONSUMER span `process <projection>`
 * (`messaging.operation.type` = `process`, parent and links from {@link processSpanParent}) and
 * one observation of `memfabric_projection_apply_duration_seconds`. Every other member is the
 * handler's own (the wrapper is a proxy), so the runtime sees the same name, version, accepts,
 * prepare and schema hooks. Synchronous applies (SQLite) stay synchronous.
 */
export function instrumentProjection<H extends ApplyingHandler>(handler: H, options: InstrumentProjectionOptions): H {
  const tracer = memfabricTracer();
  const apply = (events: readonly TracedEvent[], applyContext: { readonly generation?: number; readonly group?: string }): unknown => {
    const { parent, links } = processSpanParent(events);
    const attributes: Attributes = {
      [ATTR.messagingOperationType]: ATTR_VALUE.operationProcess,
      [ATTR.messagingOperationName]: ATTR_VALUE.operationProcess,
      [ATTR.messagingBatchMessageCount]: events.length,
      [ATTR.projection]: handler.name,
      [ATTR.projectionRuntime]: options.runtime,
    };
    if (options.topic !== undefined) {
      attributes[ATTR.messagingSystem] = ATTR_VALUE.messagingSystemKafka;
      attributes[ATTR.messagingDestinationName] = options.topic;
    }
    if (applyContext.generation !== undefined) attributes[ATTR.projectionGeneration] = applyContext.generation;
    if (applyContext.group !== undefined) attributes[ATTR.messagingConsumerGroup] = applyContext.group;
    const span = tracer.startSpan(SPAN.projectionProcess(handler.name), { kind: SpanKind.CONSUMER, attributes, links }, parent);
    const started = performance.now();
    const done = (error?: unknown) => {
      observeApply(handler.name, options.runtime, (performance.now() - started) / 1000);
      if (error !== undefined) {
        span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : typeof error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : typeof error });
      }
      span.end();
    };
    let result: unknown;
    try {
      // inside the span: what the handler appends (extracted facts) continues the trace
      result = context.with(trace.setSpan(parent, span), () =>
        (handler.apply as (e: readonly TracedEvent[], c: unknown) => unknown).call(handler, events, applyContext),
      );
    } catch (error) {
      done(error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          done();
          return value;
        },
        (error: unknown) => {
          done(error);
          throw error;
        },
      );
    }
    done();
    return result;
  };
  return new Proxy(handler, {
    get(target, property) {
      if (property === 'apply') return apply;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
