import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedFabric } from '@memfabric/embedded';
import { HashEmbedder } from '@memfabric/embeddings';
import { UnavailableError } from '@memfabric/errors';
import { apiSchemas, checkApiBody, normalizeEvent, type NewEvent } from '@memfabric/events';
import { createIngestLogger, type ProblemDetails } from '@memfabric/ingest';
import { BUILTIN_PRESETS, type RecallResponse, type Recaller } from '@memfabric/recall';
import { createQueryGatewayApp } from './query-gateway.app.js';
import { QUERY_GATEWAY_DEFAULTS } from './query-gateway.config.js';

const PROBLEM = /^application\/problem\+json/;
const TENANT = 'acme';

function turn(streamid: string, actor: string, content: string, time = '2023-05-08T13:56:00Z'): NewEvent {
  return normalizeEvent({
    source: 'urn:memfabric:test',
    type: 'interaction.recorded',
    time,
    tenantid: TENANT,
    streamid,
    actor,
    data: { kind: 'message', role: 'user', content, speaker: actor[0]!.toUpperCase() + actor.slice(1), sourceref: `${streamid}:${content.length}` },
  });
}

describe('query gateway HTTP API over the embedded fabric', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-query-http-'));
  const lines: string[] = [];
  const logger = createIngestLogger('info', { write: (line: string) => void lines.push(line) });
  let fabric: EmbeddedFabric;
  let app: NestExpressApplication;
  let small: NestExpressApplication;
  const ids: string[] = [];

  beforeAll(async () => {
    fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: randomBytes(32), embedder: new HashEmbedder({ dimensions: 32 }) });
    const appended = await fabric.log.append([
      turn('s1', 'caroline', 'Caroline went to the LGBTQ support group yesterday'),
      turn('s1', 'melanie', 'Melanie painted a sunrise over the lake'),
      turn('s2', 'caroline', 'Caroline is researching adoption agencies', '2023-06-01T10:00:00Z'),
    ]);
    ids.push(...appended.map((r) => r.id));
    await fabric.log.append([{ ...turn('s1', 'caroline', 'Other tenant: Caroline went to the LGBTQ support group'), tenantid: 'other' }]);
    await fabric.catchUp();
    app = await createQueryGatewayApp({ recaller: fabric.recaller(), logger });
    small = await createQueryGatewayApp({ recaller: fabric.recaller(), logger, config: { ...QUERY_GATEWAY_DEFAULTS, maxBodyBytes: 1024 } });
  });
  afterAll(async () => {
    await app?.close();
    await small?.close();
    await fabric?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const http = () => request(app.getHttpServer());

  it('POST /v1/recall: 200 with ranked hits, each with an explain naming channels and source events', async () => {
    const res = await http().post('/v1/recall').send({ query: 'When did Caroline go to the LGBTQ support group?', scope: { tenant: TENANT }, k: 3 });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.body as RecallResponse;
    expect(body.preset).toBe('hybrid-rrf');
    expect(body.hits).toHaveLength(3);
    expect(body.hits.every((h) => h.tenant === TENANT)).toBe(true);
    const top = body.hits[0]!;
    expect(top).toMatchObject({ rank: 1, unitId: ids[0], text: 'Caroline went to the LGBTQ support group yesterday', stream: 's1', actor: 'caroline', speaker: 'Caroline' });
    expect(top.sourceRef).toBe('s1:50');
    expect(top.explain.channels.lexical).toMatchObject({ rank: 1, weight: 1 });
    expect(top.explain.channels.dense?.rank).toBeGreaterThanOrEqual(1);
    expect(top.explain.events[0]).toBe(ids[0]);
    expect(body.consistency).toEqual({ requested: false, reached: true, waitedMs: 0, behind: [] });
    expect(Object.keys(body.timings.channels)).toEqual(expect.arrayContaining(['dense', 'lexical']));
    expect(body.queryId).toEqual(expect.any(String));
  });

  it('POST /v1/recall honours preset, asOf, validAt and scope', async () => {
    const lexical = await http().post('/v1/recall').send({ query: 'adoption agencies', scope: { tenant: TENANT }, preset: 'lexical-only' });
    expect(lexical.status).toBe(200);
    expect((lexical.body as RecallResponse).hits.map((h) => h.unitId)).toEqual([ids[2]]);
    expect(Object.keys((lexical.body as RecallResponse).timings.channels)).toEqual(['lexical']);
    const validAt = await http().post('/v1/recall').send({ query: 'adoption agencies', scope: { tenant: TENANT }, preset: 'lexical-only', validAt: '2023-05-31T00:00:00Z' });
    expect((validAt.body as RecallResponse).hits).toEqual([]);
    const asOf = await http().post('/v1/recall').send({ query: 'Caroline', scope: { tenant: TENANT }, preset: 'lexical-only', asOf: { position: 0 } });
    expect((asOf.body as RecallResponse).asOfPosition).toBe(0);
    expect((asOf.body as RecallResponse).hits.map((h) => h.unitId)).toEqual([ids[0]]);
    const scoped = await http().post('/v1/recall').send({ query: 'Caroline Melanie', scope: { tenant: TENANT, actors: ['melanie'] } });
    expect((scoped.body as RecallResponse).hits.map((h) => h.unitId)).toEqual([ids[1]]);
  });

  it('400 problem+json naming every bad field', async () => {
    const res = await http()
      .post('/v1/recall')
      .send({ query: '', scope: { tenant: 'bad tenant' }, k: 101, asOf: { position: 1, time: '2023-05-08T00:00:00Z' }, validAt: 'yesterday', weights: { unknown: 1 } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    const problem = res.body as ProblemDetails;
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed', type: 'urn:memfabric:problem:validation_failed', retriable: false });
    expect(problem.errors!.map((e) => e.pointer).sort()).toEqual(['/asOf', '/k', '/query', '/scope/tenant', '/validAt', '/weights/unknown']);
    expect(problem.errors!.every((e) => e.detail.length > 0)).toBe(true);

    const preset = await http().post('/v1/recall').send({ query: 'q', scope: { tenant: TENANT }, preset: 'nope' });
    expect(preset.status).toBe(400);
    expect((preset.body as ProblemDetails).errors!.map((e) => e.pointer)).toEqual(['/preset']);
    const token = await http().post('/v1/recall').send({ query: 'q', scope: { tenant: TENANT }, consistencyToken: 'mf1.not-a-token' });
    expect(token.status).toBe(400);
    expect((token.body as ProblemDetails).errors!.map((e) => e.pointer)).toEqual(['/consistencyToken']);
  });

  it('400 for a body that is not a JSON object (malformed JSON, an array, no body), 415 for another media type', async () => {
    const malformed = await http().post('/v1/recall').set('content-type', 'application/json').send('{"query": ');
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toMatch(PROBLEM);
    expect((malformed.body as ProblemDetails).code).toBe('malformed_json');

    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const text = await http().post('/v1/recall').set('content-type', type).send(JSON.stringify({ query: 'find Caroline', scope: { tenant: TENANT } }));
      expect(text.status, type).toBe(415);
      expect(text.headers['content-type']).toMatch(PROBLEM);
      expect((text.body as ProblemDetails).code).toBe('unsupported_media_type');
    }

    const array = await http().post('/v1/recall').send([{ query: 'q', scope: { tenant: TENANT } }]);
    expect(array.status).toBe(400);
    expect((array.body as ProblemDetails).errors![0]!.pointer).toBe('');

    const empty = await http().post('/v1/recall');
    expect(empty.status).toBe(400);
  });

  it('400 naming the field for a lone surrogate, nesting past the limit, or a calendar-impossible time', async () => {
    const surrogate = await http().post('/v1/recall').set('content-type', 'application/json').send('{"query": "Caroline \\ud800", "scope": {"tenant": "acme"}}');
    expect(surrogate.status).toBe(400);
    expect(surrogate.headers['content-type']).toMatch(PROBLEM);
    expect((surrogate.body as ProblemDetails).errors).toEqual([{ pointer: '/query', detail: expect.stringContaining('lone surrogate') as string }]);

    const deep = await http().post('/v1/recall').set('content-type', 'application/json').send(`{"query": "q", "scope": {"tenant": "acme"}, "weights": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(deep.status).toBe(400);
    expect((deep.body as ProblemDetails).detail).toContain('deeper than 64');

    for (const time of ['2023-02-30T00:00:00Z', '2023-04-31T00:00:00Z', '2023-05-08T24:00:00Z', '2016-12-31T23:59:60Z']) {
      const res = await http().post('/v1/recall').send({ query: 'Caroline', scope: { tenant: TENANT }, validAt: time, asOf: { time } });
      expect(res.status, time).toBe(400);
      expect((res.body as ProblemDetails).errors!.map((e) => e.pointer).sort()).toEqual(['/asOf/time', '/validAt']);
    }
  });

  it('413 problem+json for a body over the configured limit; a body under it still answers', async () => {
    const big = await request(small.getHttpServer()).post('/v1/recall').send({ query: 'x'.repeat(1500), scope: { tenant: TENANT } });
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(PROBLEM);
    expect(big.body as ProblemDetails).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect((big.body as ProblemDetails).detail).toContain('1024');
    const fine = await request(small.getHttpServer()).post('/v1/recall').send({ query: 'Caroline', scope: { tenant: TENANT } });
    expect(fine.status).toBe(200);
  });

  it('GET /v1/recall/presets lists the presets as data', async () => {
    const res = await http().get('/v1/recall/presets');
    expect(res.status).toBe(200);
    const { presets } = res.body as { presets: { name: string; weights: Record<string, number>; rrfK: number }[] };
    expect(presets.map((p) => p.name)).toEqual(BUILTIN_PRESETS.map((p) => p.name));
    expect(presets.find((p) => p.name === 'dense-only')).toMatchObject({ weights: { dense: 1 }, rrfK: 60 });
  });

  it('GET /openapi.json (and the configured path) is an OpenAPI 3.1 document with /v1/recall', async () => {
    for (const url of ['/openapi.json', '/openapi/query.json']) {
      const res = await http().get(url);
      expect(res.status).toBe(200);
      const doc = res.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(doc.openapi).toMatch(/^3\.1/);
      expect(Object.keys(doc.paths['/v1/recall']!)).toContain('post');
      expect(Object.keys(doc.paths['/v1/recall/presets']!)).toContain('get');
    }
  });

  it('the document embeds the recall contract of schemas/api, not a copy written by hand', async () => {
    const doc = (await http().get('/openapi.json')).body as { components: { schemas: Record<string, Record<string, unknown>> }; paths: Record<string, Record<string, unknown>> };
    const { $schema: _dialect, ...recallRequest } = apiSchemas.RecallRequest;
    expect(doc.components.schemas.RecallRequest).toEqual(recallRequest);
    expect(doc.components.schemas.RecallResponse!.$id).toBe(apiSchemas.RecallResponse.$id);
    // what the recall contract references by URN is in the document too, so every reference resolves
    expect(doc.components.schemas.EventEnvelope!.$id).toBe('urn:memfabric:schema:envelope:v1');
    expect(doc.components.schemas.LogPosition!.$id).toBe(apiSchemas.LogPosition.$id);
    expect(JSON.stringify(doc.paths['/v1/recall'])).toContain('"#/components/schemas/RecallRequest"');
  });

  it('answers match the RecallResponse schema; a request the schema refuses is a 400 naming the field and its rule', async () => {
    for (const body of [
      { query: 'Caroline support group', scope: { tenant: TENANT } },
      { query: 'adoption in June', scope: { tenant: TENANT, streams: ['s2'] }, k: 1, referenceTime: '2023-06-02T00:00:00Z', mmrLambda: 0.5 },
      { query: 'Caroline', scope: { tenant: TENANT }, asOf: { position: 0 }, validAt: '2023-06-01T00:00:00Z', weights: { lexical: 1 } },
      { query: 'nothing before the log', scope: { tenant: TENANT }, asOf: { time: '2000-01-01T00:00:00Z' } },
    ]) {
      const res = await http().post('/v1/recall').send(body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(checkApiBody('RecallResponse', res.body), JSON.stringify(body)).toEqual([]);
    }
    const typo = await http().post('/v1/recall').send({ query: 'Caroline', scope: { tenant: TENANT }, validat: '2023-06-01T00:00:00Z' });
    expect(typo.status).toBe(400);
    expect((typo.body as ProblemDetails).errors).toEqual([{ pointer: '/validat', detail: expect.stringMatching(/^is not a known field; known: query, scope, k, asOf, validAt/) as string }]);
  });

  it('the query log records the principal, with X-Memfabric-Caller (or a caller in the body, which wins) appended as a label', async () => {
    const byHeader = await http().post('/v1/recall').set('X-Memfabric-Caller', 'agent:planner').send({ query: 'Caroline', scope: { tenant: TENANT }, k: 2 });
    const byBody = await http().post('/v1/recall').set('X-Memfabric-Caller', 'agent:planner').send({ query: 'Melanie', scope: { tenant: TENANT }, caller: 'user:ann' });
    const anonymous = await http().post('/v1/recall').send({ query: 'lake', scope: { tenant: TENANT } });
    await fabric.flushQueryLog();
    const logged = await fabric.analytics.listQueries({ tenant: TENANT });
    const row = (r: request.Response) => logged.find((q) => q.queryId === (r.body as RecallResponse).queryId);
    expect(row(byHeader)).toMatchObject({ caller: 'local (agent:planner)', k: 2, preset: 'hybrid-rrf', unitIds: (byHeader.body as RecallResponse).hits.map((h) => h.unitId) });
    expect(row(byBody)).toMatchObject({ caller: 'local (user:ann)' });
    expect(row(anonymous)).toMatchObject({ caller: 'local' });
    expect(JSON.stringify(logged)).not.toContain('Melanie');
  });

  it('503 problem+json (retriable) when the recaller reports a read model not ready', async () => {
    const notReady: Recaller = {
      recall: () => Promise.reject(new UnavailableError('memory units have no active generation yet')),
      presets: () => BUILTIN_PRESETS,
    };
    const stub = await createQueryGatewayApp({ recaller: notReady, logger });
    try {
      const res = await request(stub.getHttpServer()).post('/v1/recall').send({ query: 'q', scope: { tenant: TENANT } });
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body as ProblemDetails).toMatchObject({ code: 'unavailable', retriable: true });
    } finally {
      await stub.close();
    }
  });
});
