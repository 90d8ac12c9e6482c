import type { MemfabricClient } from '@memfabric/client';
import type { McpConfig } from '../mcp.config.js';

/** What every tool needs: the REST client and the server configuration. */
export interface ToolContext {
  readonly client: MemfabricClient;
  readonly config: McpConfig;
}
