import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { resolveTenant, safely, toolResult } from '../tool-result.js';
import type { ToolContext } from './tool-context.js';
import { withTenant } from './tool-schemas.js';

/** Name of the forget tool. */
export const FORGET_TOOL = 'forget';

/** Structured content of a forget call. */
export const forgetOutputShape = {
  id: z.string().describe('Id of the memory.retracted event'),
  retracted: z.string().describe('The memory unit id that no longer counts'),
  tenant: z.string(),
  stream: z.string(),
  offset: z.number().int(),
  duplicate: z.boolean(),
  consistencyToken: z.string(),
};

/**
 * Registers `forget`: retracts a memory (`memory.retracted`). Recall stops returning it; the
 * event log and the memory's history keep it (append-only; erasure of personal data is a
 * separate, operator-level action).
 */
export function registerForgetTool(server: McpServer, { client, config }: ToolContext): void {
  const input = withTenant(
    {
      unitId: z.string().uuid().describe('Memory unit id to retract, as recall or remember returned it.'),
      reason: z.string().max(2048).optional().describe('Why it no longer holds.'),
      idempotencyKey: z.string().min(1).max(256).optional().describe('Client key: forgetting with the same key twice retracts once.'),
    },
    config.tenant,
  );
  server.registerTool(
    FORGET_TOOL,
    {
      title: 'Forget',
      description: 'Retract a memory so recall no longer returns it (it stays in the audit history). Use when a memory is wrong or the user asks to forget it.',
      inputSchema: input,
      outputSchema: forgetOutputShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    (args) =>
      safely(async () => {
        const tenant = resolveTenant(config.tenant, args.tenant);
        const written = await client.retractMemory({
          tenant,
          actor: config.actor,
          source: config.source,
          target: args.unitId,
          ...(args.reason === undefined ? {} : { reason: args.reason }),
          ...(args.idempotencyKey === undefined ? {} : { idempotencyKey: args.idempotencyKey }),
        });
        return toolResult(`Retracted memory ${args.unitId} (event ${written.id}); recall no longer returns it. Its history keeps it.`, {
          id: written.id,
          retracted: args.unitId,
          tenant,
          stream: written.streamid,
          offset: written.offset,
          duplicate: written.duplicate,
          consistencyToken: written.consistencyToken,
        });
      }),
  );
}
