import { SpanKind } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, METRIC, traceIdOf } from '@memfabric/telemetry';
import { recordSpans, type RecordedSpans } from '@memfabric/telemetry-node/testing';
import { interaction, startHarness, uniqueTenant, type Harness } from '../test/ingest.harness.js';

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics and request spans', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('serves the Prometheus text format without a credential: process metrics and appended events by type, no tenant id', async () => {
    h = await startHarness();
    const tenant = uniqueTenant();
    const series = `${METRIC.eventsAppended}{type="interaction.recorded"}`;
    const before = sample((await h.http().get('/metrics').expect(200)).text, series) ?? 0;
    await h.http().post('/v1/events').send([interaction(tenant, 's', 'one'), interaction(tenant, 's', 'two')]).expect(201);
    // an idempotent retry appends nothing and counts nothing
    await h.http().post('/v1/events').send([interaction(tenant, 's', 'three', { idempotencykey: 'k' })]).expect(201);
    await h.http().post('/v1/events').send([interaction(tenant, 's', 'three', { idempotencykey: 'k' })]).expect(200);
    const res = await h.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(sample(res.text, series)).toBe(before + 3);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toContain(`# TYPE ${METRIC.projectionApplySeconds} histogram`);
    expect(res.text).not.toContain(tenant);
  });

  describe('with an SDK registered', () => {
    let recorder: RecordedSpans;
    beforeAll(() => {
      recorder = recordSpans();
    });
    afterAll(async () => {
      await recorder.stop();
    });

    it("makes each request a SERVER span child of the caller's traceparent, named by its route template; probes and scrapes are not traced", async () => {
      h = await startHarness();
      const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      await h.http().post('/v1/events').set('traceparent', caller).send([interaction(uniqueTenant(), 's', 'traced')]).expect(201);
      await h.http().get('/v1/events/01890000-0000-7000-8000-000000000000').expect(404);
      await h.http().get('/health/live').expect(200);
      await h.http().get('/metrics').expect(200);
      const spans = recorder.spans().filter((s) => s.kind === SpanKind.SERVER);
      const post = spans.find((s) => s.name === 'POST /v1/events');
      expect(post).toBeDefined();
      expect(post!.spanContext().traceId).toBe(traceIdOf(caller));
      expect(post!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
      expect(post!.attributes).toMatchObject({ [ATTR.httpRequestMethod]: 'POST', [ATTR.httpRoute]: '/v1/events', [ATTR.httpResponseStatusCode]: 201 });
      expect(spans.find((s) => s.name === 'GET /v1/events/:id')?.attributes[ATTR.httpResponseStatusCode]).toBe(404);
      expect(spans.map((s) => s.name).filter((n) => /health|metrics/.test(n))).toEqual([]);
    });
  });
});
