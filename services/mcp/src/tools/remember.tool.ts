import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { MEMORY_TYPES, type RememberResult } from '@memfabric/client';
import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { STREAM_PATTERN } from '../mcp.config.js';
import { resolveTenant, safely, toolResult } from '../tool-result.js';
import type { ToolContext } from './tool-context.js';
import { dateTime, withTenant } from './tool-schemas.js';

/** Name of the remember tool. */
export const REMEMBER_TOOL = 'remember';

/** Structured content of a remember call: where the event is stored and its consistency token. */
export const rememberOutputShape = {
  id: z.string().describe('Event id = memory unit id'),
  type: z.enum(['interaction.recorded', 'memory.asserted']),
  tenant: z.string(),
  stream: z.string(),
  partition: z.number().int(),
  offset: z.number().int().describe('Log position (transaction-time order)'),
  streamPosition: z.number().int(),
  duplicate: z.boolean().describe('True when the same event (id or idempotency key) was already stored: nothing new was written'),
  consistencyToken: z.string().describe('Pass to recall to wait until this memory is searchable'),
};

const [firstType, ...otherTypes] = MEMORY_TYPES;

/**
 * Registers `remember`: appends one interaction (`interaction.recorded`) or, when `memoryType`
 * is given, one explicit memory (`memory.asserted`, optionally valid in [validFrom, validTo)).
 * Answers where it was stored and a consistency token for read-your-writes recall.
 */
export function registerRememberTool(server: McpServer, { client, config }: ToolContext): void {
  const input = withTenant(
    {
      content: z.string().min(1).max(32_768).describe('What to remember: the message, observation or fact, in words.'),
      memoryType: z
        .enum([firstType!, ...otherTypes])
        .optional()
        .describe('Set to store an explicit memory (fact, preference, profile, event, instruction, summary) instead of an interaction.'),
      role: z.enum(['user', 'assistant', 'system', 'tool']).optional().describe('Interactions: who spoke (default user).'),
      kind: z.enum(['message', 'tool_call', 'tool_result', 'observation']).optional().describe('Interactions: what it was (default message).'),
      speaker: z.string().min(1).max(256).optional().describe('Interactions: display name of the speaker.'),
      stream: z.string().regex(STREAM_PATTERN).optional().describe(`Session or conversation id (default ${config.stream}).`),
      actor: z.string().min(1).max(256).optional().describe(`Who writes it (default ${config.actor}).`),
      time: dateTime().optional().describe('World time it happened (RFC 3339; default now).'),
      validFrom: dateTime().optional().describe('Memories: start of the world-time interval in which it holds.'),
      validTo: dateTime().optional().describe('Memories: end (exclusive) of that interval.'),
      attributes: z.record(z.string(), z.unknown()).optional().describe('Memories: structured fields (subject, predicate, object, ...).'),
      confidence: z.number().min(0).max(1).optional().describe('Memories: confidence in [0, 1].'),
      idempotencyKey: z.string().min(1).max(256).optional().describe('Client key: remembering the same key (with the same content and time) twice stores it once; pass time too when you repeat a call.'),
    },
    config.tenant,
  );
  server.registerTool(
    REMEMBER_TOOL,
    {
      title: 'Remember',
      description:
        'Store something in memfabric: an interaction (a message, tool call or observation) or, with memoryType, an explicit memory such as a fact or preference, ' +
        'optionally valid only from validFrom to validTo. Returns the memory id and a consistency token for an immediate recall.',
      inputSchema: input,
      outputSchema: rememberOutputShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) =>
      safely(async () => {
        const tenant = resolveTenant(config.tenant, args.tenant);
        const base = {
          tenant,
          stream: args.stream ?? config.stream,
          actor: args.actor ?? config.actor,
          source: config.source,
          ...(args.time === undefined ? {} : { time: args.time }),
          ...(args.idempotencyKey === undefined ? {} : { idempotencyKey: args.idempotencyKey }),
        };
        let written: RememberResult;
        let type: 'interaction.recorded' | 'memory.asserted';
        if (args.memoryType === undefined) {
          const misplaced: FieldProblem[] = (['validFrom', 'validTo', 'attributes', 'confidence'] as const)
            .filter((name) => args[name] !== undefined)
            .map((name) => ({ pointer: `/${name}`, detail: 'applies to memories only: set memoryType' }));
          if (misplaced.length > 0) throw new ValidationError('validity, attributes and confidence need a memoryType', misplaced);
          type = 'interaction.recorded';
          written = await client.recordInteraction({
            ...base,
            content: args.content,
            ...(args.role === undefined ? {} : { role: args.role }),
            ...(args.kind === undefined ? {} : { kind: args.kind }),
            ...(args.speaker === undefined ? {} : { speaker: args.speaker }),
          });
        } else {
          const misplaced: FieldProblem[] = (['role', 'kind', 'speaker'] as const)
            .filter((name) => args[name] !== undefined)
            .map((name) => ({ pointer: `/${name}`, detail: 'applies to interactions only: leave memoryType out' }));
          if (misplaced.length > 0) throw new ValidationError('role, kind and speaker describe interactions, not memories', misplaced);
          type = 'memory.asserted';
          written = await client.assertMemory({
            ...base,
            content: args.content,
            memoryType: args.memoryType,
            ...(args.validFrom === undefined ? {} : { validFrom: args.validFrom }),
            ...(args.validTo === undefined ? {} : { validTo: args.validTo }),
            ...(args.attributes === undefined ? {} : { attributes: args.attributes }),
            ...(args.confidence === undefined ? {} : { confidence: args.confidence }),
          });
        }
        const what = type === 'memory.asserted' ? `${args.memoryType} memory` : 'interaction';
        const text = written.duplicate
          ? `Already remembered: ${what} ${written.id} in ${tenant}/${written.streamid} (offset ${written.offset}); nothing new was stored.`
          : `Remembered ${what} ${written.id} in ${tenant}/${written.streamid} at offset ${written.offset}. To recall it at once, pass consistencyToken ${written.consistencyToken}.`;
        return toolResult(text, {
          id: written.id,
          type,
          tenant,
          stream: written.streamid,
          partition: written.partition,
          offset: written.offset,
          streamPosition: written.streamposition,
          duplicate: written.duplicate,
          consistencyToken: written.consistencyToken,
        });
      }),
  );
}
