import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The `memfabric-mcp` command of this checkout. */
export const MCP_BIN = fileURLToPath(new URL('../bin/memfabric-mcp.js', import.meta.url));

/** An MCP host's view of a `memfabric-mcp` child process over stdio. */
export interface StdioMcp {
  readonly client: Client;
  /** What the server wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/**
 * Starts `memfabric-mcp` as a child process the way an MCP host does (the SDK's
 * `StdioClientTransport`: the command, its environment, JSON-RPC over stdin/stdout) and
 * completes the MCP initialisation.
 */
export async function startStdioMcp(env: Record<string, string>, args: string[] = []): Promise<StdioMcp> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [MCP_BIN, ...args], env: { ...getDefaultEnvironment(), ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'memfabric-test-host', version: '0' });
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`memfabric-mcp did not start: ${(error as Error).message}\nstderr:\n${stderr}`, { cause: error });
  }
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** The text blocks of a tool result, joined. */
export function resultText(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
