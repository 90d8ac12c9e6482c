import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMemfabric, type FakeMemfabric } from '@memfabric/client/testing';
import { loadMcpConfig } from './mcp.config.js';
import { createMemfabricMcpServer } from './mcp.server.js';
import { startMcpHttpServer, type RunningMcpHttpServer } from './mcp-http.server.js';

let fake: FakeMemfabric;
let http: RunningMcpHttpServer;

beforeAll(async () => {
  fake = await startFakeMemfabric();
  const config = loadMcpConfig({ MEMFABRIC_URL: fake.url, MEMFABRIC_TENANT: 'acme' }, ['--http', '--port', '0']);
  if ('help' in config) throw new Error('unexpected help');
  http = await startMcpHttpServer(() => createMemfabricMcpServer(config), config.http);
});
afterAll(async () => {
  await http?.close();
  await fake?.close();
});

async function connect(): Promise<Client> {
  const client = new Client({ name: 'http-host', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
  return client;
}

describe('memfabric MCP over streamable HTTP (stateless)', () => {
  it('serves the tools to several clients, each request on a fresh server', async () => {
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const [a, b] = await Promise.all([connect(), connect()]);
    try {
      const written = (await a.callTool({ name: 'remember', arguments: { content: 'The Lisbon flight leaves at 09:40.' } })) as CallToolResult;
      const token = (written.structuredContent as { consistencyToken: string }).consistencyToken;
      const recalled = (await b.callTool({ name: 'recall', arguments: { query: 'Lisbon flight', consistencyToken: token } })) as CallToolResult;
      expect((recalled.structuredContent as { hits: { text: string }[] }).hits[0]!.text).toBe('The Lisbon flight leaves at 09:40.');
      expect((await b.listTools()).tools).toHaveLength(4);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('answers GET with 405, other paths with 404, and refuses foreign Host headers', async () => {
    const get = await fetch(http.url, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const elsewhere = await fetch(http.url.replace(/\/mcp$/, '/other'), { method: 'POST' });
    expect(elsewhere.status).toBe(404);

    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '0' } } });
    const { port } = new URL(http.url);
    // fetch forbids setting Host: send what a DNS-rebinding attacker's page would, with node:http.
    const rebinding = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { host: `evil.example:${port}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(rebinding).toBe(403);
  });
});
