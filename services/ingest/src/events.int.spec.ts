import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_LIMITS } from '@memfabric/events';
import { BATCH, interaction, startHarness, uniqueTenant, type Harness } from '../test/ingest.harness.js';
import type { AppendResponse, ProblemDetails } from './index.js';

const PROBLEM = /^application\/problem\+json/;

describe('POST /v1/events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('appends a CloudEvents batch and answers 201 with positions and a consistency token', async () => {
    const tenant = uniqueTenant();
    const batch = [interaction(tenant, 's1', 'Caroline went to the support group'), interaction(tenant, 's1', 'second'), interaction(tenant, 's2', 'other stream')];
    const res = await h.http().post('/v1/events').set('Content-Type', BATCH).send(JSON.stringify(batch));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.body as AppendResponse;
    expect(body.appended).toBe(3);
    expect(body.duplicates).toBe(0);
    expect(body.results.map((r) => [r.tenantid, r.streamid, r.streamposition, r.duplicate])).toEqual([
      [tenant, 's1', 1, false],
      [tenant, 's1', 2, false],
      [tenant, 's2', 1, false],
    ]);
    expect(new Set(body.results.map((r) => r.offset)).size).toBe(3);
    expect(body.consistencyToken).toMatch(/^mf1\./);

    const stored = await h.http().get(`/v1/events/${body.results[0]!.id}`);
    expect(stored.status).toBe(200);
    expect(stored.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(stored.body).toMatchObject({ tenantid: tenant, streamid: 's1', streamposition: 1, data: { content: 'Caroline went to the support group' } });
  });

  it('accepts application/json and stamps the batch id header on the events', async () => {
    const tenant = uniqueTenant();
    const res = await h.http().post('/v1/events').set('memfabric-batch-id', 'import-42').send([interaction(tenant, 's', 'hello')]);
    expect(res.status).toBe(201);
    const id = (res.body as AppendResponse).results[0]!.id;
    const stored = await h.http().get(`/v1/events/${id}`);
    expect(stored.body).toMatchObject({ batchid: 'import-42' });
  });

  it('rejects an invalid batch id header with 400', async () => {
    const res = await h.http().post('/v1/events').set('memfabric-batch-id', 'x'.repeat(129)).send([interaction(uniqueTenant(), 's', 'hello')]);
    expect(res.status).toBe(400);
    expect((res.body as ProblemDetails).errors).toEqual([{ pointer: '/header/memfabric-batch-id', detail: expect.any(String) as string }]);
  });

  it('names every bad field of every event, and stores nothing of a bad batch', async () => {
    const tenant = uniqueTenant();
    await h.http().post('/v1/events').send([interaction(tenant, 's', 'already stored')]).expect(201);
    const before = await h.count();
    const batch = [
      interaction(tenant, 's', 'fine'),
      interaction(tenant, 's', 'bad role', { data: { kind: 'message', role: 'robot', content: 'x' } }),
      { ...interaction(tenant, 's', 'no actor'), actor: undefined, colour: 'blue' },
    ];
    const res = await h.http().post('/v1/events').set('Content-Type', BATCH).send(JSON.stringify(batch));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    const problem = res.body as ProblemDetails;
    expect(problem).toMatchObject({ type: 'urn:memfabric:problem:validation_failed', status: 400, code: 'validation_failed', retriable: false, instance: '/v1/events' });
    const pointers = problem.errors!.map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/1/data/role', '/2/actor', '/2/colour']));
    expect(pointers.some((p) => p.startsWith('/0'))).toBe(false);
    expect(await h.count()).toBe(before);
  });

  it('answers 413 when the body exceeds the byte limit', async () => {
    const small = await startHarness({ MEMFABRIC_MAX_BODY_BYTES: '2048' });
    try {
      const batch = [interaction(uniqueTenant(), 's', 'x'.repeat(4096))];
      const res = await small.http().post('/v1/events').set('Content-Type', BATCH).send(JSON.stringify(batch));
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ code: 'payload_too_large', status: 413, detail: expect.stringContaining('2048') as string });
      expect(await small.count()).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('answers 413 when the batch has more events than EVENT_LIMITS.maxBatchEvents', async () => {
    const tenant = uniqueTenant();
    const batch = Array.from({ length: EVENT_LIMITS.maxBatchEvents + 1 }, (_, i) => interaction(tenant, 's', `turn ${i}`));
    const res = await h.http().post('/v1/events').send(batch);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ code: 'payload_too_large', detail: expect.stringContaining(String(EVENT_LIMITS.maxBatchEvents)) as string });
  });

  it('answers 400 malformed_json for a body that is not JSON', async () => {
    const res = await h.http().post('/v1/events').set('Content-Type', BATCH).send('[{"type": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ type: 'urn:memfabric:problem:malformed_json', code: 'malformed_json', status: 400 });
  });

  it('answers 400 for an empty array and for a body that is not an array', async () => {
    const empty = await h.http().post('/v1/events').send([]);
    expect(empty.status).toBe(400);
    expect((empty.body as ProblemDetails).errors).toEqual([{ pointer: '/', detail: 'must not be empty' }]);
    const object = await h.http().post('/v1/events').send(interaction(uniqueTenant(), 's', 'not in an array'));
    expect(object.status).toBe(400);
    expect((object.body as ProblemDetails).errors).toEqual([{ pointer: '/', detail: 'must be an array' }]);
  });

  it('answers 415 for another content type', async () => {
    const res = await h.http().post('/v1/events').set('Content-Type', 'text/plain').send('[]');
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'unsupported_media_type', status: 415 });
  });

  it('returns the same positions for a retried batch and writes nothing twice', async () => {
    const tenant = uniqueTenant();
    const batch = [
      interaction(tenant, 's', 'one', { idempotencykey: 'k-1' }),
      interaction(tenant, 's', 'two', { idempotencykey: 'k-2' }),
    ];
    const first = await h.http().post('/v1/events').send(batch);
    expect(first.status).toBe(201);
    const before = await h.count();
    const retry = await h.http().post('/v1/events').send(batch);
    expect(retry.status).toBe(200);
    const a = first.body as AppendResponse;
    const b = retry.body as AppendResponse;
    expect(b.appended).toBe(0);
    expect(b.duplicates).toBe(2);
    expect(b.results.map((r) => ({ ...r, duplicate: false }))).toEqual(a.results);
    expect(b.results.every((r) => r.duplicate)).toBe(true);
    expect(b.consistencyToken).toBe(a.consistencyToken);
    expect(await h.count()).toBe(before);

    const page = await h.http().get(`/v1/tenants/${tenant}/streams/s/events`);
    expect((page.body as { events: unknown[] }).events).toHaveLength(2);
  });

  it('answers 201 for a partly retried batch, appending only the new events', async () => {
    const tenant = uniqueTenant();
    await h.http().post('/v1/events').send([interaction(tenant, 's', 'one', { idempotencykey: 'p-1' })]).expect(201);
    const res = await h.http().post('/v1/events').send([
      interaction(tenant, 's', 'one', { idempotencykey: 'p-1' }),
      interaction(tenant, 's', 'two', { idempotencykey: 'p-2' }),
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ appended: 1, duplicates: 1 });
    expect((res.body as AppendResponse).results.map((r) => r.streamposition)).toEqual([1, 2]);
  });

  it('answers 409 when an idempotency key is reused for a different event', async () => {
    const tenant = uniqueTenant();
    await h.http().post('/v1/events').send([interaction(tenant, 's', 'original', { idempotencykey: 'same' })]).expect(201);
    const before = await h.count();
    const res = await h.http().post('/v1/events').send([interaction(tenant, 's', 'different content', { idempotencykey: 'same' })]);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ type: 'urn:memfabric:problem:idempotency_conflict', code: 'idempotency_conflict', retriable: false });
    expect(await h.count()).toBe(before);
  });
});

describe('GET /v1/events/{id}', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers 404 problem+json for an unknown id', async () => {
    const res = await h.http().get('/v1/events/0190a6f0-0000-7000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ code: 'not_found', status: 404, instance: '/v1/events/0190a6f0-0000-7000-8000-000000000000' });
  });

  it('answers 400 when the id is not a UUID', async () => {
    const res = await h.http().get('/v1/events/not-a-uuid');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect((res.body as ProblemDetails).errors).toEqual([{ pointer: '/path/id', detail: 'must be a UUID' }]);
  });

  it('answers 404 problem+json for an unknown route', async () => {
    const res = await h.http().get('/v2/nothing');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ code: 'not_found', status: 404 });
  });
});
