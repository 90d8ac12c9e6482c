import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { RecallHit, RecallRequest, RecallResponse } from '@memfabric/client';
import { apiSchemas } from '@memfabric/events';
import { resolveTenant, safely, toolResult } from '../tool-result.js';
import type { ToolContext } from './tool-context.js';
import { withTenant } from './tool-schemas.js';

/** Name of the recall tool. */
export const RECALL_TOOL = 'recall';

const contract = apiSchemas.RecallRequest;

/**
 * Where each argument of the tool comes from in the `RecallRequest` schema of `schemas/api`,
 * with the restrictions the tool adds kept apart (`mcp`). The tool flattens the request for a
 * model: the scope lists are arguments of their own, `asOf` is a log position (integer) or a
 * time, and the tenant follows the server's tenant policy (`withTenant`). It does not offer
 * `weights`, `mmrLambda` or `consistencyTimeoutMs`, and `caller` is the server's actor.
 */
export const RECALL_TOOL_CONTRACT = {
  query: { schema: contract.properties.query },
  k: { schema: contract.properties.k },
  asOfPosition: { schema: contract.$defs.asOf.properties.position },
  asOfTime: { schema: contract.$defs.asOf.properties.time },
  validAt: { schema: contract.properties.validAt },
  referenceTime: { schema: contract.properties.referenceTime },
  preset: { schema: contract.properties.preset },
  streams: { schema: contract.$defs.scopeValues },
  actors: { schema: contract.$defs.scopeValues },
  agents: { schema: contract.$defs.scopeValues },
  // a token is what a remember call returned: never empty
  consistencyToken: { schema: contract.properties.consistencyToken, mcp: { minLength: 1 } },
} as const satisfies Record<string, { readonly schema: object; readonly mcp?: object }>;

/**
 * The JSON Schema of one argument: the contract's field with the tool's restrictions, without
 * the contract's annotations (`description`, `default`): the tool describes its arguments to a
 * model in its own words, and the server applies the defaults.
 */
export function recallArgumentSchema(name: keyof typeof RECALL_TOOL_CONTRACT): Record<string, unknown> {
  const { schema, ...rest } = RECALL_TOOL_CONTRACT[name];
  const { description: _description, default: _default, ...rule } = schema as Record<string, unknown>;
  return { ...rule, ...('mcp' in rest ? rest.mcp : {}) };
}

/** An argument as the zod schema the MCP SDK takes, typed as the generated request type says. */
function argument<T>(name: keyof typeof RECALL_TOOL_CONTRACT): z.ZodType<T> {
  return z.fromJSONSchema(recallArgumentSchema(name)) as z.ZodType<T>;
}

const evidence = z.object({ rank: z.number(), score: z.number(), weight: z.number(), contribution: z.number() });

/** Structured content of a recall: the hits with their explanations, and how the recall ran. */
export const recallOutputShape = {
  hits: z.array(
    z.object({
      rank: z.number().int().describe('1-based rank in the answer'),
      unitId: z.string().describe('Memory unit id (the id of the event that created it); pass it to memory_history or forget'),
      text: z.string(),
      stream: z.string(),
      actor: z.string(),
      speaker: z.string().nullable(),
      memoryType: z.string().nullable().describe('`interaction` or the asserted memory type'),
      time: z.string().describe('World time of the memory (RFC 3339)'),
      validFrom: z.string().nullable(),
      validTo: z.string().nullable(),
      recordedAt: z.string().describe('Transaction time (RFC 3339)'),
      position: z.object({ partition: z.number().int(), offset: z.number().int() }),
      sourceRef: z.string().nullable(),
      score: z.number().describe('Fused score (weighted reciprocal rank fusion; larger is better)'),
      explain: z.object({
        channels: z.record(z.string(), evidence).describe('Rank, score, weight and RRF contribution of every channel that found the hit'),
        events: z.array(z.string()).describe('Ids of the events the hit derives from'),
        entities: z.array(z.string()).optional(),
        expandedFrom: z.string().optional(),
        fusedRank: z.number().int().optional(),
      }),
    }),
  ),
  preset: z.string(),
  consistency: z.object({ requested: z.boolean(), reached: z.boolean(), waitedMs: z.number(), behind: z.array(z.string()) }),
  asOfPosition: z.number().int().nullable(),
  validAt: z.string().nullable(),
  totalMs: z.number(),
  queryId: z.string(),
};

/** The structured content of {@link recallOutputShape}, built field by field from a response. */
export function recallStructured(response: RecallResponse): z.infer<z.ZodObject<typeof recallOutputShape>> {
  return {
    hits: response.hits.map((h) => ({
      rank: h.rank,
      unitId: h.unitId,
      text: h.text,
      stream: h.stream,
      actor: h.actor,
      speaker: h.speaker,
      memoryType: h.memoryType,
      time: h.time,
      validFrom: h.validFrom,
      validTo: h.validTo,
      recordedAt: h.recordedAt,
      position: { partition: h.position.partition, offset: h.position.offset },
      sourceRef: h.sourceRef,
      score: h.score,
      explain: {
        channels: Object.fromEntries(
          Object.entries(h.explain.channels).flatMap(([name, e]) => (e === undefined ? [] : [[name, { rank: e.rank, score: e.score, weight: e.weight, contribution: e.contribution }]])),
        ),
        events: [...h.explain.events],
        ...(h.explain.entities === undefined ? {} : { entities: [...h.explain.entities] }),
        ...(h.explain.expandedFrom === undefined ? {} : { expandedFrom: h.explain.expandedFrom }),
        ...(h.explain.fusedRank === undefined ? {} : { fusedRank: h.explain.fusedRank }),
      },
    })),
    preset: response.preset,
    consistency: { ...response.consistency, behind: [...response.consistency.behind] },
    asOfPosition: response.asOfPosition,
    validAt: response.validAt,
    totalMs: response.timings.totalMs,
    queryId: response.queryId,
  };
}

function explainLine(hit: RecallHit): string {
  const channels = Object.entries(hit.explain.channels)
    .flatMap(([name, e]) => (e === undefined ? [] : [`${name} #${e.rank} (${Number(e.score.toFixed(4))})`]))
    .join(', ');
  const entities = hit.explain.entities?.length ? `; entities ${hit.explain.entities.join(', ')}` : '';
  const expanded = hit.explain.expandedFrom === undefined ? '' : `; neighbour of ${hit.explain.expandedFrom}`;
  return `found by ${channels || 'no channel'}${entities}${expanded}`;
}

/** A recall answer as text a model reads well: one numbered line per hit with when, where, who and why. */
export function recallText(query: string, response: RecallResponse): string {
  const lines: string[] = [];
  const header = `${response.hits.length} memor${response.hits.length === 1 ? 'y' : 'ies'} for "${query}" (preset ${response.preset}, ${Math.round(response.timings.totalMs)} ms)`;
  lines.push(response.hits.length === 0 ? `No memories matched "${query}".` : `${header}:`);
  if (response.consistency.requested && !response.consistency.reached) {
    lines.push(`Note: projections still behind the consistency token after ${response.consistency.waitedMs} ms (${response.consistency.behind.join(', ')}); the newest writes may be missing.`);
  }
  for (const hit of response.hits) {
    const who = hit.speaker ?? hit.actor;
    const validity = hit.validFrom !== null || hit.validTo !== null ? `, valid ${hit.validFrom ?? '…'} to ${hit.validTo ?? '…'}` : '';
    lines.push(`${hit.rank}. [${hit.time} · ${hit.stream} · ${who}${hit.memoryType && hit.memoryType !== 'interaction' ? ` · ${hit.memoryType}` : ''}${validity}] ${hit.text}`);
    lines.push(`   unit ${hit.unitId}; score ${Number(hit.score.toFixed(5))}; ${explainLine(hit)}`);
  }
  return lines.join('\n');
}

/**
 * Registers `recall`: one query over every retrieval channel of memfabric (`POST /v1/recall`),
 * with optional transaction-time (`asOf`) and world-time (`validAt`) bounds; answers the hits
 * with their explanations as structured content plus a readable text.
 */
export function registerRecallTool(server: McpServer, { client, config }: ToolContext): void {
  const input = withTenant(
    {
      query: argument<RecallRequest['query']>('query').describe('What to remember, in words (a question or keywords).'),
      k: argument<number>('k').optional().describe('How many memories to return (default 10).'),
      asOf: z
        .union([argument<number>('asOfPosition'), argument<string>('asOfTime')])
        .optional()
        .describe('Transaction time: recall what memfabric knew then — a log position (integer) or an RFC 3339 time.'),
      validAt: argument<string>('validAt').optional().describe('World time (RFC 3339): only what was true then.'),
      referenceTime: argument<string>('referenceTime').optional().describe('Time that relative expressions in the query ("last week") resolve against; default now.'),
      preset: argument<string>('preset').optional().describe('Fusion preset, e.g. hybrid-rrf (default), dense-only, lexical-only.'),
      streams: argument<string[]>('streams').optional().describe('Only these streams (sessions / conversations).'),
      actors: argument<string[]>('actors').optional().describe('Only memories written by these actors.'),
      agents: argument<string[]>('agents').optional().describe('Only memories of these agents.'),
      consistencyToken: argument<string>('consistencyToken').optional().describe('Token a remember call returned: wait until that write is searchable.'),
    },
    config.tenant,
  );
  server.registerTool(
    RECALL_TOOL,
    {
      title: 'Recall memories',
      description:
        'Search memfabric for memories relevant to a query (dense, lexical, graph, temporal and context channels fused by reciprocal rank fusion). ' +
        'Each hit says when it happened, who said it, and which channels found it. Use asOf/validAt for point-in-time questions.',
      inputSchema: input,
      outputSchema: recallOutputShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      safely(async () => {
        const tenant = resolveTenant(config.tenant, args.tenant);
        const request: RecallRequest = {
          query: args.query,
          scope: {
            tenant,
            ...(args.streams === undefined ? {} : { streams: args.streams }),
            ...(args.actors === undefined ? {} : { actors: args.actors }),
            ...(args.agents === undefined ? {} : { agents: args.agents }),
          },
          ...(args.k === undefined ? {} : { k: args.k }),
          ...(args.asOf === undefined ? {} : { asOf: typeof args.asOf === 'number' ? { position: args.asOf } : { time: args.asOf } }),
          ...(args.validAt === undefined ? {} : { validAt: args.validAt }),
          ...(args.referenceTime === undefined ? {} : { referenceTime: args.referenceTime }),
          ...(args.preset === undefined ? {} : { preset: args.preset }),
          ...(args.consistencyToken === undefined ? {} : { consistencyToken: args.consistencyToken }),
          caller: config.actor,
        };
        const response = await client.recall(request);
        return toolResult(recallText(args.query, response), recallStructured(response));
      }),
  );
}
