import type { GraphEntity } from '@memfabric/graph-store';
import type { OptionProblem, RecallChannel, UnitEvidence } from '../channel.js';
import { candidateNames } from '../query-terms.js';
import { objectOptions, unknownKeys } from './options.js';
import { READ_MODELS } from './read-models.js';

/** Options of the graph channel (`RecallPreset.options.graph`). */
export interface GraphOptions {
  /**
   * Fact edges to follow from the query's entities. 0 = the units that mention the entities
   * only; 1 or 2 = also the units stating facts up to that many edges away (valid at `validAt`).
   */
  readonly hops: 0 | 1 | 2;
}

/** Most entity mentions the graph channel reads per recall. */
const GRAPH_MENTION_LIMIT = 2000;
/** Share of the best graph score a unit needs to be ranked by the graph channel. */
const GRAPH_MIN_SHARE = 0.5;
/** Most facts the graph channel follows per recall (hops > 0). */
const GRAPH_FACT_LIMIT = 200;

/**
 * Graph channel: entities named in the query (n-grams matched against the tenant's entity
 * names, a name inside a longer matched name dropped) and the units that mention them, known
 * at `asOf`. A unit scores Σ over the entities it mentions of w(e) = 1 / log2(2 + mentions(e))
 * (rare entities weigh more, like IDF). With `hops` > 0 the units stating facts up to that many
 * edges away (valid at `validAt`) are credited too, at the mean weight of the fact's ends
 * (neighbours at half weight). RRF sees ranks, not scores, so only units scoring at least half
 * the best one are ranked (a unit mentioning only a speaker's name would otherwise take ranks).
 */
export const graphChannel: RecallChannel<GraphOptions> = {
  name: 'graph',
  description: 'units mentioning the query’s entities (and, with hops, facts around them) in the temporal knowledge graph',
  stage: 'query',
  readModels: [READ_MODELS.extraction, READ_MODELS.graph],
  defaults: { hops: 0 },
  validateOptions(value) {
    const problems: OptionProblem[] = [];
    const options = objectOptions(value, problems);
    problems.push(...unknownKeys(options, ['hops']));
    if (options['hops'] !== undefined && ![0, 1, 2].includes(options['hops'] as number)) problems.push({ pointer: '/hops', detail: 'must be 0, 1 or 2' });
    return problems;
  },
  async rank({ plan, options, backend }) {
    const store = backend.graph();
    if (!store) return { items: [] };
    const { request } = plan;
    const candidates = candidateNames(request.query);
    if (candidates.length === 0) return { items: [] };
    const found = (await store.entitiesByName(request.tenant, candidates)).filter((e) => e.type !== 'date' && e.type !== 'quantity');
    const seeds = dropContained(found);
    if (seeds.length === 0) return { items: [] };
    const seedIds = new Set(seeds.map((e) => e.id));
    const names = new Map(seeds.map((e) => [e.id, e.name]));
    const asOf = plan.asOfPosition !== undefined ? { asOf: { offset: plan.asOfPosition } } : {};
    const mentions = await store.mentionsOf(request.tenant, [...seedIds], { ...asOf, limit: GRAPH_MENTION_LIMIT });
    const facts =
      options.hops > 0 ?
        await store.neighbours(request.tenant, [...seedIds], {
          ...asOf,
          ...(request.validAtMs !== undefined ? { validAt: request.validAtMs } : {}),
          hops: options.hops,
          limit: GRAPH_FACT_LIMIT,
          mentionLimit: 1,
        })
      : undefined;
    for (const e of facts?.entities ?? []) if (!names.has(e.id)) names.set(e.id, e.name);
    const mentionCount = new Map<string, number>();
    for (const m of mentions) mentionCount.set(m.entityId, (mentionCount.get(m.entityId) ?? 0) + 1);
    const weightOf = (entityId: string) => (seedIds.has(entityId) ? 1 : 0.5) / Math.log2(2 + (mentionCount.get(entityId) ?? 0));

    const scores = new Map<string, { score: number; entities: Set<string>; events: Set<string>; offset: number }>();
    const credit = (unitId: string, amount: number, entity: string | undefined, event: string, offset: number) => {
      const entry = scores.get(unitId) ?? { score: 0, entities: new Set<string>(), events: new Set<string>(), offset };
      entry.score += amount;
      if (entity) entry.entities.add(entity);
      entry.events.add(event);
      scores.set(unitId, entry);
    };
    const seen = new Set<string>();
    for (const m of mentions) {
      const key = `${m.sourceEventId}\u0000${m.entityId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      credit(m.sourceEventId, weightOf(m.entityId), names.get(m.entityId), m.eventId, m.offset);
    }
    for (const fact of facts?.facts ?? []) {
      const weight = (weightOf(fact.subjectId) + weightOf(fact.objectId)) / 2;
      fact.sourceEvents.forEach((source, i) => credit(source, weight, undefined, fact.events[i] ?? fact.events[0]!, 0));
    }
    const sorted = [...scores.entries()].sort(([, a], [, b]) => b.score - a.score || b.entities.size - a.entities.size || b.offset - a.offset);
    const floor = (sorted[0]?.[1].score ?? 0) * GRAPH_MIN_SHARE;
    const items = sorted
      .filter(([, e]) => e.score >= floor)
      .slice(0, plan.candidates * 2)
      .map(([id, e]) => ({ id, score: e.score }));
    const evidence = new Map<string, UnitEvidence>([...scores].map(([id, e]) => [id, { entities: [...e.entities], events: [...e.events] }]));
    return { items, evidence };
  },
};

/** Drops entities whose canonical name is a word run inside another found entity's (keeps `LGBTQ support group`, drops `group`). */
function dropContained(entities: readonly GraphEntity[]): GraphEntity[] {
  return entities.filter(
    (e) => !entities.some((other) => other !== e && other.canonicalName.length > e.canonicalName.length && ` ${other.canonicalName} `.includes(` ${e.canonicalName} `)),
  );
}
