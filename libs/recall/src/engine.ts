import { decodeConsistencyToken, type Checkpoint } from '@memfabric/event-log';
import { newEventId, sha256Hex } from '@memfabric/events';
import { resolveTimeExpressions } from '@memfabric/extraction';
import type { GraphEntity } from '@memfabric/graph-store';
import { MEMORY_UNITS_PROJECTION, type MemoryUnit } from '@memfabric/projections';
import { MAX_K, type SearchFilter, type SearchHit, type UnitStatus } from '@memfabric/vector-index';
import type { RecallBackend, RecallRuntime } from './backend.js';
import { jaccard, mmr, weightedRrf, wordSet, type ChannelRanking, type FusedItem } from './fusion.js';
import { BUILTIN_PRESETS, DEFAULT_PRESET, findPreset } from './presets.js';
import { candidateNames, lexicalQueryText } from './query-terms.js';
import {
  CHANNEL_NAMES,
  type ChannelName,
  type ChannelWeights,
  type ConsistencyReport,
  type RecallExplain,
  type RecallHit,
  type RecallPreset,
  type RecallRequest,
  type RecallResponse,
  type Recaller,
  type ResolvedTimeExpression,
} from './types.js';
import { validateRecallRequest, type ValidRecallRequest } from './validation.js';

/** Options of {@link RecallEngine}. */
export interface RecallEngineOptions {
  /** Presets known by name; default {@link BUILTIN_PRESETS}. */
  readonly presets?: readonly RecallPreset[];
  /** Clock and ids; default the system clock and UUIDv7. */
  readonly runtime?: RecallRuntime;
}

/** Most entity mentions the graph channel reads per recall. */
const GRAPH_MENTION_LIMIT = 2000;
/** Share of the best graph score a unit needs to be ranked by the graph channel. */
const GRAPH_MIN_SHARE = 0.5;
/** Most facts the graph channel follows per recall (graphHops > 0). */
const GRAPH_FACT_LIMIT = 200;

/** Statuses a point-in-time search must look at: a unit removed later was still visible then. */
const AS_OF_STATUSES: readonly UnitStatus[] = ['active', 'superseded', 'retracted', 'rolled_back'];

/** Everything one recall computed before the hits are shaped. */
interface Plan {
  readonly request: ValidRecallRequest;
  readonly preset: RecallPreset;
  readonly weights: ChannelWeights;
  readonly asOfPosition: number | undefined;
  readonly filter: SearchFilter;
  readonly candidates: number;
  readonly windows: readonly ResolvedTimeExpression[];
}

/** What the graph channel found. */
interface GraphResult {
  readonly ranking: { id: string; score: number }[];
  /** Unit id → display names of the query entities (or their neighbours) it mentions. */
  readonly entitiesOf: Map<string, string[]>;
  /** Unit id → `facts.extracted` events that link it to those entities. */
  readonly eventsOf: Map<string, string[]>;
}

const defaultRuntime: RecallRuntime = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  newId: () => newEventId(),
};

/**
 * The recall use case: one query over the dense, lexical, graph, temporal and recency channels,
 * fused by weighted reciprocal rank fusion, widened by the neighbouring turns of the best hits,
 * optionally diversified by MMR, every hit explained.
 *
 * Rules it keeps whatever the backend:
 * - one tenant per recall: every backend read carries `scope.tenant`;
 * - the memory-unit read model decides what may surface: live recalls return only `active`
 *   units; with `asOf` a unit surfaces when it was visible at that log position (created at or
 *   before it and not yet superseded, retracted or rolled back then); erased units never surface;
 * - `validAt` keeps units whose world time is at or before it and, for asserted memories, whose
 *   validity interval contains it; graph facts are read valid at that time;
 * - channels rank candidates; fusion ranks only the candidates that passed those rules, so a
 *   removed unit never takes a rank from a live one.
 */
export class RecallEngine implements Recaller {
  private readonly presetList: readonly RecallPreset[];
  private readonly runtime: RecallRuntime;

  constructor(
    private readonly backend: RecallBackend,
    options: RecallEngineOptions = {},
  ) {
    this.presetList = options.presets ?? BUILTIN_PRESETS;
    this.runtime = options.runtime ?? defaultRuntime;
  }

  presets(): readonly RecallPreset[] {
    return this.presetList;
  }

  /**
   * @throws ValidationError naming every bad field, an unknown preset (`/preset`) or a malformed
   *   consistency token (`/consistencyToken`).
   * @throws UnavailableError when the memory-unit read model has no active generation yet.
   */
  async recall(input: RecallRequest): Promise<RecallResponse> {
    const started = this.runtime.monotonic();
    const request = validateRecallRequest(input);
    const preset = findPreset(this.presetList, request.preset ?? DEFAULT_PRESET);
    const weights = { ...preset.weights, ...request.weights };
    const running = CHANNEL_NAMES.filter((c) => (weights[c] ?? 0) > 0);
    const consistency = await this.waitForToken(request, running);

    let asOfPosition: number | undefined;
    if (request.asOf !== undefined) {
      asOfPosition = 'position' in request.asOf ? request.asOf.position : ((await this.backend.positionAt(request.asOf.timeMs)) ?? -1);
    }
    const reference = new Date(request.referenceTimeMs ?? this.runtime.now());
    const windows =
      running.includes('temporal') ?
        resolveTimeExpressions(request.query, reference).map((e) => ({ text: e.text, from: e.from, to: e.to ?? new Date(Date.parse(e.from) + 1).toISOString() }))
      : [];
    const filter: SearchFilter = {
      ...(request.streams ? { streams: request.streams } : {}),
      ...(request.actors ? { actors: request.actors } : {}),
      statuses: asOfPosition === undefined ? ['active'] : AS_OF_STATUSES,
      ...(request.validAtMs !== undefined ? { worldTime: { to: request.validAtMs } } : {}),
      ...(asOfPosition !== undefined && asOfPosition >= 0 ? { maxOffset: asOfPosition } : {}),
    };
    const plan: Plan = {
      request,
      preset,
      weights,
      asOfPosition,
      filter,
      candidates: Math.min(MAX_K, Math.max(preset.candidates, request.k * 3)),
      windows,
    };

    const timings: Partial<Record<ChannelName, number>> = {};
    let hits: RecallHit[] = [];
    if (asOfPosition === undefined || asOfPosition >= 0) hits = await this.run(plan, running, timings);

    const totalMs = this.runtime.monotonic() - started;
    const queryId = this.runtime.newId();
    this.backend.logQuery({
      queryId,
      tenantId: request.tenant,
      caller: request.caller,
      queryHash: sha256Hex(request.query.toLowerCase().replace(/\s+/g, ' ')),
      k: request.k,
      preset: preset.name,
      channelLatencyMs: timings,
      totalLatencyMs: totalMs,
      unitIds: hits.map((h) => h.unitId),
      asOf: request.asOf && 'timeMs' in request.asOf ? new Date(request.asOf.timeMs).toISOString() : null,
      validAt: request.validAtMs === undefined ? null : new Date(request.validAtMs).toISOString(),
      at: new Date(this.runtime.now()).toISOString(),
    });
    return {
      hits,
      preset: preset.name,
      weights,
      consistency,
      asOfPosition: asOfPosition ?? null,
      validAt: request.validAtMs === undefined ? null : new Date(request.validAtMs).toISOString(),
      timeExpressions: windows,
      timings: { totalMs, channels: timings },
      queryId,
    };
  }

  private async waitForToken(request: ValidRecallRequest, running: readonly ChannelName[]): Promise<ConsistencyReport> {
    if (request.consistencyToken === undefined) return { requested: false, reached: true, waitedMs: 0, behind: [] };
    const checkpoint: Checkpoint = decodeConsistencyToken(request.consistencyToken);
    const projections = [...new Set([MEMORY_UNITS_PROJECTION, ...running.flatMap((c) => this.backend.projectionsOf(c))])];
    const started = this.runtime.monotonic();
    const result = await this.backend.waitFor(checkpoint, projections, request.consistencyTimeoutMs);
    return { requested: true, reached: result.reached, waitedMs: this.runtime.monotonic() - started, behind: result.behind };
  }

  private async run(plan: Plan, running: readonly ChannelName[], timings: Partial<Record<ChannelName, number>>): Promise<RecallHit[]> {
    const { request } = plan;
    const timed = async <T>(channel: ChannelName, work: () => Promise<T>): Promise<T> => {
      const start = this.runtime.monotonic();
      try {
        return await work();
      } finally {
        timings[channel] = (timings[channel] ?? 0) + (this.runtime.monotonic() - start);
      }
    };
    const wants = (c: ChannelName) => running.includes(c);
    let queryVector: Promise<Float32Array> | undefined;
    const embedQuery = () => (queryVector ??= this.backend.embedder.embed([request.query]).then((v) => v[0]!));

    const [dense, lexical, graph, temporal] = await Promise.all([
      wants('dense') ?
        timed('dense', async () =>
          this.backend.dense({ tenant: request.tenant, vector: await embedQuery(), k: plan.candidates, filter: plan.filter, modelId: this.backend.embedder.modelId }),
        )
      : [],
      wants('lexical') ? timed('lexical', () => this.backend.lexical({ tenant: request.tenant, text: lexicalQueryText(request.query), k: plan.candidates, filter: plan.filter })) : [],
      wants('graph') ? timed('graph', () => this.graphChannel(plan)) : undefined,
      wants('temporal') && plan.windows.length > 0 ? timed('temporal', () => this.temporalChannel(plan, embedQuery)) : [],
    ]);

    const candidateIds = [...new Set([...dense.map((h) => h.id), ...lexical.map((h) => h.id), ...(graph?.ranking ?? []).map((h) => h.id), ...temporal.map((h) => h.id)])];
    const units = new Map<string, MemoryUnit>();
    for (const unit of await this.visibleUnits(plan, candidateIds)) units.set(unit.id, unit);

    // Units the lexical channel reached through a neighbour only (no query word of their own) → that neighbour.
    const propagatedFrom = new Map<string, string>();
    const lexicalRanking =
      plan.preset.propagation.seeds > 0 && lexical.length > 0 ? await timed('lexical', () => this.propagate(plan, lexical, units, propagatedFrom)) : lexical;

    const keep = (items: readonly { id: string; score: number }[]) => items.filter((i) => units.has(i.id)).map((i) => ({ id: i.id, score: i.score }));
    const rankings: ChannelRanking[] = [
      { channel: 'dense', weight: plan.weights.dense ?? 0, items: keep(dense) },
      { channel: 'lexical', weight: plan.weights.lexical ?? 0, items: keep(lexicalRanking) },
      { channel: 'graph', weight: plan.weights.graph ?? 0, items: keep(graph?.ranking ?? []) },
      { channel: 'temporal', weight: plan.weights.temporal ?? 0, items: keep(temporal) },
    ];
    if (wants('recency')) {
      const start = this.runtime.monotonic();
      const byTime = [...units.values()].sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || b.createdOffset - a.createdOffset);
      rankings.push({ channel: 'recency', weight: plan.weights.recency ?? 0, items: byTime.map((u) => ({ id: u.id, score: Date.parse(u.time) })) });
      timings.recency = this.runtime.monotonic() - start;
    }
    let fused = weightedRrf(rankings, plan.preset.rrfK);

    const expandedFrom = new Map<string, string>();
    if (wants('context') && plan.preset.context.seeds > 0 && fused.length > 0) {
      const context = await timed('context', () => this.contextChannel(plan, fused, units, expandedFrom));
      rankings.push({ channel: 'context', weight: plan.weights.context ?? 0, items: context });
      fused = weightedRrf(rankings, plan.preset.rrfK);
    }

    const lambda = request.mmrLambda === undefined ? plan.preset.mmrLambda : request.mmrLambda;
    let chosen: (FusedItem & { fusedRank?: number })[] = fused.slice(0, request.k);
    if (lambda !== null) {
      const pool = fused.slice(0, Math.max(request.k * 3, 30)).map((item, i) => ({ ...item, fusedRank: i + 1, words: wordSet(units.get(item.id)?.text ?? '') }));
      chosen = mmr(pool, (a, b) => jaccard(a.words, b.words), lambda, request.k);
    }
    return chosen.map((item, index) => {
      const unit = units.get(item.id)!;
      // Found by its own content (a dense rank, or BM25 of its own) → not a neighbour's expansion.
      const ownContent = item.channels.dense !== undefined || (item.channels.lexical !== undefined && !propagatedFrom.has(unit.id));
      const from = ownContent ? undefined : (expandedFrom.get(unit.id) ?? propagatedFrom.get(unit.id));
      const explain: RecallExplain = {
        channels: item.channels,
        ...(graph?.entitiesOf.has(unit.id) ? { entities: graph.entitiesOf.get(unit.id)! } : {}),
        ...(from === undefined ? {} : { expandedFrom: from }),
        events: [...new Set([unit.id, ...(unit.supersedes ? [unit.supersedes] : []), ...(graph?.eventsOf.get(unit.id) ?? [])])],
        ...(item.fusedRank !== undefined && item.fusedRank !== index + 1 ? { fusedRank: item.fusedRank } : {}),
      };
      return toHit(unit, index + 1, item.score, explain);
    });
  }

  /** The candidate units that may surface under the plan's rules, by id. */
  private async visibleUnits(plan: Plan, ids: readonly string[]): Promise<MemoryUnit[]> {
    if (ids.length === 0) return [];
    const { request } = plan;
    const units = await this.backend.units.getUnits(request.tenant, ids, plan.asOfPosition === undefined ? {} : { asOf: plan.asOfPosition });
    return units.filter((u) => admissible(u, request));
  }

  /**
   * Graph channel: entities named in the query (n-grams matched against the tenant's entity
   * names, a name inside a longer matched name dropped) and the units that mention them, known
   * at `asOf`. A unit scores Σ over the entities it mentions of w(e) = 1 / log2(2 + mentions(e))
   * (rare entities weigh more, like IDF). With `graphHops` > 0 the units stating facts up to
   * that many edges away (valid at `validAt`) are credited too, at the mean weight of the fact's
   * ends (neighbours at half weight).
   */
  private async graphChannel(plan: Plan): Promise<GraphResult> {
    const empty: GraphResult = { ranking: [], entitiesOf: new Map(), eventsOf: new Map() };
    const store = this.backend.graph();
    if (!store) return empty;
    const { request } = plan;
    const candidates = candidateNames(request.query);
    if (candidates.length === 0) return empty;
    const found = (await store.entitiesByName(request.tenant, candidates)).filter((e) => e.type !== 'date' && e.type !== 'quantity');
    const seeds = dropContained(found);
    if (seeds.length === 0) return empty;
    const seedIds = new Set(seeds.map((e) => e.id));
    const names = new Map(seeds.map((e) => [e.id, e.name]));
    const asOf = plan.asOfPosition !== undefined ? { asOf: { offset: plan.asOfPosition } } : {};
    const mentions = await store.mentionsOf(request.tenant, [...seedIds], { ...asOf, limit: GRAPH_MENTION_LIMIT });
    const facts =
      plan.preset.graphHops > 0 ?
        await store.neighbours(request.tenant, [...seedIds], {
          ...asOf,
          ...(request.validAtMs !== undefined ? { validAt: request.validAtMs } : {}),
          hops: plan.preset.graphHops,
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
    // RRF sees ranks, not scores: units that only mention a frequent entity (a speaker's name)
    // would still take ranks. Keep the units scoring at least GRAPH_MIN_SHARE of the best one.
    const floor = (sorted[0]?.[1].score ?? 0) * GRAPH_MIN_SHARE;
    const ranking = sorted
      .filter(([, e]) => e.score >= floor)
      .slice(0, plan.candidates * 2)
      .map(([id, e]) => ({ id, score: e.score }));
    return {
      ranking,
      entitiesOf: new Map([...scores].map(([id, e]) => [id, [...e.entities]])),
      eventsOf: new Map([...scores].map(([id, e]) => [id, [...e.events]])),
    };
  }

  /**
   * Temporal channel: when the query holds time expressions (resolved against the reference
   * time), the units whose world time falls in their span, ranked by dense similarity.
   */
  private async temporalChannel(plan: Plan, embedQuery: () => Promise<Float32Array>): Promise<{ id: string; score: number }[]> {
    const from = Math.min(...plan.windows.map((w) => Date.parse(w.from)));
    const to = Math.max(...plan.windows.map((w) => Date.parse(w.to))) - 1;
    const upper = plan.request.validAtMs === undefined ? to : Math.min(to, plan.request.validAtMs);
    if (upper < from) return [];
    return this.backend.dense({
      tenant: plan.request.tenant,
      vector: await embedQuery(),
      k: plan.candidates,
      filter: { ...plan.filter, worldTime: { from, to: upper } },
      modelId: this.backend.embedder.modelId,
    });
  }

  /**
   * Neighbour score propagation over the lexical channel's hits (see
   * {@link RecallPreset.propagation}): s(u) = b(u) + f · b(turn before u) + preceding ·
   * b(turn after u), b = BM25 / best visible BM25 of the query, f = `answer` when the turn before u
   * asks a question and `following` otherwise, over the top `seeds` visible hits. Neighbours
   * pass the same rules as every candidate and join `units`; those with no BM25 of their own
   * are recorded in `propagatedFrom` with the hit that gave them the most.
   *
   * @returns the lexical ranking, by propagated score (ties: higher own BM25 first).
   */
  private async propagate(
    plan: Plan,
    hits: readonly SearchHit[],
    units: Map<string, MemoryUnit>,
    propagatedFrom: Map<string, string>,
  ): Promise<{ id: string; score: number }[]> {
    const { request } = plan;
    const { seeds: count, answer, following, preceding } = plan.preset.propagation;
    const visible = hits.filter((h) => units.has(h.id));
    const best = visible[0] !== undefined && visible[0].score > 0 ? visible[0].score : 1;
    const own = new Map(visible.map((h) => [h.id, h.score / best]));
    const scores = new Map(own);
    const seeds = visible.slice(0, count).map((h) => units.get(h.id)!);
    const lists = await this.neighbourhoods(plan, seeds, { before: 1, after: 1 });
    const bestGift = new Map<string, number>();
    lists.forEach((neighbours, i) => {
      const seed = seeds[i]!;
      const credit = own.get(seed.id)!;
      for (const unit of neighbours) {
        if (unit.id === seed.id || !admissible(unit, request)) continue;
        if (!units.has(unit.id)) units.set(unit.id, unit);
        const gift = (unit.createdOffset < seed.createdOffset ? preceding : asksQuestion(seed.text) ? answer : following) * credit;
        scores.set(unit.id, (scores.get(unit.id) ?? 0) + gift);
        if (!own.has(unit.id) && gift > (bestGift.get(unit.id) ?? 0)) {
          bestGift.set(unit.id, gift);
          propagatedFrom.set(unit.id, seed.id);
        }
      }
    });
    return [...scores].sort(([a, x], [b, y]) => y - x || (own.get(b) ?? 0) - (own.get(a) ?? 0)).map(([id, score]) => ({ id, score }));
  }

  /** The turns around each of `anchors` in its stream (one read), as visible at the plan's `asOf`. */
  private neighbourhoods(plan: Plan, anchors: readonly MemoryUnit[], around: { before: number; after: number }): Promise<MemoryUnit[][]> {
    if (anchors.length === 0) return Promise.resolve([]);
    return this.backend.units.streamNeighbourhoods(
      plan.request.tenant,
      anchors.map((u) => ({ streamid: u.streamid, offset: u.createdOffset })),
      { ...around, ...(plan.asOfPosition === undefined ? {} : { asOf: plan.asOfPosition }) },
    );
  }

  /**
   * Context channel: the neighbouring turns (same stream, just before and after) of the top
   * fused hits, ranked in the order of the hit they neighbour. Neighbours pass the same rules
   * as every candidate.
   */
  private async contextChannel(
    plan: Plan,
    fused: readonly FusedItem[],
    units: Map<string, MemoryUnit>,
    expandedFrom: Map<string, string>,
  ): Promise<{ id: string; score: number }[]> {
    const { request, preset } = plan;
    const seeds = fused.slice(0, preset.context.seeds);
    const lists = await this.neighbourhoods(
      plan,
      seeds.map((seed) => units.get(seed.id)!),
      { before: preset.context.before, after: preset.context.after },
    );
    const items: { id: string; score: number }[] = [];
    lists.forEach((neighbours, i) => {
      const seed = seeds[i]!;
      for (const unit of neighbours) {
        if (!admissible(unit, request) || expandedFrom.has(unit.id) || unit.id === seed.id) continue;
        units.set(unit.id, unit);
        expandedFrom.set(unit.id, seed.id);
        items.push({ id: unit.id, score: seed.score });
      }
    });
    return items;
  }
}

/** Does this turn ask something (a question mark in any script: `?`, `？`, `؟`)? */
function asksQuestion(text: string | null): boolean {
  return text !== null && /[?？؟]/u.test(text);
}

/** May this unit surface for the request (status, scope, world time)? */
function admissible(unit: MemoryUnit, request: ValidRecallRequest): boolean {
  if (unit.status !== 'active' || unit.text === null) return false;
  if (request.streams && !request.streams.includes(unit.streamid)) return false;
  if (request.actors && !request.actors.includes(unit.actor)) return false;
  if (request.validAtMs !== undefined) {
    const at = request.validAtMs;
    if (Date.parse(unit.validfrom ?? unit.time) > at) return false;
    if (unit.validto !== null && Date.parse(unit.validto) <= at) return false;
  }
  return true;
}

/** Drops entities whose canonical name is a word run inside another found entity's (keeps `LGBTQ support group`, drops `group`). */
function dropContained(entities: readonly GraphEntity[]): GraphEntity[] {
  return entities.filter(
    (e) => !entities.some((other) => other !== e && other.canonicalName.length > e.canonicalName.length && ` ${other.canonicalName} `.includes(` ${e.canonicalName} `)),
  );
}

function toHit(unit: MemoryUnit, rank: number, score: number, explain: RecallExplain): RecallHit {
  return {
    rank,
    unitId: unit.id,
    text: unit.text ?? '',
    tenant: unit.tenantid,
    stream: unit.streamid,
    actor: unit.actor,
    speaker: unit.speaker,
    memoryType: unit.memorytype,
    time: unit.time,
    validFrom: unit.validfrom,
    validTo: unit.validto,
    recordedAt: unit.recordedat,
    position: { partition: unit.createdPartition, offset: unit.createdOffset },
    sourceRef: unit.sourceref,
    score,
    explain,
  };
}
