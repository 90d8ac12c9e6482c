import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Scope } from '@memfabric/auth';
import { generateApiKey, hashSecret, SqliteApiKeyStore } from '@memfabric/auth-node';
import { startFabric, type RunningFabric } from '@memfabric/fabric';
import { createIngestLogger } from '@memfabric/ingest';

/**
 * The authorization matrix, generated from the served OpenAPI documents: every documented
 * operation × {no credential, another tenant's key, a key missing the scope, the right key}.
 * Each operation states its scope (`security: [{ bearerAuth: [scope] }]`) and where its tenant
 * comes from (`x-memfabric-tenant`); path parameters, query examples and body examples come from
 * the documents too. Every route the app serves must be documented, so a new route is covered
 * without editing this file.
 */

const A = 'acme';
const B = 'globex';
const ADMIN = 'matrix-admin-token-0123456789abcdef';
const A_SECRETS = ['Ann keeps her sailboat Marisol at the Cascais marina', 'the alarm code of the Cascais flat is 7731'];
const B_SECRETS = ['Gus hides the vault code 4417 under the blue lamp'];
/** The all-in-one fabric serves one merged document of every module's routes. */
const DOCUMENTS = ['/openapi.json'];

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly operationId: string;
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly 'x-memfabric-tenant'?: 'path' | 'body' | 'resource' | 'none';
  readonly parameters?: readonly { name: string; in: string; required?: boolean; example?: unknown }[];
  readonly requestBody?: { required?: boolean; content: Record<string, { example?: unknown }> };
  readonly responses: Record<string, unknown>;
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  /** The path and query requested. */
  readonly url: string;
}

/** Order: reads, then writes, then admin actions; erasure last (it destroys the subject's key). */
function rank(op: Operation): number {
  if (op.operationId === 'eraseSubject') return 4;
  if (op.operationId === 'revertRollback') return 3;
  if (op.method === 'get') return 0;
  return scopeOf(op) === 'audit:admin' ? 2 : 1;
}

function scopeOf(op: Operation): Scope | undefined {
  const requirement = op.security?.[0];
  const scopes = requirement ? Object.values(requirement)[0] : undefined;
  return scopes?.[0] as Scope | undefined;
}

function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

describe('authorization matrix over every documented route', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-authz-'));
  let running: RunningFabric;
  const operations: Operation[] = [];
  const keys: { other: string; missing: Map<Scope, string>; exact: Map<Scope, string> } = { other: '', missing: new Map(), exact: new Map() };
  const fixtures: { tenant: string; stream: string; subject: string; ids: Record<string, string> } = { tenant: A, stream: 'session-1', subject: 'ann', ids: {} };
  const aIds: string[] = [];

  const call = async (op: Operation, credential: string | undefined, overrides: { id?: string } = {}): Promise<Answer> => {
    let url = op.path.replace(/\{([^}]+)\}/g, (_m, name: string, offset: number) => {
      if (name === 'tenant') return fixtures.tenant;
      if (name === 'stream') return fixtures.stream;
      if (name === 'subject') return fixtures.subject;
      const segment = op.path.slice(0, offset).split('/').filter(Boolean).at(-1) ?? '';
      const value = overrides.id ?? fixtures.ids[segment];
      if (value === undefined) throw new Error(`no fixture value for {${name}} after /${segment}/ in ${op.path}: add one to the matrix fixtures`);
      return encodeURIComponent(value);
    });
    const query = (op.parameters ?? []).filter((p) => p.in === 'query' && p.example !== undefined).map((p) => `${p.name}=${encodeURIComponent(String(p.example))}`);
    if (query.length > 0) url += `?${query.join('&')}`;
    const headers: Record<string, string> = {};
    if (credential !== undefined) headers['authorization'] = `Bearer ${credential}`;
    let body: string | undefined;
    const content = op.requestBody?.content;
    const example = content ? Object.values(content).find((c) => c.example !== undefined)?.example : undefined;
    if (example !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(example);
    } else if (op.requestBody?.required) {
      throw new Error(`${op.operationId} requires a body and documents no example`);
    }
    const res = await fetch(`${running.url}${url}`, { method: op.method.toUpperCase(), headers, ...(body === undefined ? {} : { body }) });
    return { status: res.status, text: await res.text(), headers: res.headers, url };
  };

  /** The fixture id a resource route addresses: the one named by the segment before `{id}`. */
  const resourceId = (op: Operation): string => {
    const segments = op.path.split('/');
    return fixtures.ids[segments[segments.indexOf('{id}') - 1] ?? ''] ?? '';
  };

  beforeAll(async () => {
    const store = SqliteApiKeyStore.open(path.join(dir, 'keys.db'));
    const mint = async (tenants: string[], scopes: Scope[]): Promise<string> => {
      const key = generateApiKey();
      await store.add({ id: key.id, secretHash: hashSecret(key.secret), tenants, scopes, createdAt: new Date().toISOString() });
      return key.key;
    };
    keys.other = await mint([B], [...SCOPES]);
    for (const scope of SCOPES) {
      keys.exact.set(scope, await mint([A], [scope]));
      keys.missing.set(scope, await mint([A], SCOPES.filter((s) => s !== scope)));
    }
    await store.close();

    running = await startFabric(
      { MEMFABRIC_DATA_DIR: dir, MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_ADMIN_TOKEN: ADMIN, MEMFABRIC_RATE_LIMIT_PER_KEY: '0', MEMFABRIC_RATE_LIMIT_PER_TENANT: '0' },
      { logger: createIngestLogger('silent') },
    );
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const event = (tenantid: string, streamid: string, actor: string, content: string) => ({
      source: 'urn:memfabric:test',
      type: 'interaction.recorded',
      time: '2024-02-10T10:00:00Z',
      tenantid,
      streamid,
      actor,
      data: { kind: 'message', role: 'user', content },
    });
    const appended = await fetch(`${running.url}/v1/events`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify([
        event(A, 'session-1', 'ann', A_SECRETS[0]!),
        event(A, 'session-1', 'ann', A_SECRETS[1]!),
        event(A, 'session-9', 'ann', 'A stream that the fixture rollback hides'),
        event(B, 'session-1', 'gus', B_SECRETS[0]!),
      ]),
    });
    expect(appended.status).toBe(201);
    const results = ((await appended.json()) as { results: { id: string }[] }).results;
    aIds.push(results[0]!.id, results[1]!.id, results[2]!.id);
    await running.fabric.catchUp();
    fixtures.ids['events'] = results[0]!.id;
    fixtures.ids['memories'] = results[0]!.id;
    const state = (await (await fetch(`${running.url}/v1/tenants/${A}/state?position=1000000`, { headers: admin })).json()) as { entities: { id: string }[] };
    expect(state.entities.length).toBeGreaterThan(0);
    fixtures.ids['entities'] = state.entities[0]!.id;
    const rollback = await fetch(`${running.url}/v1/tenants/${A}/rollbacks`, { method: 'POST', headers: admin, body: JSON.stringify({ filter: { streamid: 'session-9' } }) });
    expect(rollback.status).toBe(201);
    fixtures.ids['rollbacks'] = ((await rollback.json()) as { rollbackId: string }).rollbackId;
    aIds.push(fixtures.ids['rollbacks'], fixtures.ids['entities']);

    for (const url of DOCUMENTS) {
      const doc = (await (await fetch(`${running.url}${url}`)).json()) as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> };
      for (const [p, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          if (!operations.some((o) => o.path === p && o.method === method)) operations.push({ ...op, method, path: p });
        }
      }
    }
    operations.sort((x, y) => rank(x) - rank(y));
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every route the app serves is documented with its scope and tenant source', () => {
    const express = running.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
    // controller routes; middleware (body parsers, the Host allow-list, request log) registers '{*splat}' or a method set of its own
    const served = express.router.stack.flatMap((layer) => (layer.route && !layer.route.path.includes('*') ? Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m} ${layer.route!.path}`) : []));
    expect(served.length).toBeGreaterThan(10);
    const documented = new Set([...operations.map((o) => `${o.method} ${expressPath(o.path)}`), ...DOCUMENTS.map((d) => `get ${d}`)]);
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
    for (const op of operations) {
      const scope = scopeOf(op);
      if (op.security?.length === 0) continue;
      expect(scope, `${op.operationId} names its scope`).toBeDefined();
      expect(op['x-memfabric-tenant'], `${op.operationId} says where its tenant comes from`).toBeDefined();
    }
  });

  it('no credential → 401, another tenant → 403 (404 for a resource by id, like a missing one), a missing scope → 403, the right key → 2xx; never another tenant\'s data', async () => {
    const rows: string[] = [];
    for (const op of operations) {
      const scope = scopeOf(op);
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s)).map(Number);
      const label = `${op.method.toUpperCase()} ${op.path}`;
      if (op.security?.length === 0) {
        for (const credential of [undefined, keys.other]) expect((await call(op, credential)).status, `${label} is public`).toBeLessThan(300);
        rows.push(`${label}: public`);
        continue;
      }
      expect(scope, label).toBeDefined();
      const tenantSource = op['x-memfabric-tenant'];

      const none = await call(op, undefined);
      expect(none.status, `${label} without a credential`).toBe(401);
      expect(none.headers.get('www-authenticate'), label).toMatch(/^Bearer/);

      const other = await call(op, keys.other);
      const expectedOther = tenantSource === 'resource' ? 404 : tenantSource === 'none' ? success[0]! : 403;
      if (tenantSource === 'none') expect(success, label).toContain(other.status);
      else expect(other.status, `${label} with another tenant's key`).toBe(expectedOther);
      // the ids the caller sent may be echoed back (`instance`, a not-found detail); nothing else of tenant A may appear
      for (const secret of [...A_SECRETS, ...aIds].filter((x) => !other.url.includes(x))) expect(other.text, `${label} leaks tenant ${A}`).not.toContain(secret);
      if (tenantSource === 'resource') {
        const missingId = randomUUID();
        const missing = await call(op, keys.other, { id: missingId });
        const shape = (a: Answer, id: string) => ({ status: a.status, body: a.text.replaceAll(id, '<id>').replace(/"instance":"[^"]*"/, '') });
        expect(shape(other, resourceId(op)), `${label}: another tenant's resource looks missing`).toEqual(shape(missing, missingId));
      }

      const lacking = await call(op, keys.missing.get(scope!));
      expect(lacking.status, `${label} with a key missing ${scope}`).toBe(403);

      const right = await call(op, keys.exact.get(scope!));
      expect(success, `${label} with a key holding only ${scope}: ${right.text.slice(0, 300)}`).toContain(right.status);
      for (const secret of B_SECRETS) expect(right.text, `${label} leaks tenant ${B}`).not.toContain(secret);
      rows.push(`${label}: ${scope} (${tenantSource}) → 401 / ${other.status} / 403 / ${right.status}`);
    }
    expect(rows.length).toBe(operations.length);
  });
});
