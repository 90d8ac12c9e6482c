import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClusterBinary } from '@memfabric/event-log-kafka/testing';
import { startLocalCluster, type LocalCluster } from '@memfabric/local-cluster';
import { ATTR, METRIC, SPAN } from '@memfabric/telemetry';

/**
 * Telemetry across the cluster's processes: every service exports its spans over OTLP/HTTP
 * (JSON) to a receiver in this test. One write and one recall made under the same W3C trace
 * (the caller's `traceparent` header) must form one trace from the ingest HTTP span through the
 * Kafka producer span, the projector's and the gateway's process spans (parented by the
 * CloudEvents `traceparent` of the stored event) to the recall's channel spans; and every
 * service's `/metrics` must show consumer lag 0 once the cluster caught up.
 */

const binary = mockClusterBinary(process.env);
if (!existsSync(binary)) throw new Error(`${binary} not found: build it with libs/event-log-kafka/mock-cluster/build.sh (.ci/run does)`);

interface ReceivedSpan {
  readonly service: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly links: readonly string[];
  readonly attributes: Readonly<Record<string, unknown>>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key: string; value: OtlpValue };
interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: { name: string; traceId: string; spanId: string; parentSpanId?: string; links?: { traceId: string }[]; attributes?: OtlpAttribute[] }[] }[];
  }[];
}

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue));
const attributesOf = (list: OtlpAttribute[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

/** A minimal OTLP/HTTP receiver (`POST /v1/traces`, JSON encoding). */
function startReceiver(spans: ReceivedSpan[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
        for (const rs of body.resourceSpans ?? []) {
          const name = attributesOf(rs.resource?.attributes)['service.name'];
          const service = typeof name === 'string' ? name : '';
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({
                service,
                name: s.name,
                traceId: s.traceId,
                spanId: s.spanId,
                ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
                links: (s.links ?? []).map((l) => l.traceId),
                attributes: attributesOf(s.attributes),
              });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `memfabric_consumer_lag` samples of a `/metrics` text. */
function lagSamples(text: string): { labels: string; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${METRIC.consumerLag}{`))
    .map((l) => ({ labels: l.slice(l.indexOf('{'), l.indexOf('}') + 1), value: Number(l.slice(l.lastIndexOf(' ') + 1)) }));
}

describe('cluster telemetry: one trace across processes, /metrics on every service', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-telemetry-'));
  const spans: ReceivedSpan[] = [];
  let receiver: Server;
  let cluster: LocalCluster;
  let auth: Record<string, string>;
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const tenant = 'telemetry';

  beforeAll(async () => {
    receiver = await startReceiver(spans);
    const port = (receiver.address() as AddressInfo).port;
    cluster = await startLocalCluster({
      dir,
      projectors: 1,
      audit: false,
      env: {
        MEMFABRIC_EMBEDDER: 'hash',
        MEMFABRIC_READY_MAX_LAG: '0',
        MEMFABRIC_LOG_LEVEL: 'warn',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_NODE_RESOURCE_DETECTORS: 'none',
      },
    });
    auth = { authorization: `Bearer ${cluster.adminToken}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await cluster?.stop();
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries one trace id from the ingest HTTP span through Kafka and the projectors to the recall channels', async () => {
    const event = { source: 'urn:test', type: 'interaction.recorded', time: '2024-05-01T10:00:00Z', tenantid: tenant, streamid: 's', actor: 'ann', data: { kind: 'message', role: 'user', content: 'Ann keeps her sailboat at the Cascais marina' } };
    const appended = await fetch(`${cluster.ingest.url}/v1/events`, { method: 'POST', headers: { ...auth, traceparent: `00-${traceId}-00f067aa0ba902b7-01` }, body: JSON.stringify([event]) });
    expect(appended.status).toBe(201);
    // the gateway and the projector ready with MEMFABRIC_READY_MAX_LAG=0: caught up
    await waitFor('the readers to catch up', async () => {
      const answers = await Promise.all([cluster.gateway, ...cluster.projectors].map(async (s) => (await fetch(`${s.url}/health/ready`)).status));
      return answers.every((s) => s === 200) ? true : undefined;
    });
    const recall = await waitFor('a recall that finds the event', async () => {
      const res = await fetch(`${cluster.gateway.url}/v1/recall`, { method: 'POST', headers: { ...auth, traceparent: `00-${traceId}-b7ad6b7169203331-01` }, body: JSON.stringify({ query: 'sailboat marina', scope: { tenant } }) });
      const body = (await res.json()) as { hits?: unknown[] };
      return res.status === 200 && (body.hits?.length ?? 0) > 0 ? body : undefined;
    });
    expect(recall.hits!.length).toBeGreaterThan(0);

    const inTrace = (s: ReceivedSpan) => s.traceId === traceId || s.links.includes(traceId);
    const has = (service: string, name: string | RegExp) => spans.some((s) => s.service === service && inTrace(s) && (typeof name === 'string' ? s.name === name : name.test(s.name)));
    await waitFor('the spans of every service', () =>
      has('ingest', 'POST /v1/events') && has('ingest', SPAN.kafkaSend('memfabric.events')) && has('projector', SPAN.projectionProcess('extraction')) && has('query-gateway', SPAN.recall) && has('query-gateway', /^recall\.channel /) ? true : undefined,
    );
    const send = spans.find((s) => s.service === 'ingest' && s.name === SPAN.kafkaSend('memfabric.events') && s.traceId === traceId)!;
    const post = spans.find((s) => s.service === 'ingest' && s.name === 'POST /v1/events' && s.traceId === traceId)!;
    expect(send.parentSpanId).toBe(post.spanId);
    expect(post.parentSpanId).toBe('00f067aa0ba902b7');
    expect(send.attributes).toMatchObject({ [ATTR.messagingSystem]: 'kafka', [ATTR.messagingDestinationName]: 'memfabric.events', [ATTR.messagingOperationType]: 'send' });
    // the projector's process span is a child of the producer span, found from the stored event alone
    const processed = spans.find((s) => s.service === 'projector' && s.name === SPAN.projectionProcess('extraction') && s.traceId === traceId);
    expect(processed?.parentSpanId).toBe(send.spanId);
    expect(processed?.attributes[ATTR.messagingOperationType]).toBe('process');
    // the gateway's own memory-unit projection too, in its process
    expect(spans.some((s) => s.service === 'query-gateway' && s.name === SPAN.projectionProcess('memory-units') && s.parentSpanId === send.spanId)).toBe(true);
    const search = spans.find((s) => s.service === 'query-gateway' && s.name === SPAN.recall && s.traceId === traceId)!;
    expect(search.attributes).toMatchObject({ [ATTR.genAiOperationName]: 'search_memory', [ATTR.genAiMemorySearchResultCount]: recall.hits!.length });
    expect(spans.filter((s) => s.name.startsWith('recall.channel ') && s.parentSpanId === search.spanId).length).toBeGreaterThan(0);
    // no span attribute carries event content or the query
    expect(JSON.stringify(spans)).not.toMatch(/sailboat|Cascais/);
  });

  it("serves /metrics on every service without a credential; consumer lag is 0 once caught up", async () => {
    for (const service of cluster.services) {
      const res = await fetch(`${service.url}/metrics`);
      expect(res.status, service.name).toBe(200);
      const text = await res.text();
      expect(text, service.name).toContain('process_resident_memory_bytes');
      const lag = lagSamples(text);
      if (service.kind !== 'ingest') expect(lag.length, `${service.name} reports its projections' lag`).toBeGreaterThan(0);
      expect(lag.filter((s) => s.value !== 0), service.name).toEqual([]);
      expect(text, service.name).not.toContain(tenant);
    }
    const ingest = await (await fetch(`${cluster.ingest.url}/metrics`)).text();
    expect(ingest).toMatch(new RegExp(`^${METRIC.eventsAppended}\\{type="interaction.recorded"\\} 1$`, 'm'));
    const gateway = await (await fetch(`${cluster.gateway.url}/metrics`)).text();
    expect(gateway).toMatch(new RegExp(`^${METRIC.recallSeconds}_count\\{preset="[a-z-]+"\\} [1-9]`, 'm'));
  });
});
