import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemfabricApiError, MemfabricClient } from '@memfabric/client';
import type { EventEnvelope } from '@memfabric/events';
import { startFabric, type RunningFabric } from '@memfabric/fabric';
import { resultText, startStdioMcp } from '../test/mcp-process.js';

/**
 * The client and the MCP server against the real embedded fabric (`startFabric`: ingest over the
 * SQLite log, the query gateway, the audit routes and the projections in one process on one
 * port, hash embedder): writes, recall with the consistency token, a memory's history.
 */
let dataDir: string;
let fabric: RunningFabric;
let client: MemfabricClient;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'memfabric-mcp-e2e-'));
  fabric = await startFabric({
    MEMFABRIC_DATA_DIR: dataDir,
    MEMFABRIC_INGEST_PORT: '0',
    MEMFABRIC_LOG_LEVEL: 'silent',
    MEMFABRIC_EMBEDDER: 'hash',
    MEMFABRIC_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  });
  client = new MemfabricClient({ baseUrl: fabric.url, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
}, 120_000);

afterAll(async () => {
  await fabric?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('MemfabricClient against the embedded fabric', () => {
  it('writes through the helpers and reads the events back', async () => {
    expect(await client.health()).toEqual({ status: 'ok' });
    const input = { tenant: 'acme-client', stream: 'planner-session-1', actor: 'user:maya', content: 'Please book me a vegetarian meal.', idempotencyKey: 'turn-1', time: '2024-03-05T09:00:00Z' };
    const turn = await client.recordInteraction(input);
    const again = await client.recordInteraction(input);
    expect(again).toMatchObject({ id: turn.id, duplicate: true, offset: turn.offset });
    const conflict = await client.recordInteraction({ ...input, content: 'something else' }).catch((e: unknown) => e);
    expect(conflict).toMatchObject({ status: 409, code: 'idempotency_conflict', retriable: false });
    const memory = await client.assertMemory({ tenant: 'acme-client', stream: 'planner-session-1', actor: 'agent:planner', content: 'Maya is vegetarian.', memoryType: 'preference', validFrom: '2024-03-05T09:00:00Z' });
    const retraction = await client.retractMemory({ tenant: 'acme-client', actor: 'user:maya', target: memory.id, reason: 'test' });
    expect(retraction.streamid).toBe('planner-session-1');

    const stored = await client.getEvent(memory.id);
    expect(stored).toMatchObject({ id: memory.id, type: 'memory.asserted', tenantid: 'acme-client', data: { memorytype: 'preference', content: 'Maya is vegetarian.' } });
    const types: string[] = [];
    for await (const event of client.streamEvents('acme-client', 'planner-session-1', { limit: 2 })) types.push(event.type);
    // The extraction stage appends facts.extracted events to the stream it read.
    expect(types.filter((t) => t !== 'facts.extracted')).toEqual(['interaction.recorded', 'memory.asserted', 'memory.retracted']);
    expect((await client.openApi()).openapi).toMatch(/^3\.1/);
  });

  it('turns the fabric’s problem+json into MemfabricApiError with every bad field', async () => {
    const bad = { source: 'urn:x', type: 'interaction.recorded', time: 'yesterday', tenantid: 'acme', streamid: 's', actor: 'a', data: { kind: 'message', role: 'user' } } as EventEnvelope;
    const error = await client.appendEvents([bad]).catch((e: unknown) => e);
    expect(MemfabricApiError.isApiError(error)).toBe(true);
    const apiError = error as MemfabricApiError;
    expect(apiError).toMatchObject({ status: 400, code: 'validation_failed', type: 'urn:memfabric:problem:validation_failed', instance: '/v1/events' });
    expect(apiError.problems).toContainEqual({ pointer: '/0/time', detail: expect.stringMatching(/date-time/) as string });
    const missing = await client.getEvent('018e3a10-0000-7000-8000-00000000ffff').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('recalls what it wrote, waiting on the consistency token', async () => {
    const written = await client.recordInteraction({ tenant: 'acme-recall', stream: 's1', actor: 'user:maya', content: 'My sister Ana lives in Porto and teaches piano.' });
    const answer = await client.recall({ query: 'Where does Ana live?', scope: { tenant: 'acme-recall' }, k: 5, consistencyToken: written.consistencyToken });
    expect(answer.consistency).toMatchObject({ requested: true, reached: true });
    expect(answer.hits.map((h) => h.unitId)).toContain(written.id);
  });

  it('shows a memory’s history', async () => {
    const memory = await client.assertMemory({ tenant: 'acme-history', stream: 's', actor: 'a', content: 'Maya prefers aisle seats.', memoryType: 'preference' });
    await client.correctMemory({ tenant: 'acme-history', stream: 's', actor: 'a', supersedes: memory.id, content: 'Maya prefers window seats.' });
    const history = await client.history('acme-history', memory.id);
    expect(history.unitId).toBe(memory.id);
    expect(history.versions.length).toBeGreaterThanOrEqual(1);
  });
});

describe('memfabric-mcp over stdio against the embedded fabric', () => {
  it('remembers a few interactions and answers a recall with the hit', async () => {
    const mcp = await startStdioMcp({ MEMFABRIC_URL: fabric.url, MEMFABRIC_TENANT: 'conv-26', MEMFABRIC_MCP_STREAM: 'session-1' });
    try {
      const turns = [
        { content: 'I went to a LGBTQ support group yesterday and it was so powerful.', speaker: 'Caroline', time: '2023-05-08T13:56:00Z' },
        { content: 'That sounds great! What did you learn there?', speaker: 'Melanie', time: '2023-05-08T13:57:00Z' },
        { content: 'I painted a lake sunrise last year, it is special to me.', speaker: 'Melanie', time: '2023-05-08T13:58:00Z' },
      ];
      let token = '';
      let supportGroup = '';
      for (const turn of turns) {
        const result = (await mcp.client.callTool({ name: 'remember', arguments: turn })) as CallToolResult;
        expect(result.isError, resultText(result)).toBeFalsy();
        const written = result.structuredContent as { id: string; consistencyToken: string };
        token = written.consistencyToken;
        if (turn.content.includes('support group')) supportGroup = written.id;
      }
      const recalled = (await mcp.client.callTool({ name: 'recall', arguments: { query: 'When did Caroline go to the LGBTQ support group?', k: 10, consistencyToken: token } })) as CallToolResult;
      expect(recalled.isError, resultText(recalled)).toBeFalsy();
      const structured = recalled.structuredContent as { hits: { unitId: string; explain: { channels: Record<string, unknown>; events: string[] } }[]; consistency: { reached: boolean } };
      expect(structured.consistency.reached).toBe(true);
      const hit = structured.hits.find((h) => h.unitId === supportGroup);
      expect(hit, resultText(recalled)).toBeDefined();
      expect(Object.keys(hit!.explain.channels).length).toBeGreaterThan(0);
      expect(hit!.explain.events).toContain(supportGroup);
      expect(resultText(recalled)).toContain('LGBTQ support group');
    } finally {
      await mcp.close();
    }
  }, 60_000);
});
