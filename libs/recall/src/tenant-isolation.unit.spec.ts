import { beforeAll, describe, expect, it } from 'vitest';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import { NlpExtractor } from '@memfabric/extraction/nlp';
import { asserted } from '@memfabric/projections/testing';
import { RecallEngine } from './engine.js';
import { BUILTIN_PRESETS } from './presets.js';
import { InMemoryRecallBackend, factsFor, type FactEntity } from './testing/index.js';
import type { RecallPreset, RecallRequest, RecallResponse } from './types.js';

/** graph-only following facts two edges away: exercises the graph store's neighbourhood reads too. */
const GRAPH_TWO_HOPS: RecallPreset = { ...BUILTIN_PRESETS.find((p) => p.name === 'graph-only')!, name: 'graph-2hops', options: { graph: { hops: 2 } } };
const PRESETS = [...BUILTIN_PRESETS, GRAPH_TWO_HOPS];

function turn(tenant: string, stream: string, content: string, actor: string, time: string): NewEvent {
  const speaker = actor[0]!.toUpperCase() + actor.slice(1);
  return interaction(tenant, stream, content, { actor, time, data: { kind: 'message', role: 'user', content, speaker } });
}

/** The same conversation for any tenant (identical texts, names and times), with the entities each turn mentions. */
const CONVERSATION: readonly { stream: string; actor: string; time: string; text: string; entities: FactEntity[] }[] = [
  { stream: 's1', actor: 'caroline', time: '2023-05-07T18:00:00Z', text: 'I went to the LGBTQ support group in Lisbon yesterday', entities: ['Caroline', { name: 'LGBTQ support group', type: 'organization' }, { name: 'Lisbon', type: 'place' }] },
  { stream: 's1', actor: 'melanie', time: '2023-05-07T18:01:00Z', text: 'That sounds lovely, how did it feel?', entities: ['Melanie'] },
  { stream: 's1', actor: 'caroline', time: '2023-05-07T18:02:00Z', text: 'Caroline felt accepted and adopted a greyhound called Oscar', entities: ['Caroline', { name: 'Oscar', type: 'thing' }] },
  { stream: 's2', actor: 'melanie', time: '2023-07-12T09:00:00Z', text: 'Melanie painted a sunrise over Lake Tahoe with Caroline', entities: ['Melanie', 'Caroline', { name: 'Lake Tahoe', type: 'place' }] },
  { stream: 's2', actor: 'caroline', time: '2023-07-12T09:01:00Z', text: 'Caroline plans to move to Lisbon in August', entities: ['Caroline', { name: 'Lisbon', type: 'place' }] },
];

/** Appends the conversation for `tenant` with hand-written facts (relations too, for graph hops); returns every event. */
async function seed(backend: InMemoryRecallBackend, tenant: string, extra = ''): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (const t of CONVERSATION) {
    const [source] = await backend.append([turn(tenant, t.stream, t.text + extra, t.actor, t.time)]);
    const names = t.entities.map((e) => (typeof e === 'string' ? e : e.name));
    const relations = names.slice(1).map((object) => ({ subject: names[0]!, predicate: 'mentions', object }));
    out.push(source!, ...(await backend.append([factsFor(source!, t.entities, relations)])));
  }
  out.push(...(await backend.append([asserted(tenant, 'profile', `Caroline's favourite city is Lisbon${extra}`, { data: { validfrom: '2023-01-01T00:00:00Z' } })])));
  return out;
}

const QUERIES = [
  'When did Caroline go to the LGBTQ support group in Lisbon?',
  'What did Caroline do in May 2023?',
  'Melanie painted Lake Tahoe',
  'greyhound Oscar',
];

const VARIANTS: readonly (Partial<RecallRequest> & { label: string })[] = [
  { label: 'live' },
  { label: 'reference time', referenceTime: '2024-01-01T00:00:00Z' },
  { label: 'validAt', validAt: '2023-12-31T00:00:00Z' },
  { label: 'asOf time', asOf: { time: '2030-01-01T00:00:00Z' } },
  { label: 'context only', weights: { dense: 0, graph: 0, temporal: 0, recency: 0, context: 1 } },
  { label: 'every channel heavy', weights: { dense: 1, lexical: 1, graph: 1, temporal: 1, recency: 1, context: 1 } },
  { label: 'mmr', mmrLambda: 0.5 },
];

/** Asserts that every hit, and every event an explain cites, belongs to `own` (ids of one tenant's events). */
function expectOnly(response: RecallResponse, tenant: string, own: ReadonlySet<string>, label: string): void {
  for (const hit of response.hits) {
    expect(hit.tenant, label).toBe(tenant);
    expect(own.has(hit.unitId), `${label}: ${hit.unitId} is not a unit of ${tenant}`).toBe(true);
    for (const event of hit.explain.events) expect(own.has(event), `${label}: explain cites ${event}`).toBe(true);
    if (hit.explain.expandedFrom !== undefined) expect(own.has(hit.explain.expandedFrom), label).toBe(true);
  }
}

describe('tenant isolation over every channel (in-memory backend)', () => {
  const a = uniqueTenant('iso-a');
  const b = uniqueTenant('iso-b');
  const backend = new InMemoryRecallBackend();
  const engine = new RecallEngine(backend, { presets: PRESETS });
  const own = new Map<string, Set<string>>();
  const recall = (tenant: string, query: string, extra: Partial<RecallRequest> = {}) => engine.recall({ query, scope: { tenant }, k: 100, referenceTime: '2024-01-01T00:00:00Z', ...extra });

  beforeAll(async () => {
    // Interleave and give B more (and more relevant) copies, so any leak would rank.
    const eventsA: StoredEvent[] = [];
    const eventsB: StoredEvent[] = [];
    eventsB.push(...(await seed(backend, b)));
    eventsA.push(...(await seed(backend, a)));
    eventsB.push(...(await seed(backend, b, ' again')));
    own.set(a, new Set(eventsA.map((e) => e.id)));
    own.set(b, new Set(eventsB.map((e) => e.id)));
  });

  it('the tenants hold the same entity names (the graph matches the query entities in both)', async () => {
    const [inA, inB] = await Promise.all([backend.graphStore.entitiesByName(a, ['Caroline', 'Lisbon']), backend.graphStore.entitiesByName(b, ['Caroline', 'Lisbon'])]);
    expect(inA.map((e) => e.name).sort()).toEqual(['Caroline', 'Lisbon']);
    expect(inB.map((e) => e.name).sort()).toEqual(['Caroline', 'Lisbon']);
  });

  for (const preset of PRESETS.map((p) => p.name)) {
    it(`${preset}: a recall scoped to one tenant never returns (or cites) the other's units`, async () => {
      let hitsSeen = 0;
      for (const query of QUERIES) {
        for (const { label, ...variant } of VARIANTS) {
          for (const [tenant, other] of [
            [a, b],
            [b, a],
          ] as const) {
            const response = await recall(tenant, query, { preset, ...variant });
            const what = `${preset} / ${label} / ${tenant} / "${query}"`;
            expectOnly(response, tenant, own.get(tenant)!, what);
            for (const hit of response.hits) expect(own.get(other)!.has(hit.unitId), what).toBe(false);
            hitsSeen += response.hits.length;
          }
        }
      }
      expect(hitsSeen).toBeGreaterThan(0);
    });
  }

  it('the checks are not vacuous: graph, temporal and context channels ran and contributed hits for tenant A', async () => {
    const graph = await recall(a, 'When did Caroline go to the LGBTQ support group in Lisbon?', { preset: 'graph-2hops' });
    expect(graph.hits.length).toBeGreaterThan(0);
    expect(graph.hits.some((h) => (h.explain.entities ?? []).includes('Lisbon'))).toBe(true);

    const temporal = await recall(a, 'What did Caroline do in May 2023?');
    expect(temporal.timeExpressions).toHaveLength(1);
    const temporalHits = temporal.hits.filter((h) => h.explain.channels.temporal);
    expect(temporalHits.length).toBe(3);
    expect(temporalHits.every((h) => h.time.startsWith('2023-05'))).toBe(true);

    const context = await recall(a, 'greyhound Oscar', { weights: { dense: 0, graph: 0, temporal: 0, recency: 0 } });
    const expanded = context.hits.filter((h) => h.explain.expandedFrom !== undefined);
    expect(expanded.length).toBeGreaterThan(0);
    expectOnly(context, a, own.get(a)!, 'context');
  });
});

describe('tenant isolation with the NLP extractor producing the facts', () => {
  it('identical conversations in two tenants: each tenant sees only its own units over every preset', async () => {
    const backend = new InMemoryRecallBackend({ extractor: new NlpExtractor() });
    const engine = new RecallEngine(backend, { presets: PRESETS });
    const a = uniqueTenant('nlp-a');
    const b = uniqueTenant('nlp-b');
    const own = new Map<string, Set<string>>();
    for (const tenant of [b, a]) {
      const events = await backend.append(CONVERSATION.map((t) => turn(tenant, t.stream, t.text, t.actor, t.time)));
      own.set(tenant, new Set(events.map((e) => e.id)));
    }
    expect(backend.events.filter((e) => e.type === 'facts.extracted')).toHaveLength(2 * CONVERSATION.length);
    let graphHits = 0;
    for (const preset of PRESETS.map((p) => p.name)) {
      for (const query of QUERIES) {
        for (const tenant of [a, b]) {
          const response = await engine.recall({ query, scope: { tenant }, k: 50, preset, referenceTime: '2024-01-01T00:00:00Z' });
          expectOnly(response, tenant, own.get(tenant)!, `${preset} / ${tenant} / ${query}`);
          if (preset === 'graph-only') graphHits += response.hits.length;
        }
      }
    }
    expect(graphHits).toBeGreaterThan(0);
  });
});
