import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interaction, startHarness, uniqueTenant, type Harness } from '../test/ingest.harness.js';
import type { ProblemDetails, StreamPage } from './index.js';

describe('GET /v1/tenants/{tenant}/streams/{stream}/events', () => {
  let h: Harness;
  const tenant = uniqueTenant();
  beforeAll(async () => {
    h = await startHarness();
    const batch = Array.from({ length: 5 }, (_, i) => interaction(tenant, 'session-1', `turn ${i + 1}`));
    await h.http().post('/v1/events').send([...batch, interaction(tenant, 'session-2', 'elsewhere')]).expect(201);
  });
  afterAll(async () => {
    await h.close();
  });

  const url = (stream: string, query = '') => `/v1/tenants/${tenant}/streams/${stream}/events${query}`;

  it('pages through a stream in stream order with next', async () => {
    const first = await h.http().get(url('session-1', '?limit=2'));
    expect(first.status).toBe(200);
    const p1 = first.body as StreamPage;
    expect(p1.events.map((e) => e.streamposition)).toEqual([1, 2]);
    expect(p1.events.map((e) => (e.data as { content: string }).content)).toEqual(['turn 1', 'turn 2']);
    expect(p1.next).toBe(3);

    const p2 = (await h.http().get(url('session-1', `?from=${p1.next}&limit=2`))).body as StreamPage;
    expect(p2.events.map((e) => e.streamposition)).toEqual([3, 4]);
    expect(p2.next).toBe(5);

    const p3 = (await h.http().get(url('session-1', `?from=${p2.next}&limit=2`))).body as StreamPage;
    expect(p3.events.map((e) => e.streamposition)).toEqual([5]);
    expect(p3.next).toBeUndefined();
  });

  it('reads the whole stream with the default limit and an empty page past its end', async () => {
    const all = (await h.http().get(url('session-1'))).body as StreamPage;
    expect(all.events).toHaveLength(5);
    expect(all.events.every((e) => e.tenantid === tenant && e.streamid === 'session-1')).toBe(true);
    expect(all.next).toBeUndefined();
    const past = await h.http().get(url('session-1', '?from=99'));
    expect(past.status).toBe(200);
    expect(past.body).toEqual({ events: [] });
  });

  it('answers one identical 404 for an unknown tenant and for an unknown stream of a known tenant', async () => {
    const stranger = uniqueTenant();
    const unknownTenant = await h.http().get(`/v1/tenants/${stranger}/streams/session-9/events`);
    const unknownStream = await h.http().get(url('session-9'));
    for (const res of [unknownTenant, unknownStream]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'not_found', detail: expect.stringMatching(/^unknown stream session-9 of tenant /) as string });
      expect(JSON.stringify(res.body)).not.toContain('unknown tenant');
    }
    const shape = (res: typeof unknownTenant) => ({ ...(res.body as Record<string, unknown>), detail: (res.body as { detail: string }).detail.replace(/of tenant \S+$/, ''), instance: undefined });
    expect(shape(unknownTenant)).toEqual(shape(unknownStream));
    expect(Object.keys(unknownTenant.headers).sort()).toEqual(Object.keys(unknownStream.headers).sort());
  });

  it('answers 400 naming every bad parameter', async () => {
    const res = await h.http().get(url('session-1', '?from=0&limit=1001'));
    expect(res.status).toBe(400);
    expect((res.body as ProblemDetails).errors!.map((e) => e.pointer)).toEqual(['/query/from', '/query/limit']);
    const words = await h.http().get(url('session-1', '?limit=ten'));
    expect((words.body as ProblemDetails).errors!.map((e) => e.pointer)).toEqual(['/query/limit']);
    const badTenant = await h.http().get('/v1/tenants/-bad!/streams/s/events');
    expect(badTenant.status).toBe(400);
    expect((badTenant.body as ProblemDetails).errors!.map((e) => e.pointer)).toEqual(['/path/tenant']);
  });
});
