import { gzipSync } from 'node:zlib';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH, interaction, startHarness, uniqueTenant, type Harness } from '../test/ingest.harness.js';
import { MAX_BODY_DEPTH, toProblemDetails, type ProblemDetails } from './index.js';
import { jsonBodyParser } from './json-body.middleware.js';

const PROBLEM = /^application\/problem\+json/;

/** `depth` nested arrays around `leaf`, as JSON text. */
function nestedJson(depth: number, leaf = '1'): string {
  return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
}

describe('the shared JSON body parser on POST /v1/events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (body: string | Buffer, headers: Record<string, string> = {}) => {
    let req = h.http().post('/v1/events').set('Content-Type', BATCH);
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    // bytes as they are (superagent would JSON-encode a Buffer sent with a JSON media type)
    return req.serialize((raw: unknown) => raw as string).send(body);
  };

  it(`refuses a body nested deeper than ${MAX_BODY_DEPTH} levels with 400, also when it is thousands deep`, async () => {
    expect(MAX_BODY_DEPTH).toBe(64);
    const before = await h.count();
    for (const depth of [MAX_BODY_DEPTH + 1, 5_000, 100_000]) {
      const res = await post(nestedJson(depth));
      expect(res.status, `depth ${depth}`).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      const problem = res.body as ProblemDetails;
      expect(problem.code).toBe('validation_failed');
      expect(problem.detail).toContain(`deeper than ${MAX_BODY_DEPTH}`);
      expect(problem.errors).toHaveLength(1);
      expect(problem.errors![0]!.pointer).toBe('/0'.repeat(MAX_BODY_DEPTH));
    }
    const deepData = JSON.stringify([interaction(uniqueTenant(), 's', 'x', { type: 'memory.asserted', data: { memoryid: 'm', memorytype: 'fact', content: 'c', attributes: { a: 0 } } })]).replace(
      '{"a":0}',
      nestedJson(200),
    );
    expect((await post(deepData)).status).toBe(400);
    expect(await h.count()).toBe(before);
  });

  it('a body at the depth limit still reaches validation (and is judged there)', async () => {
    const res = await post(nestedJson(MAX_BODY_DEPTH));
    expect(res.status).toBe(400);
    expect((res.body as ProblemDetails).detail).not.toContain('deeper');
  });

  it('refuses a lone surrogate in actor or idempotencykey with 400 naming the field', async () => {
    const tenant = uniqueTenant();
    const before = await h.count();
    for (const [field, pointer] of [
      ['actor', '/1/actor'],
      ['idempotencykey', '/1/idempotencykey'],
      ['streamid', '/1/streamid'],
    ] as const) {
      const body = JSON.stringify([interaction(tenant, 's', 'fine'), interaction(tenant, 's', 'bad', { [field]: 'LONE' })]).replace('"LONE"', '"a\\ud800b"');
      const res = await post(body);
      expect(res.status, field).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect((res.body as ProblemDetails).errors).toEqual([{ pointer, detail: expect.stringContaining('lone surrogate') as string }]);
    }
    const inKey = JSON.stringify([interaction(tenant, 's', 'x')]).replace('"kind"', '"\\udc00"');
    expect(((await post(inKey)).body as ProblemDetails).errors![0]!.pointer).toBe('/0/data/\ufffd');
    // a well-formed pair is fine
    const pair = JSON.stringify([interaction(tenant, 's', 'PAIR')]).replace('PAIR', '\\ud83d\\ude00');
    expect((await post(pair)).status).toBe(201);
    expect(await h.count()).toBe(before + 1);
  });

  it('answers 400 for a gzip, deflate or br body that does not decode, 415 for an unknown encoding, and decodes a good one', async () => {
    const good = JSON.stringify([interaction(uniqueTenant(), 's', 'compressed')]);
    for (const encoding of ['gzip', 'deflate', 'br']) {
      for (const body of [Buffer.from('this is not compressed'), gzipSync(good).subarray(0, 12)]) {
        const res = await post(body, { 'Content-Encoding': encoding });
        expect(res.status, encoding).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body as ProblemDetails).toMatchObject({ status: 400, code: 'bad_request', retriable: false });
        expect((res.body as ProblemDetails).detail).toContain(`Content-Encoding ${encoding}`);
      }
    }
    const unknown = await post(Buffer.from(good), { 'Content-Encoding': 'compress' });
    expect(unknown.status).toBe(415);
    expect(unknown.headers['content-type']).toMatch(PROBLEM);
    const decoded = await post(gzipSync(good), { 'Content-Encoding': 'gzip' });
    expect(decoded.status, JSON.stringify(decoded.body)).toBe(201);
  });

  it('refuses the times the projections cannot parse, with the rule in the detail', async () => {
    const tenant = uniqueTenant();
    for (const time of ['2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '12023-01-01T00:00:00Z', '2023-05-08 13:56:00Z', '2023-05-08t13:56:00z', '2023-02-30T00:00:00Z', '1850-01-01T00:00:00Z']) {
      const res = await post(JSON.stringify([interaction(tenant, 's', 'x', { time })]));
      expect(res.status, time).toBe(400);
      expect((res.body as ProblemDetails).errors!.map((e) => e.pointer)).toEqual(['/0/time']);
    }
  });
});

describe('jsonBodyParser with requireJson', () => {
  const app = express();
  const parse = jsonBodyParser(1024, ['application/json'], { requireJson: true });
  app.post('/', (req: Request, res: Response, next: NextFunction) => {
    parse(req, res).then(() => res.json({ body: req.body as unknown }), next);
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblemDetails(error, req.path);
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  });

  it('answers 415 for a body of another media type or of none, and takes JSON and an empty request', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await request(app).post('/').set('Content-Type', type).send('{"dryRun": false}');
      expect(res.status, type).toBe(415);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body as ProblemDetails).toMatchObject({ code: 'unsupported_media_type', status: 415 });
    }
    const untyped = await request(app).post('/').send(Buffer.from('{"a":1}'));
    expect(untyped.status).toBe(415);
    expect((await request(app).post('/').send({ a: 1 })).body).toEqual({ body: { a: 1 } });
    expect((await request(app).post('/')).status).toBe(200);
    expect((await request(app).post('/').set('Content-Type', 'text/plain')).status).toBe(200);
  });
});

