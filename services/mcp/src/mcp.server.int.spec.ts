import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMemfabric, type FakeMemfabric } from '@memfabric/client/testing';
import { apiSchemas } from '@memfabric/events';
import { loadMcpConfig, type McpConfig, type McpEnv } from './mcp.config.js';
import { createMemfabricMcpServer } from './mcp.server.js';
import { recallArgumentSchema, RECALL_TOOL_CONTRACT } from './tools/recall.tool.js';

let fake: FakeMemfabric;
const open: Client[] = [];

beforeAll(async () => {
  fake = await startFakeMemfabric();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await fake.close();
});

function configFor(env: McpEnv): McpConfig {
  const loaded = loadMcpConfig({ MEMFABRIC_URL: fake.url, ...env });
  if ('help' in loaded) throw new Error('unexpected help');
  return loaded;
}

/** An MCP client connected in memory to a fresh server configured by `env`. */
async function connect(env: McpEnv = {}): Promise<Client> {
  const server = createMemfabricMcpServer(configFor(env));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test-host', version: '0' });
  await client.connect(clientSide);
  open.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

let n = 0;
function tenant(): string {
  n += 1;
  return `mcp${n}-${Date.now().toString(36)}`;
}

describe('memfabric MCP server (in memory, against a fake fabric)', () => {
  it('lists remember, recall, memory_history and forget with their schemas and hints', async () => {
    const client = await connect({ MEMFABRIC_TENANT: 'acme' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['forget', 'memory_history', 'recall', 'remember']);
    const recall = tools.find((t) => t.name === 'recall')!;
    expect(recall.inputSchema.required).toEqual(['query']);
    expect(Object.keys(recall.inputSchema.properties ?? {})).not.toContain('tenant');
    expect(recall.outputSchema?.properties).toHaveProperty('hits');
    expect(recall.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === 'forget')!.annotations).toMatchObject({ destructiveHint: true });
    expect(client.getInstructions()).toMatch(/long-term memory/);
  });

  it("takes recall's arguments from the RecallRequest schema: the listed input schema states the contract's rules", async () => {
    const recall = (await (await connect({ MEMFABRIC_TENANT: 'acme' })).listTools()).tools.find((t) => t.name === 'recall')!;
    const properties = recall.inputSchema.properties as Record<string, Record<string, unknown>>;
    const KEYWORDS = ['type', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'items', 'format', 'enum', 'const'];
    // zod states the safe-integer range of every integer; JSON numbers beyond it are not integers to JavaScript anyway
    const implicit = (k: string, v: unknown) => (k === 'maximum' && v === Number.MAX_SAFE_INTEGER) || (k === 'minimum' && v === Number.MIN_SAFE_INTEGER);
    const rule = (schema: Record<string, unknown>) => Object.fromEntries(KEYWORDS.filter((k) => k in schema && !implicit(k, schema[k])).map((k) => [k, schema[k]]));
    for (const name of ['query', 'k', 'validAt', 'referenceTime', 'preset', 'streams', 'actors', 'agents', 'consistencyToken'] as const) {
      expect(rule(properties[name]!), name).toEqual(rule(recallArgumentSchema(name)));
    }
    expect((properties.asOf!.anyOf as Record<string, unknown>[]).map(rule)).toEqual([rule(recallArgumentSchema('asOfPosition')), rule(recallArgumentSchema('asOfTime'))]);
    // each argument is the contract's field without its annotations; the one restriction the tool adds is explicit
    const { description: _d, default: _k, ...k } = apiSchemas.RecallRequest.properties.k;
    expect(recallArgumentSchema('k')).toEqual(k);
    expect(recallArgumentSchema('streams')).toEqual(apiSchemas.RecallRequest.$defs.scopeValues);
    expect(RECALL_TOOL_CONTRACT.consistencyToken.mcp).toEqual({ minLength: 1 });
    expect(recallArgumentSchema('consistencyToken')).toEqual({ type: 'string', maxLength: apiSchemas.RecallRequest.properties.consistencyToken.maxLength, minLength: 1 });
  });

  it('offers tenant as required without a default tenant, optional when overrides are allowed', async () => {
    const perCall = (await (await connect()).listTools()).tools.find((t) => t.name === 'recall')!;
    expect(perCall.inputSchema.required).toEqual(expect.arrayContaining(['query', 'tenant']));
    const overridable = (await (await connect({ MEMFABRIC_TENANT: 'acme', MEMFABRIC_MCP_TENANT_OVERRIDE: 'true' })).listTools()).tools.find((t) => t.name === 'recall')!;
    expect(overridable.inputSchema.required).toEqual(['query']);
    expect(Object.keys(overridable.inputSchema.properties ?? {})).toContain('tenant');
  });

  it('remembers an interaction and a memory, recalls them with explanations, shows history, forgets', async () => {
    const t = tenant();
    const client = await connect({ MEMFABRIC_TENANT: t, MEMFABRIC_MCP_ACTOR: 'agent:planner' });
    const turn = await call(client, 'remember', { content: 'Maya flies to Lisbon on 12 May.', speaker: 'Maya', stream: 'trip-1' });
    expect(turn.isError).toBeFalsy();
    const written = turn.structuredContent as { id: string; consistencyToken: string; stream: string; type: string };
    expect(written).toMatchObject({ type: 'interaction.recorded', stream: 'trip-1', tenant: t, duplicate: false });
    expect(text(turn)).toMatch(/^Remembered interaction .* consistencyToken mf1\./);

    const fact = await call(client, 'remember', { content: 'Maya is vegetarian.', memoryType: 'preference', validFrom: '2024-03-05T09:00:00Z', confidence: 0.9 });
    expect(fact.structuredContent).toMatchObject({ type: 'memory.asserted', stream: 'mcp' });
    const stored = fake.events.find((e) => e.id === (fact.structuredContent as { id: string }).id)!;
    expect(stored).toMatchObject({ actor: 'agent:planner', source: 'urn:memfabric:mcp', data: { memorytype: 'preference', validfrom: '2024-03-05T09:00:00Z' } });

    const recalled = await call(client, 'recall', { query: 'When does Maya fly to Lisbon?', k: 3, consistencyToken: written.consistencyToken });
    expect(recalled.isError).toBeFalsy();
    const structured = recalled.structuredContent as { hits: { unitId: string; explain: { channels: Record<string, unknown>; events: string[] } }[]; consistency: { reached: boolean } };
    expect(structured.hits[0]!.unitId).toBe(written.id);
    expect(structured.hits[0]!.explain.channels).toHaveProperty('lexical');
    expect(structured.consistency.reached).toBe(true);
    expect(text(recalled)).toMatch(/^\d memor(y|ies) for "When does Maya fly to Lisbon\?"/);
    expect(text(recalled)).toMatch(/1\. \[.* · trip-1 · Maya\] Maya flies to Lisbon on 12 May\.\n {3}unit .*found by lexical #1/);
    const sent = fake.requests.filter((r) => r.url === '/v1/recall').at(-1)!;
    expect(sent.body).toMatchObject({ scope: { tenant: t }, k: 3, caller: 'agent:planner', consistencyToken: written.consistencyToken });

    const forgotten = await call(client, 'forget', { unitId: written.id, reason: 'trip cancelled' });
    expect(forgotten.structuredContent).toMatchObject({ retracted: written.id, stream: 'trip-1' });
    const after = await call(client, 'recall', { query: 'Maya Lisbon' });
    expect((after.structuredContent as { hits: { unitId: string }[] }).hits.map((h) => h.unitId)).not.toContain(written.id);

    const history = await call(client, 'memory_history', { unitId: written.id });
    expect(history.isError).toBeFalsy();
    expect(history.structuredContent).toMatchObject({ unitId: written.id });
    expect(text(history)).toMatch(/^History of memory .*: 2 versions, oldest first\.\nv1 .* created by agent:planner → active: Maya flies to Lisbon on 12 May\./);
    expect(text(history)).toMatch(/v2 .* retracted by agent:planner → retracted/);
  });

  it('passes asOf as a log position or a time, and validAt, to the recall API', async () => {
    const client = await connect({ MEMFABRIC_TENANT: 'acme' });
    await call(client, 'recall', { query: 'x', asOf: 12, validAt: '2024-05-01T00:00:00Z', preset: 'lexical-only', streams: ['s1'] });
    expect(fake.requests.at(-1)!.body).toMatchObject({ asOf: { position: 12 }, validAt: '2024-05-01T00:00:00Z', preset: 'lexical-only', scope: { tenant: 'acme', streams: ['s1'] } });
    await call(client, 'recall', { query: 'x', asOf: '2024-05-01T00:00:00Z' });
    expect(fake.requests.at(-1)!.body).toMatchObject({ asOf: { time: '2024-05-01T00:00:00Z' } });
  });

  it('answers bad input, API problems and an unavailable fabric as tool errors and keeps serving', async () => {
    const client = await connect({ MEMFABRIC_TENANT: 'acme' });
    const invalid = await call(client, 'recall', { query: '', k: 1000 });
    expect(invalid.isError).toBe(true);
    expect(text(invalid)).toMatch(/Input validation error/);

    const misplaced = await call(client, 'remember', { content: 'x', validFrom: '2024-01-01T00:00:00Z' });
    expect(misplaced.isError).toBe(true);
    expect(text(misplaced)).toMatch(/need a memoryType.*\n- \/validFrom: applies to memories only/);

    const unknownPreset = await call(client, 'recall', { query: 'x', preset: 'nope' });
    expect(unknownPreset.isError).toBe(true);
    expect(text(unknownPreset)).toMatch(/^memfabric answered 404 Not found: unknown preset nope \(code not_found\)\./);
    expect(JSON.parse(unknownPreset.content[1]!.type === 'text' ? unknownPreset.content[1]!.text : '{}')).toMatchObject({ problem: { status: 404, code: 'not_found' } });

    fake.script({ method: 'POST', path: '/v1/recall', status: 503, times: 4 });
    const unavailable = await call(client, 'recall', { query: 'x' });
    expect(unavailable.isError).toBe(true);
    expect(text(unavailable)).toMatch(/memfabric answered 503 .*Retrying later may succeed/);

    const missing = await call(client, 'forget', { unitId: '018e3a10-0000-7000-8000-00000000abcd' });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/404/);

    const ok = await call(client, 'recall', { query: 'still serving' });
    expect(ok.isError).toBeFalsy();
  });

  it('never lets a call act on another tenant when the server is bound to one', async () => {
    const bound = tenant();
    const client = await connect({ MEMFABRIC_TENANT: bound });
    const result = await call(client, 'remember', { content: 'sneaky', tenant: 'someone-else' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ tenant: bound });
    const other = await connect();
    const refused = await call(other, 'recall', { query: 'x' });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/tenant/);
  });
});
