import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { MemoryHistory, MemoryVersion } from '@memfabric/client';
import { resolveTenant, safely, toolResult } from '../tool-result.js';
import type { ToolContext } from './tool-context.js';
import { withTenant } from './tool-schemas.js';

/** Name of the history tool. */
export const MEMORY_HISTORY_TOOL = 'memory_history';

function versionLine(v: MemoryVersion, index: number): string {
  const number = v.version ?? index + 1;
  const what = v.change ?? v.type ?? 'changed';
  const when = v.recordedAt ?? v.time ?? '';
  const by = v.actor === undefined ? '' : ` by ${v.actor}`;
  const status = v.status === undefined ? '' : ` → ${v.status}`;
  const text = typeof v.text === 'string' ? `: ${v.text}` : v.text === null ? ': (content erased)' : '';
  const event = v.eventId === undefined ? '' : ` [event ${v.eventId}${v.type === undefined ? '' : `, ${v.type}`}]`;
  return `v${number} ${when} ${what}${by}${status}${text}${event}`;
}

/** A history as text: one line per version, oldest first. */
export function historyText(history: MemoryHistory): string {
  const count = history.versions.length;
  return [`History of memory ${history.unitId}: ${count} version${count === 1 ? '' : 's'}, oldest first.`, ...history.versions.map(versionLine)].join('\n');
}

/**
 * Registers `memory_history`: every event that touched a memory unit (creation, corrections,
 * retraction, rollbacks, erasure) as versions (`GET /v1/tenants/{t}/memories/{id}/history`).
 * The structured content is the audit service's answer as is.
 */
export function registerMemoryHistoryTool(server: McpServer, { client, config }: ToolContext): void {
  const input = withTenant(
    { unitId: z.string().min(1).max(256).describe('Memory unit id, as recall or remember returned it.') },
    config.tenant,
  );
  server.registerTool(
    MEMORY_HISTORY_TOOL,
    {
      title: 'Memory history',
      description: 'Show how a memory changed over time: when it was created, corrected, retracted or rolled back, by whom, and its text after each change.',
      inputSchema: input,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      safely(async () => {
        const history = await client.history(resolveTenant(config.tenant, args.tenant), args.unitId);
        return toolResult(historyText(history), { ...history });
      }),
  );
}
