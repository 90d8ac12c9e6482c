import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, UnavailableError, ValidationError } from './generated/errors/index.js';
import type { EventEnvelope } from '@memfabric/events';
import { MemfabricApiError } from './api-error.js';
import { MemfabricClient } from './memfabric.client.js';
import { refusedLoopbackPort, startFakeMemfabric, type FakeMemfabric } from './testing/index.js';

let fake: FakeMemfabric;
let client: MemfabricClient;
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

beforeAll(async () => {
  fake = await startFakeMemfabric();
  client = new MemfabricClient({ baseUrl: `${fake.url}/`, apiKey: 'sk-test', source: 'urn:agent:test', caller: 'agent:test', ...fast });
});
afterAll(() => fake.close());

let counter = 0;
/** A tenant of its own per test, so tests never see each other's events. */
function tenant(): string {
  counter += 1;
  return `t${counter}-${Date.now().toString(36)}`;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

function requestsTo(path: string): number {
  return fake.requests.filter((r) => r.url.split('?')[0] === path).length;
}

describe('MemfabricClient against a loopback fake fabric', () => {
  it('records an interaction as a CloudEvents batch with auth, then recalls it with the consistency token', async () => {
    const t = tenant();
    const written = await client.recordInteraction({ tenant: t, stream: 'session-1', actor: 'user:maya', content: 'I am vegetarian and fly to Lisbon in May.', speaker: 'Maya' });
    expect(written).toMatchObject({ tenantid: t, streamid: 'session-1', partition: 0, streamposition: 1, duplicate: false });
    expect(written.consistencyToken).toMatch(/^mf1\./);

    const sent = fake.requests.at(-1)!;
    expect(sent.headers['content-type']).toBe('application/cloudevents-batch+json');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.headers['x-memfabric-caller']).toBe('agent:test');
    const [event] = sent.body as EventEnvelope[];
    expect(event).toMatchObject({ id: written.id, source: 'urn:agent:test', type: 'interaction.recorded', data: { role: 'user', kind: 'message' } });

    const answer = await client.recall({ query: 'Where does Maya fly?', scope: { tenant: t }, k: 5, consistencyToken: written.consistencyToken });
    expect(answer.consistency).toMatchObject({ requested: true, reached: true });
    expect(fake.requests.at(-1)!.body).toMatchObject({ caller: 'agent:test' });
    expect(answer.hits[0]).toMatchObject({ unitId: written.id, rank: 1, speaker: 'Maya', memoryType: 'interaction' });
    expect(answer.hits[0]!.explain.events).toEqual([written.id]);
  });

  it('is idempotent on the idempotency key: a repeat returns the first position as a duplicate', async () => {
    const t = tenant();
    const first = await client.recordInteraction({ tenant: t, stream: 's', actor: 'a', content: 'hello', idempotencyKey: 'turn-1' });
    const again = await client.recordInteraction({ tenant: t, stream: 's', actor: 'a', content: 'hello', idempotencyKey: 'turn-1' });
    expect(again).toMatchObject({ id: first.id, offset: first.offset, duplicate: true });
  });

  it('asserts, corrects and retracts memories; retraction finds the stream itself and history lists every version', async () => {
    const t = tenant();
    const asserted = await client.assertMemory({ tenant: t, stream: 'prefs', actor: 'agent:planner', content: 'Maya prefers aisle seats.', memoryType: 'preference', validFrom: new Date('2024-03-05T09:00:00Z') });
    const corrected = await client.correctMemory({ tenant: t, stream: 'prefs', actor: 'agent:planner', supersedes: asserted.id, content: 'Maya prefers window seats.' });
    let answer = await client.recall({ query: 'Maya seats', scope: { tenant: t } });
    expect(answer.hits.map((h) => h.text)).toEqual(['Maya prefers window seats.']);
    expect(answer.hits[0]!.explain.events).toEqual([asserted.id, corrected.id]);

    const retracted = await client.retractMemory({ tenant: t, actor: 'user:maya', target: asserted.id, reason: 'no longer true' });
    expect(retracted.streamid).toBe('prefs');
    answer = await client.recall({ query: 'Maya seats', scope: { tenant: t } });
    expect(answer.hits).toEqual([]);

    const history = await client.history(t, asserted.id);
    expect(history.unitId).toBe(asserted.id);
    expect(history.versions.map((v) => v.type)).toEqual(['memory.asserted', 'memory.corrected', 'memory.retracted']);
  });

  it('reports a retraction target of another tenant as not found and writes nothing', async () => {
    const owner = tenant();
    const written = await client.recordInteraction({ tenant: owner, stream: 's', actor: 'a', content: 'secret' });
    const before = fake.events.length;
    const error = await failure(client.retractMemory({ tenant: tenant(), actor: 'a', target: written.id }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(fake.events.length).toBe(before);
  });

  it('refuses invalid helper input before sending anything', async () => {
    const before = fake.requests.length;
    const error = await failure(client.recordInteraction({ tenant: 'no spaces allowed', stream: 's', actor: 'a', content: 'x' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems[0]!.pointer).toBe('/tenantid');
    expect(fake.requests.length).toBe(before);
  });

  it('turns a problem+json answer into a typed MemfabricApiError with the field problems', async () => {
    const bad = { source: 'urn:x', type: 'interaction.recorded', time: '2024-01-01T00:00:00Z', tenantid: 'acme', streamid: 's', actor: 'a', data: { kind: 'message', role: 'user' } } as EventEnvelope;
    const error = await failure(client.appendEvents([bad]));
    expect(MemfabricApiError.isApiError(error)).toBe(true);
    const apiError = error as MemfabricApiError;
    expect(apiError).toMatchObject({ status: 400, code: 'validation_failed', type: 'urn:memfabric:problem:validation_failed', title: 'Request validation failed', retriable: false });
    expect(apiError.problems).toContainEqual({ pointer: '/0/data/content', detail: 'is required' });
    expect(apiError.toMemfabricError()).toBeInstanceOf(ValidationError);

    const missing = (await failure(client.getEvent('018e3a10-0000-7000-8000-00000000ffff'))) as MemfabricApiError;
    expect(missing).toMatchObject({ status: 404, code: 'not_found', instance: '/v1/events/018e3a10-0000-7000-8000-00000000ffff' });

    const preset = (await failure(client.recall({ query: 'x', scope: { tenant: 'acme' }, preset: 'nope' }))) as MemfabricApiError;
    expect(preset.code).toBe('not_found');
  });

  it('reads a stream page by page and iterates all of it', async () => {
    const t = tenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.recordInteraction({ tenant: t, stream: 'long', actor: 'a', content: `turn ${i}` })).id);
    const page = await client.readStream(t, 'long', { limit: 2 });
    expect(page.events.map((e) => e.id)).toEqual(ids.slice(0, 2));
    expect(page.next).toBe(3);
    const seen: string[] = [];
    for await (const event of client.streamEvents(t, 'long', { limit: 2 })) seen.push(event.id);
    expect(seen).toEqual(ids);
    const fetched = await client.getEvent(ids[2]!);
    expect(fetched).toMatchObject({ id: ids[2], streamposition: 3 });
  });

  it('serves health and the OpenAPI document', async () => {
    expect(await client.health()).toEqual({ status: 'ok' });
    expect(await client.health('live')).toEqual({ status: 'ok' });
    expect((await client.openApi()).openapi).toBe('3.1.0');
  });
});

describe('MemfabricClient retries and failures', () => {
  it('retries an idempotent GET on 503 (honouring Retry-After) until it succeeds', async () => {
    const t = tenant();
    const written = await client.recordInteraction({ tenant: t, stream: 's', actor: 'a', content: 'x' });
    const path = `/v1/events/${written.id}`;
    fake.script({ method: 'GET', path, status: 503, times: 2, headers: { 'retry-after': '0' } });
    const before = requestsTo(path);
    expect((await client.getEvent(written.id)).id).toBe(written.id);
    expect(requestsTo(path) - before).toBe(3);
  });

  it('retries helper appends (they carry an event id) and recall on 503', async () => {
    fake.script({ method: 'POST', path: '/v1/events', status: 503, times: 1 });
    const t = tenant();
    const written = await client.recordInteraction({ tenant: t, stream: 's', actor: 'a', content: 'retried write' });
    expect(written.duplicate).toBe(false);
    fake.script({ method: 'POST', path: '/v1/recall', status: 503, times: 1 });
    expect((await client.recall({ query: 'retried', scope: { tenant: t } })).hits).toHaveLength(1);
  });

  it('never retries an append whose events have neither id nor idempotency key', async () => {
    fake.script({ method: 'POST', path: '/v1/events', status: 503, times: 1 });
    const before = requestsTo('/v1/events');
    const event = { source: 'urn:x', type: 'interaction.recorded', time: '2024-01-01T00:00:00Z', tenantid: 'acme', streamid: 's', actor: 'a', data: { kind: 'message', role: 'user', content: 'x' } } as EventEnvelope;
    const error = (await failure(client.appendEvents([event]))) as MemfabricApiError;
    expect(error).toMatchObject({ status: 503, code: 'unavailable', retriable: true, attempts: 1 });
    expect(requestsTo('/v1/events') - before).toBe(1);
  });

  it('gives up after maxRetries and reports the attempts', async () => {
    const limited = new MemfabricClient({ baseUrl: fake.url, retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    fake.script({ method: 'GET', path: '/health/live', status: 503, times: 3 });
    const error = (await failure(limited.health('live', { maxRetries: 2 }))) as MemfabricApiError;
    expect(error).toMatchObject({ code: 'unavailable', attempts: 3 });
  });

  it('maps a refused connection to UnavailableError after retrying idempotent calls', async () => {
    const port = await refusedLoopbackPort();
    const down = new MemfabricClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const error = await failure(down.getEvent('018e3a10-0000-7000-8000-000000000001'));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).context).toMatchObject({ networkCode: 'ECONNREFUSED', attempts: 3, timedOut: false });
    expect((error as UnavailableError).retriable).toBe(true);
  });

  it('maps a timeout to UnavailableError and does not retry it', async () => {
    const impatient = new MemfabricClient({ baseUrl: fake.url, timeoutMs: 50, ...fast });
    fake.script({ method: 'GET', path: '/openapi.json', delayMs: 300, status: 200, body: { openapi: '3.1.0' } });
    const before = requestsTo('/openapi.json');
    const error = await failure(impatient.openApi());
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).message).toMatch(/timed out after 50 ms/);
    expect((error as UnavailableError).context).toMatchObject({ timedOut: true, attempts: 1 });
    expect(requestsTo('/openapi.json') - before).toBe(1);
  });

  it('does not retry a reset connection (the server may have applied the write)', async () => {
    fake.script({ method: 'GET', path: '/health/ready', destroy: true });
    const error = await failure(client.health('ready', { maxRetries: 3 }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).context).toMatchObject({ attempts: 1 });
  });

  it('rethrows the caller’s abort unchanged', async () => {
    fake.script({ method: 'GET', path: '/health/live', delayMs: 300, status: 200, body: { status: 'ok' } });
    const controller = new AbortController();
    const pending = client.health('live', { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    expect(((await failure(pending)) as Error).message).toBe('caller gave up');
  });

  it('synthesises a problem for a proxy’s HTML error page', async () => {
    fake.script({ method: 'GET', path: '/openapi.json', status: 502, body: '<html>bad gateway</html>' });
    const error = (await failure(client.openApi())) as MemfabricApiError;
    expect(error).toMatchObject({ status: 502, type: 'about:blank', code: 'unavailable', problemCode: 'http_502', detail: '<html>bad gateway</html>' });
  });

  it('reports a 2xx answer that is not the API as UnavailableError', async () => {
    fake.script({ method: 'GET', path: '/health/ready', status: 200, body: '<html>a login page</html>' });
    expect(((await failure(client.health())) as Error).message).toMatch(/not JSON: is baseUrl a memfabric fabric/);
    fake.script({ method: 'GET', path: /\/history$/, status: 200, body: { versions: 'nope' } });
    expect(((await failure(client.history('acme', 'u1'))) as Error).message).toMatch(/not a memory history/);
  });

  it('reports a fabric without the recall route as not_found', async () => {
    const bare = await startFakeMemfabric({ recall: false });
    try {
      const error = (await failure(new MemfabricClient({ baseUrl: bare.url }).recall({ query: 'x', scope: { tenant: 'acme' } }))) as MemfabricApiError;
      expect(error).toMatchObject({ status: 404, code: 'not_found' });
    } finally {
      await bare.close();
    }
  });
});
