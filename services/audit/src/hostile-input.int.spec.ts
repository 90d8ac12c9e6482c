import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedAudit } from '@memfabric/audit-node';
import { EmbeddedFabric } from '@memfabric/embedded';
import { HashEmbedder } from '@memfabric/embeddings';
import { interaction } from '@memfabric/event-log/testing';
import { createAuditApp, createAuditLogger } from './audit.app.js';
import { loadAuditConfig } from './audit.config.js';

const PROBLEM = /^application\/problem\+json/;
const TOKEN = 'test-admin-token-0123456789';

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { pointer: string; detail: string }[];
}

describe('audit routes under hostile input', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-audit-hostile-'));
  let fabric: EmbeddedFabric;
  let audit: EmbeddedAudit;
  let app: NestExpressApplication;

  beforeAll(async () => {
    fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: randomBytes(32), embedder: new HashEmbedder({ dimensions: 32 }) });
    audit = EmbeddedAudit.open({ fabric, dataDir: dir });
    await fabric.log.append([interaction('acme', 's1', 'my phone number is 555-0199', { actor: 'zoe' })]);
    await fabric.catchUp();
    const config = loadAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_ADMIN_TOKEN: TOKEN, MEMFABRIC_CHECKPOINT_EVERY: '0' });
    app = await createAuditApp({ audit, config, logger: createAuditLogger('silent') });
  });
  afterAll(async () => {
    await app?.close();
    await audit?.close();
    await fabric?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const http = () => request.agent(app.getHttpServer()).set('Authorization', `Bearer ${TOKEN}`);

  it('an erase sent as text/plain (or any non-JSON body) answers 415 and erases nothing', async () => {
    const end = await fabric.log.end();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await http().post('/v1/tenants/acme/subjects/zoe/erase').set('Content-Type', type).send('{"reason": "GDPR"}');
      expect(res.status, type).toBe(415);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect((res.body as Problem).code).toBe('unsupported_media_type');
    }
    for (const url of ['/v1/tenants/acme/rollbacks', '/v1/rollbacks/00000000-0000-7000-8000-000000000000/revert']) {
      expect((await http().post(url).set('Content-Type', 'text/plain').send('{"filter": {"streamid": "s1"}}')).status, url).toBe(415);
    }
    expect(await fabric.log.end()).toEqual(end);
  });

  it('bodies with a lone surrogate or nested past the limit answer 400 naming the pointer', async () => {
    const end = await fabric.log.end();
    const surrogate = await http().post('/v1/tenants/acme/rollbacks?dryRun=true').set('Content-Type', 'application/json').send('{"filter": {"actor": "zo\\ud800e"}}');
    expect(surrogate.status).toBe(400);
    expect(surrogate.headers['content-type']).toMatch(PROBLEM);
    expect((surrogate.body as Problem).errors).toEqual([{ pointer: '/filter/actor', detail: expect.stringContaining('lone surrogate') as string }]);
    const deep = await http().post('/v1/tenants/acme/subjects/zoe/erase').set('Content-Type', 'application/json').send(`{"reason": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(deep.status).toBe(400);
    expect((deep.body as Problem).detail).toContain('deeper than 64');
    expect(await fabric.log.end()).toEqual(end);
  });

  it('tenant, stream and id parameters are validated like ingest: 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/v1/tenants/-acme/state?position=0', '/path/tenant'],
      [`/v1/tenants/${'t'.repeat(65)}/reads`, '/path/tenant'],
      ['/v1/tenants/ac%3Ame/state?position=0', '/path/tenant'],
      ['/v1/tenants/acme/state?position=0&stream=a%20b', '/query/stream'],
      ['/v1/tenants/acme/memories/not-a-uuid/history', '/path/id'],
      ['/v1/tenants/acme/entities/alice/history', '/path/id'],
    ];
    for (const [url, pointer] of cases) {
      const res = await http().get(url);
      expect(res.status, url).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect((res.body as Problem).errors!.map((e) => e.pointer), url).toEqual([pointer]);
    }
    const subject = await http().post('/v1/tenants/acme/subjects/%20%20/erase');
    expect(subject.status).toBe(400);
    expect((subject.body as Problem).errors!.map((e) => e.pointer)).toEqual(['/path/subject']);
  });

  it('state `at` and reads `since` refuse calendar-impossible instants as recall and ingest do', async () => {
    for (const at of ['2023-02-30T00:00:00Z', '2023-04-31T00:00:00Z', '2023-05-08T24:00:00Z', '2016-12-31T23:59:60Z', '2023-05-08t10:00:00z']) {
      const state = await http().get(`/v1/tenants/acme/state?at=${encodeURIComponent(at)}`);
      expect(state.status, at).toBe(400);
      expect((state.body as Problem).errors!.map((e) => e.pointer)).toEqual(['/query/at']);
      const reads = await http().get(`/v1/tenants/acme/reads?since=${encodeURIComponent(at)}`);
      expect(reads.status, at).toBe(400);
      expect((reads.body as Problem).errors!.map((e) => e.pointer)).toEqual(['/query/since']);
    }
    expect((await http().get(`/v1/tenants/acme/state?at=${encodeURIComponent('2024-02-29T12:00:00+01:00')}`)).status).toBe(200);
  });
});
