import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedAuditedFabric, EmbeddedAudit, NodeEd25519Signer, signerFromKeyFile, verifyExportDirectory, type Audit } from '@memfabric/audit-node';
import { EmbeddedFabric } from '@memfabric/embedded';
import { HashEmbedder } from '@memfabric/embeddings';
import { checkApiBody, type ApiBodyName } from '@memfabric/events';
import { DEFAULT_SECURITY, IngestModule, loadIngestConfig, securedApp } from '@memfabric/ingest';
import { interaction } from '@memfabric/event-log/testing';
import { asserted, corrected, retracted } from '@memfabric/projections/testing';
import { createAuditApp, createAuditLogger } from './audit.app.js';
import { loadAuditConfig } from './audit.config.js';
import { AuditModule } from './audit.module.js';
import { AUDIT } from './audit.tokens.js';

const PROBLEM = /^application\/problem\+json/;

/** Fails unless `res` answered a body its `schemas/api` schema accepts (the contract the OpenAPI document states). */
function expectContract(name: ApiBodyName, res: request.Response): void {
  expect(checkApiBody(name, res.body), `${name}: ${JSON.stringify(res.body).slice(0, 300)}`).toEqual([]);
}
const TOKEN = 'test-admin-token-0123456789';

describe('audit HTTP API', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-audit-http-'));
  let fabric: EmbeddedFabric;
  let audit: EmbeddedAudit;
  let app: NestExpressApplication;
  let closed: NestExpressApplication;
  let memoryId = '';
  const lines: Record<string, unknown>[] = [];
  const logger = createAuditLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });

  beforeAll(async () => {
    fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: randomBytes(32), embedder: new HashEmbedder({ dimensions: 32 }) });
    audit = EmbeddedAudit.open({ fabric, dataDir: dir });
    const [a] = await fabric.log.append([asserted('acme', 'prefs', 'Maya is vegetarian'), interaction('acme', 's1', 'Maya met Leo in Porto')]);
    memoryId = a!.id;
    const [c] = await fabric.log.append([corrected('acme', 'prefs', memoryId, 'Maya is vegan')]);
    await fabric.log.append([retracted('acme', 'prefs', c!.id)]);
    await fabric.catchUp();
    const config = loadAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_ADMIN_TOKEN: TOKEN, MEMFABRIC_CHECKPOINT_EVERY: '0' });
    app = await createAuditApp({ audit, config, logger });
    closed = await createAuditApp({ audit, config: loadAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_CHECKPOINT_EVERY: '0' }), logger });
  });
  afterAll(async () => {
    await app?.close();
    await closed?.close();
    await audit?.close();
    await fabric?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A request with the admin token (every route needs a credential once one is configured). */
  const http = () => request.agent(app.getHttpServer()).set('Authorization', `Bearer ${TOKEN}`);
  /** A request without any credential. */
  const anon = () => request(app.getHttpServer());

  it('GET memory history: versions with diffs, and the read is in the read audit with its caller', async () => {
    const res = await http().get(`/v1/tenants/acme/memories/${memoryId}/history`).set('X-Memfabric-Caller', 'auditor:ann');
    expect(res.status).toBe(200);
    const body = res.body as { unitId: string; versions: { type: string; status: string; text: string; diff: unknown[] }[] };
    expect(body.unitId).toBe(memoryId);
    expectContract('MemoryHistory', res);
    expect(body.versions.map((v) => [v.type, v.status, v.text])).toEqual([
      ['memory.asserted', 'active', 'Maya is vegetarian'],
      ['memory.corrected', 'active', 'Maya is vegan'],
      ['memory.retracted', 'retracted', 'Maya is vegan'],
    ]);
    const reads = await http().get('/v1/tenants/acme/reads').set('Authorization', `Bearer ${TOKEN}`);
    expect(reads.status).toBe(200);
    expect((reads.body as { reads: { caller: string; preset: string; unitIds: string[] }[] }).reads).toContainEqual(
      expect.objectContaining({ caller: 'admin (auditor:ann)', preset: 'audit:history', unitIds: expect.arrayContaining([memoryId]) as unknown }),
    );
  });

  it('unknown memory: 404 problem+json', async () => {
    const res = await http().get('/v1/tenants/acme/memories/00000000-0000-7000-8000-000000000000/history');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ status: 404, code: 'not_found', type: 'urn:memfabric:problem:not_found' });
  });

  it('GET state by position and by time; bad input answers 400 problem+json naming the parameter', async () => {
    const byPosition = await http().get('/v1/tenants/acme/state?position=1');
    expect(byPosition.status).toBe(200);
    expectContract('PointInTimeState', byPosition);
    expect((byPosition.body as { units: { text: string }[] }).units.map((u) => u.text)).toEqual(['Maya is vegetarian', 'Maya met Leo in Porto']);
    const byTime = await http().get(`/v1/tenants/acme/state?at=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&stream=s1`);
    expect(byTime.status).toBe(200);
    expectContract('PointInTimeState', byTime);
    expect((byTime.body as { units: { text: string }[] }).units.map((u) => u.text)).toEqual(['Maya met Leo in Porto']);

    for (const query of ['position=-1', 'position=1&at=2024-01-01T00:00:00Z', '', 'at=yesterday', 'position=abc']) {
      const res = await http().get(`/v1/tenants/acme/state?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect((res.body as { code: string; errors: { pointer: string }[] }).code).toBe('validation_failed');
      expect((res.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toMatch(/^\/query\//);
    }
  });

  it('every route: 401 without or with a wrong token once a token is configured; admin routes 403 with instructions when no credential is configured', async () => {
    expect((await anon().get(`/v1/tenants/acme/memories/${memoryId}/history`)).status).toBe(401);
    const none = await anon().get('/v1/tenants/acme/reads');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.headers['content-type']).toMatch(PROBLEM);
    expect((await anon().get('/v1/tenants/acme/reads').set('Authorization', 'Bearer wrong-token-wrong-token')).status).toBe(401);
    const disabled = await request(closed.getHttpServer()).post('/v1/tenants/acme/export');
    expect(disabled.status).toBe(403);
    expect(disabled.headers['content-type']).toMatch(PROBLEM);
    expect((disabled.body as { detail: string }).detail).toMatch(/MEMFABRIC_ADMIN_TOKEN/);
  });

  it('POST export writes a bundle that verifies; checkpoints and live verification', async () => {
    const cp = await http().post('/v1/tenants/acme/checkpoints').set('Authorization', `Bearer ${TOKEN}`);
    expect(cp.status).toBe(201);
    const res = await http().post('/v1/tenants/acme/export').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(201);
    expectContract('ExportResponse', res);
    const body = res.body as { dir: string; publicKeyPem: string; manifest: { counts: { events: number; checkpoints: number } } };
    expect(body.manifest.counts.checkpoints).toBe(2);
    expect(verifyExportDirectory(body.dir, body.publicKeyPem)).toMatchObject({ valid: true, events: body.manifest.counts.events });
    const verify = await http().get('/v1/tenants/acme/verify').set('Authorization', `Bearer ${TOKEN}`);
    expect(verify.body).toMatchObject({ valid: true, checkpoints: 2 });
  });

  it('rollback by filter: dry run lists the stream units, apply hides them (history shows it), revert brings them back', async () => {
    const admin = (req: request.Test) => req.set('Authorization', `Bearer ${TOKEN}`);
    const dry = await admin(http().post('/v1/tenants/acme/rollbacks?dryRun=true').send({ filter: { streamid: 's1' } }));
    expect(dry.status).toBe(200);
    expectContract('RollbackResponse', dry);
    const plan = dry.body as { dryRun: boolean; units: number; ids: string[] };
    expect(plan).toMatchObject({ dryRun: true, units: 1 });
    const units = await fabric.memoryUnits.listUnits('acme', { streamid: 's1', limit: 100 });
    expect(plan.ids).toEqual(units.map((u) => u.id));

    const applied = await admin(http().post('/v1/tenants/acme/rollbacks').set('X-Memfabric-Caller', 'ops:kim').send({ filter: { streamid: 's1' }, reason: 'bad batch' }));
    expect(applied.status).toBe(201);
    expectContract('RollbackResponse', applied);
    const { rollbackId, ids } = applied.body as { rollbackId: string; ids: string[] };
    expect(ids).toEqual(plan.ids);
    const afterRes = await http().get(`/v1/tenants/acme/memories/${ids[0]!}/history`);
    expectContract('MemoryHistory', afterRes);
    const after = afterRes.body as { versions: { change: string; status: string; actor: string }[] };
    expect(after.versions.at(-1)).toMatchObject({ change: 'rolled_back', status: 'rolled_back', actor: 'admin (ops:kim)' });

    const reverted = await admin(http().post(`/v1/rollbacks/${rollbackId}/revert`).send({ reason: 'was fine' }));
    expect(reverted.status).toBe(200);
    expectContract('RollbackRevertResponse', reverted);
    expect(reverted.body).toMatchObject({ rollbackId, alreadyReverted: false });
    expect((await admin(http().post(`/v1/rollbacks/${rollbackId}/revert`))).body).toMatchObject({ alreadyReverted: true });
    const back = (await http().get(`/v1/tenants/acme/memories/${ids[0]!}/history`)).body as { versions: { change: string; status: string }[] };
    expect(back.versions.at(-1)).toMatchObject({ change: 'rollback_reverted', status: 'active' });
  });

  it('action routes answer bad bodies with 400/413 problem+json and unknown rollbacks with 404', async () => {
    const admin = (req: request.Test) => req.set('Authorization', `Bearer ${TOKEN}`);
    const unknown = await admin(http().post('/v1/tenants/acme/rollbacks').send({ filter: { stream: 's1', tenantid: 'other' } }));
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toMatch(PROBLEM);
    expect((unknown.body as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toEqual(['/filter/stream', '/filter/tenantid']);
    const badTime = await admin(http().post('/v1/tenants/acme/rollbacks').send({ filter: { from: 'yesterday' } }));
    expect(badTime.status).toBe(400);
    const malformed = await admin(http().post('/v1/tenants/acme/rollbacks').set('Content-Type', 'application/json').send('{"filter":'));
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'malformed_json' });
    const big = await admin(http().post('/v1/tenants/acme/rollbacks').send({ reason: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(PROBLEM);
    const missing = await admin(http().post('/v1/rollbacks/00000000-0000-7000-8000-000000000000/revert'));
    expect(missing.status).toBe(404);
    expect((await anon().post('/v1/tenants/acme/subjects/maya/erase')).status).toBe(401);
  });

  it('action bodies are checked against their schemas/api contract: a string dryRun or an unknown field answers 400 and appends nothing', async () => {
    const admin = (req: request.Test) => req.set('Authorization', `Bearer ${TOKEN}`);
    const end = await fabric.log.end();
    const cases: [string, Record<string, unknown>, string][] = [
      ['/v1/tenants/acme/rollbacks', { filter: { streamid: 's1' }, dryRun: 'true' }, '/dryRun'],
      ['/v1/tenants/acme/rollbacks', { filter: { streamid: 's1' }, dryRun: 'false' }, '/dryRun'],
      ['/v1/tenants/acme/rollbacks', { filter: { streamid: 's1' }, dryrun: true }, '/dryrun'],
      ['/v1/tenants/acme/rollbacks', { filter: { streamid: 's1', batch: 'b1' } }, '/filter/batch'],
      ['/v1/tenants/acme/rollbacks', { filter: { streamid: 42 } }, '/filter/streamid'],
      ['/v1/rollbacks/00000000-0000-7000-8000-000000000000/revert', { reason: 'x', force: true }, '/force'],
      ['/v1/tenants/acme/subjects/maya/erase', { reason: 'art. 17', requestedby: 'dpo' }, '/requestedby'],
      ['/v1/tenants/acme/subjects/maya/erase', { reason: ['art. 17'] }, '/reason'],
    ];
    for (const [url, body, pointer] of cases) {
      const res = await admin(http().post(url).send(body));
      const what = `${url} ${JSON.stringify(body)}`;
      expect(res.status, what).toBe(400);
      expect(res.headers['content-type'], what).toMatch(PROBLEM);
      expectContract('ProblemDetails', res);
      expect(res.body, what).toMatchObject({ code: 'validation_failed', errors: [{ pointer }] });
    }
    const unknown = (await admin(http().post('/v1/tenants/acme/rollbacks').send({ filter: { streamid: 's1' }, dryRun: 'true' }))).body as { detail: string; errors: { detail: string }[] };
    expect(unknown.errors[0]!.detail).toBe('must be true or false');
    expect(unknown.detail).toContain('/dryRun');
    // the query flag stays a string by nature, and a JSON boolean in the body is accepted
    expect((await admin(http().post('/v1/tenants/acme/rollbacks?dryRun=1').send({ filter: { streamid: 's1' } }))).status).toBe(200);
    expect((await admin(http().post('/v1/tenants/acme/rollbacks').send({ filter: { streamid: 's1' }, dryRun: true }))).status).toBe(200);
    expect(await fabric.log.end()).toEqual(end);
  });

  it('erasure of a subject: history and state no longer return the content, the chains still verify', async () => {
    const [e] = await fabric.log.append([interaction('acme', 's3', 'my phone number is 555-0199', { actor: 'zoe' })]);
    await fabric.catchUp();
    const erased = await http().post('/v1/tenants/acme/subjects/zoe/erase').set('Authorization', `Bearer ${TOKEN}`).send({ reason: 'GDPR art. 17 request' });
    expect(erased.status).toBe(200);
    expectContract('ErasureResponse', erased);
    expect(erased.body).toMatchObject({ keysDestroyed: 1 });
    const end = await fabric.log.end();
    const unknown = await http().post('/v1/tenants/acme/subjects/nobody/erase').set('Authorization', `Bearer ${TOKEN}`).send({});
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(PROBLEM);
    expect(await fabric.log.end()).toEqual(end);
    const history = await http().get(`/v1/tenants/acme/memories/${e!.id}/history`);
    expect(JSON.stringify(history.body)).not.toContain('555-0199');
    expectContract('MemoryHistory', history);
    const state = await http().get('/v1/tenants/acme/state?position=100000');
    expect(JSON.stringify(state.body)).not.toContain('555-0199');
    expectContract('PointInTimeState', state);
    expect((await http().get('/v1/tenants/acme/verify').set('Authorization', `Bearer ${TOKEN}`)).body).toMatchObject({ valid: true });
  });

  it('serves its OpenAPI 3.1 document with every route', async () => {
    for (const url of ['/openapi.json', '/v1/audit/openapi.json']) {
      const res = await http().get(url);
      expect(res.status).toBe(200);
      const doc = res.body as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/v1/tenants/{tenant}/memories/{id}/history', '/v1/tenants/{tenant}/entities/{id}/history', '/v1/tenants/{tenant}/state', '/v1/tenants/{tenant}/reads', '/v1/tenants/{tenant}/export', '/v1/tenants/{tenant}/rollbacks', '/v1/rollbacks/{id}/revert', '/v1/tenants/{tenant}/subjects/{subject}/erase']),
      );
    }
  });

  it('shares one Nest app with the ingest module: ingest bodies still parse, audit routes answer, errors stay problem+json', async () => {
    const ingestConfig = loadIngestConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_LOG_LEVEL: 'silent' });
    const auditConfig = loadAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_ADMIN_TOKEN: TOKEN, MEMFABRIC_CHECKPOINT_EVERY: '0' });
    const root = securedApp(DEFAULT_SECURITY, IngestModule.forRoot({ log: fabric.log, config: ingestConfig }), AuditModule.forRoot({ audit, config: auditConfig, logger }));
    const shared = await NestFactory.create<NestExpressApplication>(root, new ExpressAdapter(), { bodyParser: false, logger: false });
    await shared.init();
    try {
      const server = () => request(shared.getHttpServer());
      const appended = await server()
        .post('/v1/events')
        .set('Content-Type', 'application/cloudevents-batch+json')
        .send(JSON.stringify([{ source: 'urn:t', type: 'interaction.recorded', time: '2024-01-01T00:00:00Z', tenantid: 'acme', streamid: 's9', actor: 'maya', data: { kind: 'message', role: 'user', content: 'hi' } }]));
      expect(appended.status).toBe(201);
      const history = await server().get(`/v1/tenants/acme/memories/${(appended.body as { results: { id: string }[] }).results[0]!.id}/history`);
      expect(history.status).toBe(200);
      expect((await server().get('/openapi.json')).body).toMatchObject({ info: { title: 'memfabric ingest' } });
      expect((await server().get('/v1/audit/openapi.json')).body).toMatchObject({ info: { title: 'memfabric audit' } });
      const bad = await server().get('/v1/tenants/acme/state?position=x');
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(PROBLEM);
    } finally {
      await shared.close();
    }
  });

  it('builds its audit over any AuditedFabric, signing with config.signingKeyFile, else a signer, else the data directory key', async () => {
    const keyFile = path.join(dir, 'provisioned-signing.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o400 });
    const config = loadAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_CHECKPOINT_EVERY: '0', MEMFABRIC_AUDIT_SIGNING_KEY_FILE: keyFile });
    const built = await createAuditApp({ fabric: embeddedAuditedFabric(fabric), config, dataDir: dir, logger: createAuditLogger('silent') });
    try {
      const own = built.get<Audit>(AUDIT);
      expect(own).not.toBe(audit);
      expect(own.signer.keyId).toBe(signerFromKeyFile(keyFile).keyId);
      const history = await request(built.getHttpServer()).get(`/v1/tenants/acme/memories/${memoryId}/history`);
      expect(history.status).toBe(200);
    } finally {
      await built.close();
    }
    const signer = NodeEd25519Signer.generate();
    expect(AuditModule.forRoot({ fabric: embeddedAuditedFabric(fabric), config, signer, logger }).providers).toContainEqual({ provide: AUDIT, useValue: expect.objectContaining({ signer }) as unknown });
    const plain = loadAuditConfig({ MEMFABRIC_DATA_DIR: dir });
    expect(AuditModule.forRoot({ fabric: embeddedAuditedFabric(fabric), config: plain, dataDir: dir, logger }).providers).toContainEqual({
      provide: AUDIT,
      useValue: expect.objectContaining({ signer: expect.objectContaining({ keyId: audit.signer.keyId }) as unknown }) as unknown,
    });
    expect(() => AuditModule.forRoot({ config: plain, logger })).toThrow(/pass an audit, or the fabric/);
    expect(() => AuditModule.forRoot({ fabric: embeddedAuditedFabric(fabric), config: plain, logger })).toThrow(/needs a signing key/);
  });
});
