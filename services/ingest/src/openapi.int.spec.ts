import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interaction, startHarness, uniqueTenant, type Harness } from '../test/ingest.harness.js';
import type { AppendResponse, OpenApiDocument } from './index.js';

// ajv-formats is CommonJS (`module.exports = plugin`); take the callable from either shape.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function pointer(root: unknown, fragment: string): unknown {
  let node = root;
  for (const raw of fragment.replace(/^#\/?/, '').split('/').filter((s) => s !== '')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = typeof node === 'object' && node !== null ? (node as Json)[key] : undefined;
  }
  return node;
}

/** Every `$ref` with the schema resource (nearest `$id`, else the document) it is relative to. */
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

describe('GET /openapi.json', () => {
  let h: Harness;
  let doc: OpenApiDocument;
  let ajv: Ajv2020;
  const idOf = new Map<string, string>();

  /** Compiles a schema of the document, with `#/components/schemas/X` mapped to X's `$id`. */
  const compile = (schema: unknown) => {
    const text = JSON.stringify(schema).replace(/"#\/components\/schemas\/([A-Za-z0-9._-]+)"/g, (_, name: string) => JSON.stringify(idOf.get(name)));
    return ajv.compile(JSON.parse(text) as Json);
  };

  beforeAll(async () => {
    h = await startHarness();
    const res = await h.http().get('/openapi.json').expect(200).expect('content-type', /^application\/json/);
    doc = res.body as OpenApiDocument;
    ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats(ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      idOf.set(name, schema.$id as string);
      ajv.addSchema(schema);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it('is an OpenAPI 3.1 document describing every route', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/health/live', '/health/ready', '/metrics', '/openapi.json', '/v1/events', '/v1/events/{id}', '/v1/tenants/{tenant}/streams/{stream}/events'].sort(),
    );
    const operationIds = new Set<string>();
    for (const item of Object.values(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        expect(typeof op.operationId).toBe('string');
        operationIds.add(op.operationId as string);
        expect(Object.keys(op.responses as Json).length).toBeGreaterThan(0);
      }
    }
    expect(operationIds.size).toBe(7);
    const post = doc.paths['/v1/events']!.post as Json;
    expect(Object.keys(post.responses as Json)).toEqual(expect.arrayContaining(['200', '201', '400', '409', '413', '415']));
    expect(Object.keys((post.requestBody as Json).content as Json)).toEqual(['application/cloudevents-batch+json', 'application/json']);
  });

  it('embeds the event contract schemas unchanged and describes errors as problem+json', () => {
    for (const name of ['EventEnvelope', 'StoredEvent', 'InteractionRecorded', 'EventBatch', 'AppendResponse', 'StreamPage', 'ProblemDetails']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    expect(doc.components.schemas.EventEnvelope!.$id).toBe('urn:memfabric:schema:envelope:v1');
    for (const r of Object.values(doc.components.responses)) {
      expect(Object.keys((r as Json).content as Json)).toEqual(['application/problem+json']);
    }
  });

  it('has only references that resolve', () => {
    const refs: { ref: string; resource: unknown }[] = [];
    collectRefs(doc, doc, refs);
    expect(refs.length).toBeGreaterThan(10);
    const ids = new Set(idOf.values());
    for (const { ref, resource } of refs) {
      if (ref.startsWith('#')) expect(pointer(resource, ref), ref).toBeDefined();
      else expect(ids.has(ref), ref).toBe(true);
    }
  });

  it('has schemas that compile (JSON Schema 2020-12, ajv strict)', () => {
    for (const id of idOf.values()) expect(() => ajv.getSchema(id), id).not.toThrow();
    for (const item of Object.values(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        for (const p of (op.parameters as Json[] | undefined) ?? []) compile(p.schema);
        for (const media of Object.values(((op.requestBody as Json | undefined)?.content as Json | undefined) ?? {})) compile((media as Json).schema);
        for (const r of Object.values(op.responses as Json)) {
          const resolved = (typeof (r as Json).$ref === 'string' ? pointer(doc, (r as Json).$ref as string) : r) as Json;
          for (const media of Object.values((resolved.content as Json | undefined) ?? {})) compile((media as Json).schema);
        }
      }
    }
  });

  it('matches what the service actually sends', async () => {
    const tenant = uniqueTenant();
    const batch = [interaction(tenant, 's', 'one'), interaction(tenant, 's', 'two')];
    const valid = (name: string, value: unknown) => {
      const validate = compile({ $ref: `#/components/schemas/${name}` });
      expect(validate(value), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    };
    valid('EventBatch', batch);
    const appended = await h.http().post('/v1/events').send(batch).expect(201);
    valid('AppendResponse', appended.body);
    const id = (appended.body as AppendResponse).results[0]!.id;
    valid('StoredEvent', (await h.http().get(`/v1/events/${id}`).expect(200)).body as Json);
    const page = (await h.http().get(`/v1/tenants/${tenant}/streams/s/events?limit=1`).expect(200)).body as { events: Json[]; next: number };
    expect(page.next).toBe(2);
    valid('StreamPage', page);
    valid('ProblemDetails', (await h.http().post('/v1/events').send([{ type: 'nope' }]).expect(400)).body);
    valid('ProblemDetails', (await h.http().get('/v1/events/nope').expect(400)).body);
    valid('HealthStatus', (await h.http().get('/health/ready').expect(200)).body);
  });

  it('serves stored events that match the StoredEvent schema as is', async () => {
    const tenant = uniqueTenant();
    const appended = await h.http().post('/v1/events').send([interaction(tenant, 's', 'one')]).expect(201);
    const stored = (await h.http().get(`/v1/events/${(appended.body as AppendResponse).results[0]!.id}`).expect(200)).body as Json;
    const validate = compile({ $ref: '#/components/schemas/StoredEvent' });
    expect(validate(stored)).toBe(true);
  });
});
