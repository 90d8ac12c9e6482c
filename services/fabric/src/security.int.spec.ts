import 'reflect-metadata';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scope } from '@memfabric/auth';
import { generateApiKey, hashSecret, SqliteApiKeyStore } from '@memfabric/auth-node';
import { MemfabricClient } from '@memfabric/client';
import { createIngestLogger } from '@memfabric/ingest';
import { startFabric, type RunningFabric } from './fabric.js';

const ADMIN = 'security-admin-token-0123456789';

function interaction(tenantid: string, content: string, type = 'interaction.recorded', data: Record<string, unknown> = { kind: 'message', role: 'user', content }) {
  return { source: 'urn:memfabric:test', type, time: '2024-02-10T10:00:00Z', tenantid, streamid: 's1', actor: 'ann', data };
}

/** A GET with an explicit Host header (fetch does not let a caller set Host). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function mintKey(dir: string, tenants: string[], scopes: Scope[], label?: string): Promise<{ id: string; key: string }> {
  const store = SqliteApiKeyStore.open(path.join(dir, 'keys.db'));
  try {
    const key = generateApiKey();
    await store.add({ id: key.id, secretHash: hashSecret(key.secret), tenants, scopes, createdAt: new Date().toISOString(), ...(label === undefined ? {} : { label }) });
    return { id: key.id, key: key.key };
  } finally {
    await store.close();
  }
}

describe('secure by default', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-security-'));
    dirs.push(dir);
    return dir;
  };
  const silent = createIngestLogger('silent');
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to listen on a non-loopback address without a credential, and says how to fix it', async () => {
    await expect(startFabric({ MEMFABRIC_DATA_DIR: tempDir(), MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_INGEST_HOST: '0.0.0.0', MEMFABRIC_EMBEDDER: 'hash' }, { logger: silent })).rejects.toMatchObject({
      code: 'configuration_invalid',
      message: expect.stringMatching(/refusing to listen on 0\.0\.0\.0 without authentication.*memfabric keys create/) as unknown,
    });
  });

  it('with a credential it binds any address and every non-public route requires one', async () => {
    const running = await startFabric(
      { MEMFABRIC_DATA_DIR: tempDir(), MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_INGEST_HOST: '0.0.0.0', MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_ADMIN_TOKEN: ADMIN },
      { logger: silent },
    );
    try {
      const port = new URL(running.url).port;
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const denied = await fetch(`${base}/v1/recall/presets`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await fetch(`${base}/v1/recall/presets`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
      expect((await fetch(`${base}/v1/recall/presets`, { headers: { authorization: 'Bearer not-a-known-credential' } })).status).toBe(401);
      // authentication comes before the body is read: a malformed body without a credential is a 401, not a 400
      const unread = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not json' });
      expect(unread.status).toBe(401);
      const withKey = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: '{"not json' });
      expect(withKey.status).toBe(400);
    } finally {
      await running.close();
    }
  });

  it('accepts OIDC access tokens verified against the issuer\'s JWKS, with tenants and scopes from their claims', async () => {
    const pair = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const idp = createServer((req, res) => {
      const issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
      if (req.url === '/.well-known/openid-configuration') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      else if (req.url === '/jwks') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    const token = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(issuer).setAudience('memfabric').setSubject('agent-7').setIssuedAt().setExpirationTime('5m').sign(pair.privateKey);
    const running = await startFabric(
      { MEMFABRIC_DATA_DIR: tempDir(), MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_OIDC_ISSUER: issuer, MEMFABRIC_OIDC_AUDIENCE: 'memfabric' },
      { logger: silent },
    );
    try {
      const recall = (bearer: string, tenant: string) =>
        fetch(`${running.url}/v1/recall`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: 'anything', scope: { tenant } }) });
      const reader = await token({ memfabric_tenants: ['acme'], scope: 'memory:read' });
      expect((await recall(reader, 'acme')).status).toBe(200);
      expect((await recall(reader, 'globex')).status).toBe(403);
      expect((await recall(await token({ memfabric_tenants: ['acme'], scope: 'memory:write' }), 'acme')).status).toBe(403);
      const otherKey = (await generateKeyPair('ES256')).privateKey;
      const forged = await new SignJWT({ memfabric_tenants: ['acme'], scope: 'memory:read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(issuer).setAudience('memfabric').setSubject('x').setExpirationTime('5m').sign(otherKey);
      expect((await recall(forged, 'acme')).status).toBe(401);
      expect((await fetch(`${running.url}/v1/recall/presets`)).status).toBe(401);
    } finally {
      await running.close();
      await new Promise<void>((resolve) => idp.close(() => resolve()));
    }
  });

  describe('a loopback server on a data directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-security-keys-'));
    let running: RunningFabric;
    beforeAll(async () => {
      dirs.push(dir);
      running = await startFabric({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_RATE_LIMIT_PER_KEY: '5' }, { logger: silent });
    });
    afterAll(async () => running?.close());

    it('answers only Host names of this machine (DNS-rebinding protection)', async () => {
      const port = new URL(running.url).port;
      expect((await getWithHost(`${running.url}/health/live`, `localhost:${port}`)).status).toBe(200);
      expect((await getWithHost(`${running.url}/health/live`, `127.0.0.1:${port}`)).status).toBe(200);
      const rebound = await getWithHost(`${running.url}/health/live`, `attacker.example:${port}`);
      expect(rebound.status).toBe(403);
      expect(rebound.body).toMatch(/Host header/);
    });

    it('refuses service-only event types from clients (403) and appends nothing', async () => {
      for (const forged of [
        interaction('acme', '', 'subject.erased', { subject: 'ann' }),
        interaction('acme', '', 'rollback.applied', { filter: { tenantid: 'acme' }, uptoposition: 10 }),
        interaction('acme', '', 'facts.extracted', { sourceeventid: '01a23ad8-549b-7192-b1ee-c64c405ed05b', extractor: 'x', entities: [], relations: [], timeexpressions: [] }),
      ]) {
        const res = await fetch(`${running.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([forged]) });
        expect([400, 403], `${forged.type}: ${await res.clone().text()}`).toContain(res.status);
        if (res.status === 403) expect(((await res.json()) as { code: string }).code).toBe('forbidden');
      }
      const erased = await fetch(`${running.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([interaction('acme', '', 'subject.erased', { subject: 'ann', reason: 'forged' })]) });
      expect(erased.status).toBe(403);
      expect((await running.fabric.log.listStreams('acme')).length).toBe(0);
    });

    it('accepts a key created on its data directory while it runs, then requires credentials; the read audit names the key; revocation is immediate', async () => {
      const open = await fetch(`${running.url}/v1/recall/presets`);
      expect(open.status).toBe(200);
      const { id, key } = await mintKey(dir, ['acme'], ['memory:write', 'memory:read'], 'support bot');
      expect((await fetch(`${running.url}/v1/recall/presets`)).status).toBe(401);

      const client = new MemfabricClient({ baseUrl: running.url, apiKey: key, source: 'urn:agent:test', caller: 'agent:bot' });
      const appended = await client.appendEvents([interaction('acme', 'Ann keeps her sailboat at the Cascais marina') as Parameters<MemfabricClient['appendEvents']>[0][number]]);
      expect(appended.appended).toBe(1);
      const recalled = await client.recall({ query: 'Where is the sailboat?', scope: { tenant: 'acme' }, k: 3, consistencyToken: appended.consistencyToken });
      expect(recalled.hits[0]?.text).toMatch(/sailboat/);
      await running.fabric.flushQueryLog();
      const logged = await running.fabric.analytics.listQueries({ tenant: 'acme' });
      expect(logged.find((q) => q.queryId === recalled.queryId), JSON.stringify(logged.map((q) => [q.queryId, q.caller]))).toMatchObject({ caller: `key:${id} (agent:bot)` });

      await expect(client.recall({ query: 'sailboat', scope: { tenant: 'globex' }, k: 3 })).rejects.toMatchObject({ status: 403, code: 'forbidden' });
      await expect(client.history('acme', appended.results[0]!.id)).rejects.toMatchObject({ status: 403 });

      const store = SqliteApiKeyStore.open(path.join(dir, 'keys.db'));
      expect(await store.revoke(id, new Date().toISOString())).toBe(true);
      await store.close();
      await expect(client.recall({ query: 'sailboat', scope: { tenant: 'acme' }, k: 3 })).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    });

    it('limits requests per key: 429 with Retry-After beyond the budget', async () => {
      const { key } = await mintKey(dir, ['acme'], ['memory:read']);
      const answers = await Promise.all(Array.from({ length: 12 }, () => fetch(`${running.url}/v1/recall/presets`, { headers: { authorization: `Bearer ${key}` } })));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
      const limited = answers.find((a) => a.status === 429)!;
      expect(limited).toBeDefined();
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await limited.json()) as { code: string }).code).toBe('rate_limited');
    });
  });
});
