import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMemfabric, type FakeMemfabric } from '@memfabric/client/testing';
import { loadMcpConfig } from './mcp.config.js';
import { createMemfabricClient, createMemfabricMcpServer } from './mcp.server.js';
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

describe('memfabric MCP over streamable HTTP with caller credentials', () => {
  it('answers 401 without a bearer credential when authorization is required, and forwards each caller\'s credential to memfabric', async () => {
    const config = loadMcpConfig({ MEMFABRIC_URL: fake.url, MEMFABRIC_TENANT: 'acme' }, ['--http', '--port', '0']);
    if ('help' in config) throw new Error('unexpected help');
    const secured = await startMcpHttpServer((credential) => createMemfabricMcpServer(config, createMemfabricClient({ ...config, apiKey: credential })), { ...config.http, requireAuthorization: true });
    try {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const anonymous = await fetch(secured.url, { method: 'POST', headers, body });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await anonymous.json()) as { error: { code: number } }).error.code).toBe(-32001);
      const malformed = await fetch(secured.url, { method: 'POST', headers: { ...headers, authorization: 'Basic abc' }, body });
      expect(malformed.status).toBe(401);

      const client = new Client({ name: 'http-host', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(secured.url), { requestInit: { headers: { authorization: 'Bearer mfk_caller_key' } } }));
      try {
        const before = fake.requests.length;
        await client.callTool({ name: 'recall', arguments: { query: 'Lisbon flight' } });
        const sent = fake.requests.slice(before).find((r) => r.url === '/v1/recall')!;
        expect(sent.headers.authorization).toBe('Bearer mfk_caller_key');
      } finally {
        await client.close();
      }
    } finally {
      await secured.close();
    }
  });
});
