import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { bearerToken } from '@memfabric/auth';

/** A running streamable HTTP endpoint. */
export interface RunningMcpHttpServer {
  /** URL of the MCP endpoint, e.g. `http://127.0.0.1:8090/mcp`. */
  readonly url: string;
  readonly server: Server;
  /** Stops accepting requests and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startMcpHttpServer}. */
export interface McpHttpOptions {
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Endpoint path, e.g. `/mcp`. */
  readonly path: string;
  /** Called with errors of single requests (they are answered 500 and the server goes on). */
  readonly onError?: (error: unknown) => void;
  /**
   * Whether every request must carry `Authorization: Bearer <memfabric credential>`; default:
   * true unless bound to a loopback address. The credential is handed to `createServer`, which
   * forwards it to memfabric, so the fabric authorizes each MCP caller for its own tenants.
   */
  readonly requireAuthorization?: boolean;
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves MCP over streamable HTTP (MCP specification 2025-11-25, "Streamable HTTP" transport)
 * in stateless mode: every `POST {path}` gets a fresh server from `createServer` and a fresh
 * transport answering with JSON, so no session state lives in the process and any instance can
 * answer any request. `GET` and `DELETE` (server-initiated streams, session end) answer 405;
 * other paths 404. Bound to a loopback address, Host headers other than the loopback names are
 * refused (DNS-rebinding protection). A request's `Authorization: Bearer` credential is passed to
 * `createMcpServer` (the tools call memfabric with it); without one, a server that requires it
 * (any non-loopback bind, by default) answers 401 with `WWW-Authenticate: Bearer`.
 *
 * @throws Error when the port cannot be bound (e.g. EADDRINUSE).
 */
export async function startMcpHttpServer(createMcpServer: (credential: string | undefined) => McpServer, options: McpHttpOptions): Promise<RunningMcpHttpServer> {
  let allowedHosts: string[] | undefined;
  const requireAuthorization = options.requireAuthorization ?? !LOOPBACK.has(options.host);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://mcp').pathname;
    if (path !== options.path) return jsonRpcError(res, 404, -32601, `no MCP endpoint at ${path}; use ${options.path}`);
    if (req.method !== 'POST') return jsonRpcError(res, 405, -32000, 'Method not allowed: this endpoint is stateless, use POST', { allow: 'POST' });
    let bearer: string | undefined;
    try {
      bearer = bearerToken(req.headers.authorization);
    } catch (error) {
      return jsonRpcError(res, 401, -32001, error instanceof Error ? error.message : 'malformed Authorization header', { 'www-authenticate': 'Bearer realm="memfabric-mcp"' });
    }
    if (bearer === undefined && requireAuthorization) {
      return jsonRpcError(res, 401, -32001, 'authentication required: send Authorization: Bearer <memfabric API key or token>', { 'www-authenticate': 'Bearer realm="memfabric-mcp"' });
    }
    const mcp = createMcpServer(bearer);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      ...(allowedHosts === undefined ? {} : { enableDnsRebindingProtection: true, allowedHosts }),
    });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      jsonRpcError(res, 500, -32603, 'Internal server error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  if (LOOPBACK.has(options.host)) {
    allowedHosts = [`127.0.0.1:${address.port}`, `localhost:${address.port}`, `[::1]:${address.port}`];
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${options.path}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
