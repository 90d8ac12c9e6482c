import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { MemfabricError } from '@memfabric/errors';
import { loadMcpConfig, MCP_USAGE } from './mcp.config.js';
import { createMemfabricClient, createMemfabricMcpServer } from './mcp.server.js';
import { startMcpHttpServer } from './mcp-http.server.js';
import { answerMalformedLines } from './stdio-parse-errors.js';

/** Writes one line to stderr: stdout belongs to the MCP protocol in stdio mode. */
function log(message: string): void {
  process.stderr.write(`memfabric-mcp: ${message}\n`);
}

/**
 * `memfabric-mcp [--http [--host H] [--port P] [--path /mcp]]`: the MCP server over stdio
 * (default) or streamable HTTP. Exit codes: 0 on a clean stop, 1 on an invalid configuration
 * or a failed start, 2 on a usage error.
 */
async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadMcpConfig(process.env, process.argv.slice(2));
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = MemfabricError.is(error) && /--help|apply to --http/.test(error.message) ? 2 : 1;
    return;
  }
  if ('help' in loaded) {
    process.stdout.write(MCP_USAGE);
    return;
  }
  const config = loaded;
  const client = createMemfabricClient(config);
  const tenant = config.tenant.mode === 'per-call' ? 'named by each call' : `${config.tenant.tenant}${config.tenant.mode === 'default' ? ' (calls may override)' : ''}`;

  if (config.transport === 'stdio') {
    const server = createMemfabricMcpServer(config, client);
    const transport = new StdioServerTransport();
    const stop = () => {
      void server.close().finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdin.once('end', stop);
    await server.connect(transport);
    answerMalformedLines(transport);
    log(`serving MCP over stdio; memfabric at ${config.memfabricUrl}; tenant ${tenant}`);
    return;
  }

  // A caller's own credential is forwarded to memfabric; without one, the configured key (if any).
  const running = await startMcpHttpServer((credential) => createMemfabricMcpServer(config, credential === undefined ? client : createMemfabricClient({ ...config, apiKey: credential })), {
    ...config.http,
    onError: (error) => log(`request failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  log(`serving MCP over streamable HTTP at ${running.url}; memfabric at ${config.memfabricUrl}; tenant ${tenant}`);
  const stop = () => {
    void running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  log(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
