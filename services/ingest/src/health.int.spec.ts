import { afterEach, describe, expect, it } from 'vitest';
import { interaction, startHarness, uniqueTenant, type Harness } from '../test/ingest.harness.js';

describe('health and request logging', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is live and ready while the log answers', async () => {
    h = await startHarness();
    await h.http().get('/health/live').expect(200, { status: 'ok' });
    await h.http().get('/health/ready').expect(200, { status: 'ok' });
  });

  it('is not ready (503 problem+json, retriable) once the log is closed, but still live', async () => {
    h = await startHarness();
    await h.log.close();
    const res = await h.http().get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'unavailable', retriable: true, detail: expect.stringContaining('event log is not reachable') as string });
    await h.http().get('/health/live').expect(200);
  });

  it('writes one structured log line per request, with the request id it echoes', async () => {
    h = await startHarness();
    await h.http().post('/v1/events').set('x-request-id', 'req-123').send([interaction(uniqueTenant(), 's', 'hi')]).expect(201).expect('x-request-id', 'req-123');
    await h.http().get('/v1/events/not-a-uuid').expect(400);
    const requests = h.lines.filter((l) => l.msg === 'request completed');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ level: 30, service: 'ingest', req: { id: 'req-123', method: 'POST', url: '/v1/events' }, res: { statusCode: 201 } });
    expect(requests[0]!.responseTimeMs).toEqual(expect.any(Number));
    expect(requests[1]).toMatchObject({ req: { method: 'GET', url: '/v1/events/not-a-uuid' }, res: { statusCode: 400 } });
  });
});
