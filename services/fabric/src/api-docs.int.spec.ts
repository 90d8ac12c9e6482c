import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditOpenApiDocument } from '@memfabric/audit-service';
import { buildOpenApiDocument, createIngestLogger } from '@memfabric/ingest';
import { buildQueryGatewayOpenApiDocument } from '@memfabric/query-gateway';
import { startFabric, type RunningFabric } from './fabric.js';

// ajv-formats is CommonJS (`module.exports = plugin`); take the callable from either shape.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function pointer(root: unknown, fragment: string): unknown {
  let node = root;
  for (const raw of fragment.replace(/^#\/?/, '').split('/').filter((s) => s !== '')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = typeof node === 'object' && node !== null ? (node as Json)[key] : undefined;
  }
  return node;
}

/** Every `$ref` and the schema resource (nearest `$id`, else the document) it is relative to. */
function collectRefs(node: unknown, resource: unknown, out: { ref: string; resource: unknown }[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, resource, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Json;
  const here = typeof obj.$id === 'string' ? obj : resource;
  if (typeof obj.$ref === 'string') out.push({ ref: obj.$ref, resource: here });
  for (const value of Object.values(obj)) collectRefs(value, here, out);
}

/** The paths of the stand-alone documents, i.e. what the merged one must contain. */
function modulePaths(): string[] {
  const docs = [buildOpenApiDocument({ maxBodyBytes: 1 }), buildQueryGatewayOpenApiDocument({ maxBodyBytes: 1 }), buildAuditOpenApiDocument({ maxBodyBytes: 1 })];
  return docs.flatMap((d) => Object.keys((d as { paths: Json }).paths));
}

describe('the all-in-one fabric documents its API once: /openapi.json and /docs', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-docs-'));
  const lines: string[] = [];
  let running: RunningFabric;
  let doc: Json & { paths: Record<string, Json>; components: Record<string, Record<string, Json>> };

  beforeAll(async () => {
    running = await startFabric(
      { MEMFABRIC_DATA_DIR: dir, MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_EMBEDDER: 'hash' },
      { logger: createIngestLogger('info', { write: (line: string) => void lines.push(line) }, null) },
    );
    const res = await fetch(`${running.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves one OpenAPI 3.1 document with every path of ingest, the query gateway and the audit, plus /docs', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(doc.info).toMatchObject({ title: 'memfabric', version: expect.any(String) as string });
    const expected = [...new Set([...modulePaths(), '/docs'])].sort();
    expect(Object.keys(doc.paths).sort()).toEqual(expected);
    expect(expected.length).toBe(20);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/recall', '/v1/tenants/{tenant}/rollbacks', '/v1/tenants/{tenant}/subjects/{subject}/erase']));
    for (const old of ['/openapi/query.json', '/v1/audit/openapi.json']) expect((doc.paths as Json)[old]).toBeUndefined();
  });

  it('is a valid OpenAPI 3.1 document: required fields, unique operation ids, declared path parameters, resolving references, schemas that compile', () => {
    const operationIds = new Set<string>();
    let operations = 0;
    for (const [p, item] of Object.entries(doc.paths)) {
      expect(p.startsWith('/'), p).toBe(true);
      for (const method of METHODS) {
        const op = item[method] as Json | undefined;
        if (op === undefined) continue;
        operations++;
        expect(typeof op.operationId, `${method} ${p}`).toBe('string');
        expect(operationIds.has(op.operationId as string), `operationId ${String(op.operationId)} is unique`).toBe(false);
        operationIds.add(op.operationId as string);
        expect(Object.keys(op.responses as Json).length, `${method} ${p} has responses`).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(op.responses as Json)) {
          expect(status, `${method} ${p}`).toMatch(/^([1-5](\d\d|XX)|default)$/);
          const r = response as Json;
          expect(typeof r.description === 'string' || typeof r.$ref === 'string', `${method} ${p} ${status} has a description`).toBe(true);
        }
        const declared = new Set(((op.parameters as Json[] | undefined) ?? []).filter((x) => x.in === 'path').map((x) => x.name as string));
        for (const [, name] of p.matchAll(/\{([^}]+)\}/g)) expect(declared.has(name!), `${method} ${p} declares {${name}}`).toBe(true);
        for (const requirement of (op.security as Json[] | undefined) ?? []) {
          for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes?.[scheme], `${scheme} is defined`).toBeDefined();
        }
      }
    }
    expect(operations).toBe(operationIds.size);

    const refs: { ref: string; resource: unknown }[] = [];
    collectRefs(doc, doc, refs);
    const ids = new Set(Object.values(doc.components.schemas ?? {}).map((s) => s.$id).filter((id): id is string => typeof id === 'string'));
    for (const { ref, resource } of refs) {
      if (ref.startsWith('#')) expect(pointer(resource, ref), ref).toBeDefined();
      else expect(ids.has(ref.split('#')[0]!), ref).toBe(true);
    }

    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats(ajv);
    ajv.addKeyword('example');
    const idOf = new Map<string, string>();
    for (const [name, schema] of Object.entries(doc.components.schemas ?? {})) {
      const id = typeof schema.$id === 'string' ? schema.$id : `urn:memfabric:test:component:${name}`;
      idOf.set(name, id);
    }
    for (const [name, schema] of Object.entries(doc.components.schemas ?? {})) {
      const text = JSON.stringify(schema).replace(/"#\/components\/schemas\/([A-Za-z0-9._-]+)"/g, (_, n: string) => JSON.stringify(idOf.get(n)));
      ajv.addSchema({ ...(JSON.parse(text) as Json), $id: idOf.get(name) });
    }
    for (const id of idOf.values()) expect(() => ajv.getSchema(id), id).not.toThrow();
  });

  it('merges the components without clashes: one ProblemDetails, one bearer scheme, every module referencing them', () => {
    const problemNames = Object.keys(doc.components.schemas ?? {}).filter((n) => n.endsWith('ProblemDetails'));
    expect(problemNames).toEqual(['ProblemDetails']);
    expect(Object.keys(doc.components.securitySchemes ?? {})).toEqual(['bearerAuth']);
    const recall = JSON.stringify(doc.paths['/v1/recall']);
    const rollback = JSON.stringify(doc.paths['/v1/tenants/{tenant}/rollbacks']);
    for (const text of [recall, rollback]) expect(text).toContain('#/components/schemas/ProblemDetails');
  });

  it('GET /docs is a Swagger UI page whose scripts, style sheets and icons all load from this server', async () => {
    const res = await fetch(`${running.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('id="swagger-ui"');
    const urls = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/https?:\/\//);
    for (const url of urls) {
      expect(url, `${url} is local`).toMatch(/^\/(?!\/)/);
      const asset = await fetch(new URL(url, `${running.url}/docs`));
      expect(asset.status, url).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, url).toBeGreaterThan(0);
    }
    const init = await (await fetch(`${running.url}/docs/assets/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    expect((await fetch(`${running.url}/docs/assets/../package.json`)).status).toBe(404);
    expect((await fetch(`${running.url}/docs/assets/index.html`)).status).toBe(404);
  });

  it('names the module serving each request in its log line', async () => {
    const tenant = 'logs';
    await fetch(`${running.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ source: 'urn:t', type: 'interaction.recorded', time: '2024-01-01T00:00:00Z', tenantid: tenant, streamid: 's', actor: 'a', data: { kind: 'message', role: 'user', content: 'hello' } }]),
    });
    await fetch(`${running.url}/v1/recall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'hello', scope: { tenant } }) });
    await fetch(`${running.url}/v1/tenants/${tenant}/state?position=0`);
    await fetch(`${running.url}/docs`);
    const served = lines
      .map((l) => JSON.parse(l) as { service?: string; msg: string; req?: { url: string } })
      .filter((l) => l.msg === 'request completed')
      .map((l) => [l.req!.url.split('?')[0], l.service]);
    expect(served).toEqual(
      expect.arrayContaining([
        ['/v1/events', 'ingest'],
        ['/v1/recall', 'query-gateway'],
        [`/v1/tenants/${tenant}/state`, 'audit'],
      ]),
    );
    for (const line of lines) expect(line.match(/"service":/g), line).toHaveLength(1);
    expect(lines.some((l) => l.includes('"service":"fabric"') && l.includes('memfabric embedded fabric listening'))).toBe(true);
  });
});
