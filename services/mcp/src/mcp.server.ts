import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CALLER_PATTERN, MemfabricClient } from '@memfabric/client';
import type { McpConfig } from './mcp.config.js';
import { registerForgetTool } from './tools/forget.tool.js';
import { registerMemoryHistoryTool } from './tools/memory-history.tool.js';
import { registerRecallTool } from './tools/recall.tool.js';
import { registerRememberTool } from './tools/remember.tool.js';

/** Name and version the server announces to MCP hosts. */
export const MCP_SERVER_INFO = { name: 'memfabric', version: '0.1.0' } as const;

/** Instructions the server gives the host's model at initialisation. */
export const MCP_INSTRUCTIONS =
  'memfabric is a long-term memory. Call recall before answering questions about earlier conversations, people, preferences or events; ' +
  'call remember to store what should outlive this conversation (an explicit memoryType for facts and preferences); ' +
  'memory_history shows how a memory changed; forget retracts a wrong memory.';

/**
 * The REST client an MCP server uses, configured from {@link McpConfig}; the actor is sent as
 * the caller (`X-Memfabric-Caller`, recorded in the read audit) when it is a valid header value.
 */
export function createMemfabricClient(config: McpConfig): MemfabricClient {
  return new MemfabricClient({
    baseUrl: config.memfabricUrl,
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    timeoutMs: config.timeoutMs,
    source: config.source,
    ...(CALLER_PATTERN.test(config.actor) ? { caller: config.actor } : {}),
  });
}

/**
 * An MCP server with memfabric's tools — `remember`, `recall`, `memory_history`, `forget` —
 * talking to the fabric through `client`. Not connected: call `connect(transport)`.
 * Every tool answers failures as tool errors (`isError`), never by throwing.
 */
export function createMemfabricMcpServer(config: McpConfig, client: MemfabricClient = createMemfabricClient(config)): McpServer {
  const server = new McpServer(MCP_SERVER_INFO, { instructions: MCP_INSTRUCTIONS });
  const context = { client, config };
  registerRememberTool(server, context);
  registerRecallTool(server, context);
  registerMemoryHistoryTool(server, context);
  registerForgetTool(server, context);
  return server;
}
