import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@memfabric/embeddings';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import type { NewEvent } from '@memfabric/events';
import { asserted } from '@memfabric/projections/testing';
import { BUILTIN_PRESETS, type RecallEngine, type RecallPreset, type RecallRequest, type RecallResponse } from '@memfabric/recall';
import { EmbeddedFabric } from './embedded-fabric.js';
import { GRAPH_PROJECTION, openGraphStore } from '@memfabric/read-models';

const GRAPH_TWO_HOPS: RecallPreset = { ...BUILTIN_PRESETS.find((p) => p.name === 'graph-only')!, name: 'graph-2hops', options: { graph: { hops: 2 } } };
const PRESETS = [...BUILTIN_PRESETS, GRAPH_TWO_HOPS];

function turn(tenant: string, stream: string, actor: string, time: string, content: string): NewEvent {
  const speaker = actor[0]!.toUpperCase() + actor.slice(1);
  return interaction(tenant, stream, content, { actor, time, data: { kind: 'message', role: 'user', content, speaker } });
}

/** The same conversation for any tenant: identical texts, speakers, entity names and times. */
function conversation(tenant: string, suffix = ''): NewEvent[] {
  return [
    turn(tenant, 'session-1', 'caroline', '2023-05-07T18:00:00Z', `Caroline went to the LGBTQ support group in Lisbon with Melanie yesterday${suffix}`),
    turn(tenant, 'session-1', 'melanie', '2023-05-07T18:01:00Z', `That sounds lovely, how did it feel?${suffix}`),
    turn(tenant, 'session-1', 'caroline', '2023-05-07T18:02:00Z', `Caroline felt accepted and then visited Oscar Wilde's grave in Paris${suffix}`),
    turn(tenant, 'session-2', 'melanie', '2023-07-12T09:00:00Z', `Melanie painted a sunrise over Lake Tahoe with Caroline${suffix}`),
    turn(tenant, 'session-2', 'caroline', '2023-07-12T09:01:00Z', `Caroline plans to move to Lisbon in August${suffix}`),
    asserted(tenant, 'profile', `Caroline's favourite city is Lisbon${suffix}`, { data: { validfrom: '2023-01-01T00:00:00Z' } }),
  ];
}

const QUERIES = ['When did Caroline go to the LGBTQ support group in Lisbon?', 'What did Caroline do in May 2023?', 'Melanie painted Lake Tahoe', 'Oscar Wilde Paris'];
const VARIANTS: readonly (Partial<RecallRequest> & { label: string })[] = [
  { label: 'live' },
  { label: 'validAt', validAt: '2023-12-31T00:00:00Z' },
  { label: 'asOf time', asOf: { time: '2100-01-01T00:00:00Z' } },
  { label: 'context only', weights: { dense: 0, graph: 0, temporal: 0, recency: 0, context: 1 } },
  { label: 'every channel', weights: { dense: 1, lexical: 1, graph: 1, temporal: 1, recency: 1, context: 1 } },
];

describe('recall over the embedded fabric', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-recall-'));
  let fabric: EmbeddedFabric;
  let engine: RecallEngine;
  const a = uniqueTenant('emb-a');
  const b = uniqueTenant('emb-b');
  /** Ids of every event of a tenant (sources and the facts.extracted events derived from them). */
  const own = new Map<string, Set<string>>();

  beforeAll(async () => {
    fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: randomBytes(32), embedder: new HashEmbedder({ dimensions: 64 }) });
    // B first and twice (and slightly longer), so any leak would rank.
    await fabric.log.append(conversation(b));
    await fabric.log.append(conversation(a));
    await fabric.log.append(conversation(b, ' again'));
    await fabric.catchUp();
    for (const tenant of [a, b]) {
      const { events } = await fabric.log.readAll({ tenantid: tenant, limit: 10_000 });
      own.set(tenant, new Set(events.map((e) => e.id)));
    }
    // The fabric's own engine, knowing the extra two-hop graph preset (first call decides).
    engine = fabric.recaller({ presets: PRESETS });
  });
  afterAll(async () => {
    await fabric?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const recall = (tenant: string, query: string, extra: Partial<RecallRequest> = {}) =>
    engine.recall({ query, scope: { tenant }, k: 100, referenceTime: '2024-01-01T00:00:00Z', ...extra });

  const expectOnly = (response: RecallResponse, tenant: string, label: string) => {
    const mine = own.get(tenant)!;
    for (const hit of response.hits) {
      expect(hit.tenant, label).toBe(tenant);
      expect(mine.has(hit.unitId), `${label}: ${hit.unitId} is not a unit of ${tenant}`).toBe(true);
      for (const event of hit.explain.events) expect(mine.has(event), `${label}: explain cites ${event}`).toBe(true);
      if (hit.explain.expandedFrom !== undefined) expect(mine.has(hit.explain.expandedFrom), label).toBe(true);
    }
  };

  it('the extraction processor produced the same entity names in both tenants', async () => {
    const graph = openGraphStore(fabric.log.db, fabric.runtime.activeGeneration(GRAPH_PROJECTION)!);
    for (const tenant of [a, b]) {
      const names = (await graph.entitiesByName(tenant, ['Caroline', 'Melanie', 'Lisbon'])).map((e) => e.name).sort();
      expect(names).toEqual(['Caroline', 'Lisbon', 'Melanie']);
    }
    // 6 events per conversation, 5 of them interactions with a facts.extracted event each.
    expect(own.get(a)!.size).toBe(11);
    expect(own.get(b)!.size).toBe(22);
  });

  for (const preset of PRESETS.map((p) => p.name)) {
    it(`${preset}: a recall scoped to one tenant never returns (or cites) the other's units`, async () => {
      let hits = 0;
      for (const query of QUERIES) {
        for (const { label, ...variant } of VARIANTS) {
          for (const tenant of [a, b]) {
            const response = await recall(tenant, query, { preset, ...variant });
            expectOnly(response, tenant, `${preset} / ${label} / ${tenant} / "${query}"`);
            hits += response.hits.length;
          }
        }
      }
      expect(hits).toBeGreaterThan(0);
    });
  }

  it('the channels under test really ran: graph entities, the temporal window, context expansion and lexical propagation all contributed for tenant A', async () => {
    const graph = await recall(a, 'When did Caroline go to the LGBTQ support group in Lisbon?', { preset: 'graph-only' });
    expect(graph.hits.length).toBeGreaterThan(0);
    expect(graph.hits[0]!.explain.entities).toEqual(expect.arrayContaining(['Lisbon']));
    expect(graph.hits[0]!.explain.events.length).toBeGreaterThan(1);
    expectOnly(graph, a, 'graph');

    const temporal = await recall(a, 'What did Caroline do in May 2023?');
    expect(temporal.timeExpressions.map((t) => t.from)).toEqual(['2023-05-01T00:00:00.000Z']);
    const inWindow = temporal.hits.filter((h) => h.explain.channels.temporal);
    expect(inWindow.map((h) => h.time.slice(0, 7))).toEqual(['2023-05', '2023-05', '2023-05']);

    const context = await recall(a, 'Oscar Wilde grave Paris', { weights: { dense: 0, graph: 0, temporal: 0, recency: 0 } });
    expect(context.hits[0]!.text).toContain('Oscar Wilde');
    // The reply shares no word with the query: the context channel and the lexical channel's
    // neighbour propagation both reach it through the hit before it.
    const reply = context.hits.find((h) => h.text === 'That sounds lovely, how did it feel?');
    expect(reply?.stream).toBe(context.hits[0]!.stream);
    expect(reply!.explain.channels.context).toBeDefined();
    expect(reply!.explain.channels.lexical!.score).toBeGreaterThan(0);
    expect(reply!.explain.expandedFrom).toBe(context.hits[0]!.unitId);
    expectOnly(context, a, 'context');
  });

  it('asOf before a session and validAt before its date return nothing from it; the query log holds each tenant’s recalls only', async () => {
    const session2 = (r: RecallResponse) => r.hits.filter((h) => h.stream === 'session-2');
    const query = 'Melanie painted Lake Tahoe with Caroline';
    expect(session2(await recall(a, query)).length).toBeGreaterThan(0);
    const firstOfSession2 = Math.min(...(await recall(a, query)).hits.filter((h) => h.stream === 'session-2').map((h) => h.position.offset));
    expect(session2(await recall(a, query, { asOf: { position: firstOfSession2 - 1 } }))).toEqual([]);
    expect(session2(await recall(a, query, { validAt: '2023-07-12T08:59:59Z' }))).toEqual([]);

    const response = await fabric.recaller().recall({ query, scope: { tenant: a }, caller: 'agent:iso' });
    await fabric.flushQueryLog();
    const logged = await fabric.analytics.listQueries({ tenant: a });
    expect(logged.map((q) => q.queryId)).toContain(response.queryId);
    expect(logged.every((q) => q.tenantId === a)).toBe(true);
    expect((await fabric.analytics.listQueries({ tenant: b })).map((q) => q.queryId)).not.toContain(response.queryId);
  });
});
