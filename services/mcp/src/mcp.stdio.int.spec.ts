import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedLoopbackPort, startFakeMemfabric, type FakeMemfabric } from '@memfabric/client/testing';
import { resultText, startStdioMcp, type StdioMcp } from '../test/mcp-process.js';

let fake: FakeMemfabric;
let mcp: StdioMcp;

beforeAll(async () => {
  fake = await startFakeMemfabric();
  mcp = await startStdioMcp({ MEMFABRIC_URL: fake.url, MEMFABRIC_TENANT: 'acme', MEMFABRIC_API_KEY: 'sk-mcp' });
}, 60_000);
afterAll(async () => {
  await mcp?.close();
  await fake?.close();
});

describe('memfabric-mcp over stdio (child process, fake fabric)', () => {
  it('lists its tools and answers a recall with hits and explanations', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['forget', 'memory_history', 'recall', 'remember']);

    const remembered = (await mcp.client.callTool({ name: 'remember', arguments: { content: 'Caroline went to the LGBTQ support group on 7 May 2023.', speaker: 'Caroline', stream: 'conv-26' } })) as CallToolResult;
    expect(remembered.isError).toBeFalsy();
    const { id, consistencyToken } = remembered.structuredContent as { id: string; consistencyToken: string };

    const recalled = (await mcp.client.callTool({ name: 'recall', arguments: { query: 'When did Caroline go to the LGBTQ support group?', k: 10, consistencyToken } })) as CallToolResult;
    expect(recalled.isError).toBeFalsy();
    const hits = (recalled.structuredContent as { hits: { unitId: string; text: string; explain: { events: string[] } }[] }).hits;
    expect(hits[0]).toMatchObject({ unitId: id, text: 'Caroline went to the LGBTQ support group on 7 May 2023.' });
    expect(hits[0]!.explain.events).toContain(id);
    expect(resultText(recalled)).toContain('Caroline went to the LGBTQ support group');

    const sent = fake.requests.find((r) => r.url === '/v1/recall')!;
    expect(sent.headers.authorization).toBe('Bearer sk-mcp');
    expect(sent.headers['x-memfabric-caller']).toBe('agent:mcp');
    expect(mcp.stderr()).toMatch(/serving MCP over stdio; memfabric at http:\/\/127\.0\.0\.1:\d+; tenant acme/);
  });

  it('reports an unreachable fabric as a tool error and keeps running', async () => {
    const down = await startStdioMcp({ MEMFABRIC_URL: `http://127.0.0.1:${await refusedLoopbackPort()}`, MEMFABRIC_TENANT: 'acme' });
    try {
      const result = (await down.client.callTool({ name: 'recall', arguments: { query: 'anything' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(resultText(result)).toMatch(/could not be sent \(ECONNREFUSED\).*code unavailable.*Retrying later may succeed/);
      const { tools } = await down.client.listTools();
      expect(tools).toHaveLength(4);
    } finally {
      await down.close();
    }
  }, 60_000);
});
