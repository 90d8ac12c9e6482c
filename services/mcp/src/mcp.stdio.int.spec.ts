import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedLoopbackPort, startFakeMemfabric, type FakeMemfabric } from '@memfabric/client/testing';
import { MCP_BIN, resultText, startStdioMcp, type StdioMcp } from '../test/mcp-process.js';

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

  it('answers a line that is not JSON with a JSON-RPC parse error (-32700), JSON that is not JSON-RPC with -32600, and keeps serving', async () => {
    const child = spawn(process.execPath, [MCP_BIN], { env: { ...process.env, MEMFABRIC_URL: fake.url, MEMFABRIC_TENANT: 'acme' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const replies: { id: unknown; error?: { code: number; message: string }; result?: unknown }[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      replies.push(JSON.parse(line) as (typeof replies)[number]);
      waiters.splice(0).forEach((w) => w());
    });
    const nextReply = async (count: number) => {
      while (replies.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return replies[count - 1]!;
    };
    try {
      child.stdin.write('this is not json\n');
      expect(await nextReply(1)).toMatchObject({ id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error/) as string } });
      child.stdin.write('{"hello":"world"}\n');
      expect(await nextReply(2)).toMatchObject({ id: null, error: { code: -32600 } });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`);
      expect(await nextReply(3)).toMatchObject({ id: 1, result: { serverInfo: expect.anything() as unknown } });
    } finally {
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.stdin.end();
      await exited;
    }
  });
});
