import {
  context,
  createTraceState,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type Link,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE } from './catalog.js';

/**
 * Trace context helpers over the OpenTelemetry API. Without a registered SDK every tracer is the
 * API's no-op one: spans are non-recording, their context is invalid, and these helpers return
 * `undefined` / inject nothing, so the cost of tracing switched off is a few function calls.
 */

/** The memfabric tracer (the no-op tracer until an SDK is registered). */
export function memfabricTracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_SCOPE);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Formats a span context as a W3C Trace Context `traceparent`
 * (https://www.w3.org/TR/trace-context/#traceparent-header): `00-<trace id>-<span id>-<flags>`.
 * @returns the header value, or undefined for an invalid (no-op) context.
 */
export function formatTraceparent(spanContext: SpanContext): string | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/**
 * Parses a W3C `traceparent` into a remote span context (version 00 rules: all-zero ids and
 * version `ff` are invalid).
 * @returns the span context, or undefined when the value is absent or malformed.
 */
export function parseTraceparent(traceparent: string | undefined, tracestate?: string): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match || match[1] === 'ff') return undefined;
  const spanContext: SpanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: parseInt(match[4]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (!isSpanContextValid(spanContext)) return undefined;
  return tracestate === undefined || tracestate.trim() === '' ? spanContext : { ...spanContext, traceState: createTraceState(tracestate) };
}

/** The trace id of a `traceparent`, or undefined when it is malformed. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

/**
 * A context whose parent is the given `traceparent` (the CloudEvents Distributed Tracing
 * extension of a stored event, or a header), on top of `base` (default the root context, so a
 * consumer's span does not continue whatever happened to be active).
 */
export function contextFromTraceparent(traceparent: string | undefined, base: Context = ROOT_CONTEXT): Context | undefined {
  const spanContext = parseTraceparent(traceparent);
  return spanContext ? trace.setSpanContext(base, spanContext) : undefined;
}

/** A span link to the context named by `traceparent`, or undefined when there is none. */
export function linkTo(traceparent: string | undefined): Link | undefined {
  const spanContext = parseTraceparent(traceparent);
  return spanContext ? { context: spanContext } : undefined;
}

/**
 * Writes the active (or given) context into a carrier of string headers with the registered
 * propagator (W3C `traceparent` and `tracestate` under the SDK; nothing under the no-op API).
 */
export function injectTraceHeaders(carrier: Record<string, string>, from: Context = context.active()): void {
  propagation.inject(from, carrier);
}

/**
 * Reads a context from string headers with the registered propagator (the root context when
 * there is no SDK or no valid `traceparent`).
 */
export function extractTraceHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    get: (carrier, key) => {
      const value = carrier[key];
      return Array.isArray(value) ? value[0] : value;
    },
    keys: (carrier) => Object.keys(carrier),
  });
}
