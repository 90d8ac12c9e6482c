import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Observable } from 'rxjs';
import { ATTR, extractTraceHeaders, memfabricTracer, SPAN } from '@memfabric/telemetry';

/** Routes not traced: probes and scrapes would drown the traces of real work. */
const UNTRACED = /^\/(health|metrics)(\/|$)/;

/**
 * One SERVER span per HTTP request (`<METHOD> <route template>`, OpenTelemetry HTTP semconv),
 * child of the caller's W3C `traceparent` / `tracestate` headers when present; the handler runs
 * inside it, so the append's producer span and the recall's spans are its children. Runs after
 * the guards and body parsing (an interceptor), ends when the response is finished. Under the
 * no-op API (tracing off) the span is non-recording and costs a few calls.
 */
@Injectable()
export class TraceInterceptor implements NestInterceptor {
  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (executionContext.getType() !== 'http') return next.handle();
    const http = executionContext.switchToHttp();
    const request = http.getRequest<IncomingMessage & { route?: { path?: unknown }; path?: string }>();
    const response = http.getResponse<ServerResponse>();
    const route = typeof request.route?.path === 'string' ? request.route.path : (request.path ?? '');
    if (UNTRACED.test(route)) return next.handle();
    const method = request.method ?? 'GET';
    const parent = extractTraceHeaders(request.headers);
    const span = memfabricTracer().startSpan(
      SPAN.httpServer(method, route),
      { kind: SpanKind.SERVER, attributes: { [ATTR.httpRequestMethod]: method, [ATTR.httpRoute]: route } },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute(ATTR.httpResponseStatusCode, response.statusCode);
      if (response.statusCode >= 500) {
        span.setAttribute(ATTR.errorType, String(response.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    response.once('finish', end);
    response.once('close', end);
    const active = trace.setSpan(parent, span);
    return new Observable((subscriber) => context.with(active, () => next.handle().subscribe(subscriber)));
  }
}
