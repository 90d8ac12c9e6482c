import { ConfigurationError } from '@memfabric/errors';
import { decodeConsistencyToken, type Checkpoint } from '@memfabric/event-log';
import { newEventId, sha256Hex } from '@memfabric/events';
import { resolveTimeExpressions } from '@memfabric/extraction';
import { MEMORY_UNITS_PROJECTION, type MemoryUnit } from '@memfabric/projections';
import { ATTR, ATTR_VALUE, memfabricTracer, SPAN } from '@memfabric/telemetry';
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { MAX_K, type SearchFilter, type UnitStatus } from '@memfabric/vector-index';
import type { ConsistencyWait, RecallBackend, RecallRuntime } from './backend.js';
import { CHANNEL_NAME_PATTERN, type ChannelInput, type ChannelResult, type RecallChannel, type RecallPlan } from './channel.js';
import { BUILTIN_CHANNELS } from './channels/index.js';
import { jaccard, mmr, weightedRrf, wordSet, type ChannelRanking, type FusedItem } from './fusion.js';
import { learnedFusion } from './learned-fusion.js';
import { BUILTIN_PRESETS, DEFAULT_PRESET, findPreset } from './presets.js';
import type { ConsistencyReport, RecallExplain, RecallHit, RecallPreset, RecallRequest, RecallResponse, Recaller } from './types.js';
import { validateRecallRequest, type ValidRecallRequest } from './validation.js';

/** Options of {@link RecallEngine}. */
export interface RecallEngineOptions {
  /** Presets known by name; default {@link BUILTIN_PRESETS}. */
  readonly presets?: readonly RecallPreset[];
  /** Channels the engine can run, in run order within a stage; default {@link BUILTIN_CHANNELS}. */
  readonly channels?: readonly RecallChannel[];
  /** Clock and ids; default the system clock and UUIDv7. */
  readonly runtime?: RecallRuntime;
}

/** Statuses a point-in-time search must look at: a unit removed later was still visible then. */
const AS_OF_STATUSES: readonly UnitStatus[] = ['active', 'superseded', 'retracted', 'rolled_back'];

/** Poll interval of the consistency wait, ms. */
const WAIT_POLL_MS = 5;

const defaultRuntime: RecallRuntime = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  newId: () => newEventId(),
};

/** One channel's result in a recall, with the channel. */
interface Ran {
  readonly channel: RecallChannel;
  result: ChannelResult;
}

/**
 * The recall use case: one query over pluggable channels (built in: dense, lexical, graph,
 * temporal, recency, context; see {@link RecallChannel}), fused by weighted reciprocal rank
 * fusion (Cormack, Clarke & Büttcher, SIGIR 2009), optionally re-ordered by a learned fusion
 * (`preset.fusion`, see `learnedFusion`) and diversified by MMR (Carbonell & Goldstein, SIGIR
 * 1998), every hit explained.
 *
 * A recall runs the channels whose effective weight is above 0: the `query` channels in
 * parallel, then reads the candidates' memory units once, lets `query` channels refine, runs the
 * `units` channels, fuses, runs the `fused` channels and fuses again.
 *
 * Rules it keeps whatever the backend or channels:
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
  private readonly channels: readonly RecallChannel[];
  private readonly runtime: RecallRuntime;

  /**
   * @throws ConfigurationError when two channels share a name, a name is malformed, or a preset
   *   weighs or configures a channel the engine does not have.
   */
  constructor(
    private readonly backend: RecallBackend,
    options: RecallEngineOptions = {},
  ) {
    this.presetList = options.presets ?? BUILTIN_PRESETS;
    this.channels = options.channels ?? BUILTIN_CHANNELS;
    this.runtime = options.runtime ?? defaultRuntime;
    const problems: string[] = [];
    const names = new Set<string>();
    for (const channel of this.channels) {
      if (!CHANNEL_NAME_PATTERN.test(channel.name)) problems.push(`channel name "${channel.name}" must be 1-32 lower-case letters, digits or "-", starting with a letter`);
      if (names.has(channel.name)) problems.push(`channel "${channel.name}" is given twice`);
      names.add(channel.name);
    }
    for (const preset of this.presetList) {
      for (const name of [...Object.keys(preset.weights), ...Object.keys(preset.options)]) {
        if (!names.has(name)) problems.push(`preset "${preset.name}" names channel "${name}", which this engine does not have (channels: ${[...names].join(', ')})`);
      }
    }
    if (problems.length > 0) throw new ConfigurationError(`invalid recall engine: ${[...new Set(problems)].join('; ')}`);
  }

  presets(): readonly RecallPreset[] {
    return this.presetList;
  }

  /** Names of the channels this engine can run, in run order. */
  channelNames(): readonly string[] {
    return this.channels.map((c) => c.name);
  }

  /**
   * @throws ValidationError naming every bad field, an unknown preset (`/preset`), a weight of a
   *   channel the engine does not have (`/weights/<name>`) or a malformed consistency token
   *   (`/consistencyToken`).
   * @throws UnavailableError when the memory-unit read model has no active generation yet.
   */
  async recall(input: RecallRequest): Promise<RecallResponse> {
    // one INTERNAL span per recall (GenAI memory semconv: `search_memory`), a child per channel
    const attributes = { [ATTR.genAiOperationName]: ATTR_VALUE.genAiSearchMemory, [ATTR.genAiProviderName]: ATTR_VALUE.genAiProvider };
    return memfabricTracer().startActiveSpan(SPAN.recall, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      try {
        const response = await this.recallInSpan(input, span);
        span.setAttribute(ATTR.genAiMemorySearchResultCount, response.hits.length);
        return response;
      } catch (error) {
        span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : typeof error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async recallInSpan(input: RecallRequest, span: Span): Promise<RecallResponse> {
    const started = this.runtime.monotonic();
    const request = validateRecallRequest(input, this.channelNames());
    const preset = findPreset(this.presetList, request.preset ?? DEFAULT_PRESET);
    span.setAttribute(ATTR.recallPreset, preset.name);
    span.setAttribute(ATTR.recallK, request.k);
    const weights: Record<string, number> = {};
    for (const [name, weight] of Object.entries({ ...preset.weights, ...request.weights })) if (weight !== undefined) weights[name] = weight;
    const running = this.channels.filter((c) => (weights[c.name] ?? 0) > 0);
    const consistency = await this.waitForToken(request, running);

    let asOfPosition: number | undefined;
    if (request.asOf !== undefined) {
      asOfPosition = 'position' in request.asOf ? request.asOf.position : ((await this.backend.positionAt(request.asOf.timeMs)) ?? -1);
    }
    const reference = new Date(request.referenceTimeMs ?? this.runtime.now());
    const windows =
      running.some((c) => c.usesTimeExpressions) ?
        resolveTimeExpressions(request.query, reference).map((e) => ({ text: e.text, from: e.from, to: e.to ?? new Date(Date.parse(e.from) + 1).toISOString() }))
      : [];
    const filter: SearchFilter = {
      ...(request.streams ? { streams: request.streams } : {}),
      ...(request.actors ? { actors: request.actors } : {}),
      statuses: asOfPosition === undefined ? ['active'] : AS_OF_STATUSES,
      ...(request.validAtMs !== undefined ? { worldTime: { to: request.validAtMs } } : {}),
      ...(asOfPosition !== undefined && asOfPosition >= 0 ? { maxOffset: asOfPosition } : {}),
    };
    const plan: RecallPlan = {
      request,
      preset,
      weights,
      asOfPosition,
      filter,
      candidates: Math.min(MAX_K, Math.max(preset.candidates, request.k * 3)),
      windows,
    };

    const timings: Record<string, number> = {};
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

  private async waitForToken(request: ValidRecallRequest, running: readonly RecallChannel[]): Promise<ConsistencyReport> {
    if (request.consistencyToken === undefined) return { requested: false, reached: true, waitedMs: 0, behind: [] };
    const checkpoint: Checkpoint = decodeConsistencyToken(request.consistencyToken);
    const projections = [...new Set([MEMORY_UNITS_PROJECTION, ...running.flatMap((c) => c.readModels)])];
    const started = this.runtime.monotonic();
    const result = await this.waitFor(checkpoint, projections, request.consistencyTimeoutMs);
    return { requested: true, reached: result.reached, waitedMs: this.runtime.monotonic() - started, behind: [...result.behind] };
  }

  /**
   * Polls the read models' checkpoints until each of `projections` the fabric runs has reached
   * `checkpoint`, at most `timeoutMs` ms.
   */
  private async waitFor(checkpoint: Checkpoint, projections: readonly string[], timeoutMs: number): Promise<ConsistencyWait> {
    const { progress } = this.backend;
    const deadline = this.runtime.monotonic() + timeoutMs;
    const known = projections.filter((p) => progress.names.includes(p));
    for (;;) {
      const behind: string[] = [];
      for (const projection of known) if (!(await progress.reached(projection, checkpoint))) behind.push(projection);
      if (behind.length === 0) return { reached: true, behind };
      const left = deadline - this.runtime.monotonic();
      if (left <= 0) return { reached: false, behind };
      await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, left)));
    }
  }

  private async run(plan: RecallPlan, running: readonly RecallChannel[], timings: Record<string, number>): Promise<RecallHit[]> {
    const { request } = plan;
    const tracer = memfabricTracer();
    const timed = <T>(channel: RecallChannel, work: () => Promise<T>): Promise<T> =>
      tracer.startActiveSpan(SPAN.recallChannel(channel.name), { attributes: { [ATTR.recallChannel]: channel.name } }, async (span) => {
        const start = this.runtime.monotonic();
        try {
          const result = await work();
          const items = (result as { items?: unknown }).items;
          if (Array.isArray(items)) span.setAttribute(ATTR.recallCandidates, items.length);
          return result;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          throw error;
        } finally {
          timings[channel.name] = (timings[channel.name] ?? 0) + (this.runtime.monotonic() - start);
          span.end();
        }
      });
    let queryVector: Promise<Float32Array> | undefined;
    const embedQuery = () => (queryVector ??= this.backend.embedder.embed([request.query]).then((v) => v[0]!));
    const units = new Map<string, MemoryUnit>();
    let fusedSoFar: readonly FusedItem[] = [];
    const inputFor = (channel: RecallChannel): ChannelInput<object> => ({
      plan,
      options: { ...channel.defaults, ...(plan.preset.options[channel.name] ?? {}) },
      backend: this.backend,
      embedQuery,
      units,
      fused: fusedSoFar,
      admit: (unit) => {
        if (!admissible(unit, request)) return false;
        if (!units.has(unit.id)) units.set(unit.id, unit);
        return true;
      },
      neighbourhoods: (anchors, around) => this.neighbourhoods(plan, anchors, around),
    });
    const applies = (channel: RecallChannel, step: 'rank' | 'refine') => channel.applies?.(plan, inputFor(channel).options, step) ?? true;
    const stage = (name: RecallChannel['stage']) => running.filter((c) => c.stage === name && applies(c, 'rank'));

    const queryStage = stage('query');
    if (queryStage.some((c) => c.usesQueryVector)) {
      // Start the embedding first and let it reach its embedder (one macrotask turn drains the
      // microtasks of a caching decorator and posts to a worker or a socket) before the channels
      // that need no vector do their synchronous reads: those then overlap with the inference.
      // A failure surfaces where a channel awaits the vector.
      embedQuery().catch(() => undefined);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const ran: Ran[] = await Promise.all(queryStage.map(async (channel) => ({ channel, result: await timed(channel, () => channel.rank(inputFor(channel))) })));
    const candidateIds = [...new Set(ran.flatMap((r) => r.result.items.map((i) => i.id)))];
    for (const unit of await this.visibleUnits(plan, candidateIds)) units.set(unit.id, unit);
    for (const entry of ran) {
      const { channel } = entry;
      if (channel.refine && applies(channel, 'refine')) entry.result = await timed(channel, () => channel.refine!(inputFor(channel), entry.result));
    }
    for (const channel of stage('units')) ran.push({ channel, result: await timed(channel, () => channel.rank(inputFor(channel))) });

    const keep = (items: ChannelResult['items']) => items.filter((i) => units.has(i.id)).map((i) => ({ id: i.id, score: i.score }));
    const rankings = (): ChannelRanking[] => ran.map(({ channel, result }) => ({ channel: channel.name, weight: plan.weights[channel.name] ?? 0, items: keep(result.items) }));
    let fused = weightedRrf(rankings(), plan.preset.rrfK);
    const fusedStage = stage('fused');
    if (fusedStage.length > 0 && fused.length > 0) {
      fusedSoFar = fused;
      for (const channel of fusedStage) ran.push({ channel, result: await timed(channel, () => channel.rank(inputFor(channel))) });
      fused = weightedRrf(rankings(), plan.preset.rrfK);
    }
    if (plan.preset.fusion?.kind === 'learned') fused = learnedFusion(fused, plan.preset.fusion.model);

    const lambda = request.mmrLambda === undefined ? plan.preset.mmrLambda : request.mmrLambda;
    let chosen: (FusedItem & { fusedRank?: number })[] = fused.slice(0, request.k);
    if (lambda !== null) {
      const pool = fused.slice(0, Math.max(request.k * 3, 30)).map((item, i) => ({ ...item, fusedRank: i + 1, words: wordSet(units.get(item.id)?.text ?? '') }));
      chosen = mmr(pool, (a, b) => jaccard(a.words, b.words), lambda, request.k);
    }
    // Expansion evidence: a fused-stage channel's (context) before a query channel's (propagation).
    const byPrecedence = [...ran].sort((a, b) => Number(b.channel.stage === 'fused') - Number(a.channel.stage === 'fused'));
    return chosen.map((item, index) => {
      const unit = units.get(item.id)!;
      const evidence = ran.map(({ channel, result }) => ({ channel, found: result.evidence?.get(unit.id) }));
      // Found by its own content (a content channel ranked it, not through a neighbour) → not a neighbour's expansion.
      const ownContent = ran.some(({ channel, result }) => channel.content && item.channels[channel.name] !== undefined && result.evidence?.get(unit.id)?.expandedFrom === undefined);
      const from = ownContent ? undefined : byPrecedence.map(({ result }) => result.evidence?.get(unit.id)?.expandedFrom).find((id) => id !== undefined);
      const entities = evidence.flatMap((e) => (e.found?.entities === undefined ? [] : [e.found.entities]));
      const explain: RecallExplain = {
        channels: item.channels,
        ...(entities.length > 0 ? { entities: [...new Set(entities.flat())] } : {}),
        ...(from === undefined ? {} : { expandedFrom: from }),
        events: [...new Set([unit.id, ...(unit.supersedes ? [unit.supersedes] : []), ...evidence.flatMap((e) => e.found?.events ?? [])])],
        ...(item.fusedRank !== undefined && item.fusedRank !== index + 1 ? { fusedRank: item.fusedRank } : {}),
      };
      return toHit(unit, index + 1, item.score, explain);
    });
  }

  /** The candidate units that may surface under the plan's rules, by id. */
  private async visibleUnits(plan: RecallPlan, ids: readonly string[]): Promise<MemoryUnit[]> {
    if (ids.length === 0) return [];
    const { request } = plan;
    const units = await this.backend.units.getUnits(request.tenant, ids, plan.asOfPosition === undefined ? {} : { asOf: plan.asOfPosition });
    return units.filter((u) => admissible(u, request));
  }

  /** The turns around each of `anchors` in its stream (one read), as visible at the plan's `asOf`. */
  private neighbourhoods(plan: RecallPlan, anchors: readonly MemoryUnit[], around: { readonly before: number; readonly after: number }): Promise<MemoryUnit[][]> {
    if (anchors.length === 0) return Promise.resolve([]);
    return this.backend.units.streamNeighbourhoods(
      plan.request.tenant,
      anchors.map((u) => ({ streamid: u.streamid, offset: u.createdOffset })),
      { ...around, ...(plan.asOfPosition === undefined ? {} : { asOf: plan.asOfPosition }) },
    );
  }
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
