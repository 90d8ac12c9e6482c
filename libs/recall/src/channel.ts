import type { MemoryUnit } from '@memfabric/projections';
import type { SearchFilter } from '@memfabric/vector-index';
import type { RecallBackend } from './backend.js';
import type { FusedItem } from './fusion.js';
import type { RecallPreset, ResolvedTimeExpression } from './types.js';
import type { ValidRecallRequest } from './validation.js';

/** One problem in a preset's channel options: a JSON pointer relative to the options object and what is wrong. */
export interface OptionProblem {
  readonly pointer: string;
  readonly detail: string;
}

/** A ranked id with the channel's own score (cosine, BM25, graph weight, …; larger is better). */
export interface RankedId {
  readonly id: string;
  readonly score: number;
}

/** What a channel says about one unit beyond its rank (shown in the hit's `explain`). */
export interface UnitEvidence {
  /** Display names of the query entities that led to the unit (graph). */
  readonly entities?: readonly string[];
  /** Ids of events besides the unit's own that the ranking used (e.g. `facts.extracted`). */
  readonly events?: readonly string[];
  /** The unit whose neighbour this one is, when the channel reached it through that neighbour only. */
  readonly expandedFrom?: string;
}

/** What one channel returns: its ranking (best first) and optional per-unit evidence. */
export interface ChannelResult {
  readonly items: readonly RankedId[];
  readonly evidence?: ReadonlyMap<string, UnitEvidence>;
}

/** Everything the engine decided about one recall before the channels run. */
export interface RecallPlan {
  readonly request: ValidRecallRequest;
  readonly preset: RecallPreset;
  /** Effective weights (preset's, overridden by the request's), by channel name. */
  readonly weights: Readonly<Record<string, number>>;
  /** The transaction-time bound as an inclusive log offset, when `asOf` was given. */
  readonly asOfPosition: number | undefined;
  /** Index filter every search of this recall carries (tenant scope, statuses, world time, max offset). */
  readonly filter: SearchFilter;
  /** Candidates each channel returns before fusion (≥ k). */
  readonly candidates: number;
  /** Time expressions of the query and their world-time windows (empty unless a running channel asked for them). */
  readonly windows: readonly ResolvedTimeExpression[];
}

/** What a channel's `rank` receives. */
export interface ChannelInput<Options> {
  readonly plan: RecallPlan;
  /** This channel's options from the preset, merged over {@link RecallChannel.defaults}. */
  readonly options: Options;
  /** The read models (ports) of the fabric the recall runs on. */
  readonly backend: RecallBackend;
  /** The query's embedding under the backend's embedder, computed once per recall. */
  readonly embedQuery: () => Promise<Float32Array>;
  /**
   * Candidate units that passed the visibility rules (status at `asOf`, scope, world time), by id.
   * Empty during the `query` stage; `units` and `fused` channels read it and may add neighbours
   * with {@link ChannelInput.admit}.
   */
  readonly units: ReadonlyMap<string, MemoryUnit>;
  /** The first fusion's ranking (only in the `fused` stage; empty otherwise). */
  readonly fused: readonly FusedItem[];
  /**
   * Offers a unit the channel found outside the candidates (a neighbouring turn): true when it
   * may surface under the request's rules, in which case it joins {@link ChannelInput.units}.
   */
  readonly admit: (unit: MemoryUnit) => boolean;
  /** The turns around each anchor in its stream (one read), as visible at the plan's `asOf`. */
  readonly neighbourhoods: (anchors: readonly MemoryUnit[], around: { readonly before: number; readonly after: number }) => Promise<MemoryUnit[][]>;
}

/**
 * When a channel ranks, relative to the engine's other steps:
 * - `query`: from the query alone; its hits are candidates whose units are then read once;
 * - `units`: over the visible candidate units (e.g. recency);
 * - `fused`: from the first fusion's ranking; its items join and fusion runs again (e.g. context).
 */
export type ChannelStage = 'query' | 'units' | 'fused';

/**
 * A recall channel: one way of ranking memory units for a query. The engine runs every channel
 * whose effective weight is above 0, in its stage, and fuses their rankings by weighted RRF.
 *
 * Adding a channel: write one module exporting a `RecallChannel`, list it where the engine is
 * built (`BUILTIN_CHANNELS` or the composition root) and give it a weight in a preset.
 *
 * @typeParam Options - the channel's preset options (`RecallPreset.options[name]`), a JSON object.
 */
export interface RecallChannel<Options extends object = object> {
  /** Name in presets, request weights, `explain.channels` and timings: 1-32 lower-case letters, digits or `-`. */
  readonly name: string;
  /** One line for `GET /v1/recall/presets` readers and docs. */
  readonly description: string;
  readonly stage: ChannelStage;
  /**
   * Projections (read models) this channel reads: a recall with a consistency token waits until
   * each of them reached the token's position.
   */
  readonly readModels: readonly string[];
  /**
   * True when the channel matches a unit's own content (dense, lexical): a hit ranked by such a
   * channel without `expandedFrom` evidence is not shown as a neighbour's expansion.
   */
  readonly content?: boolean;
  /** True when the channel reads `plan.windows` (the engine then resolves the query's time expressions). */
  readonly usesTimeExpressions?: boolean;
  /**
   * True when the channel awaits {@link ChannelInput.embedQuery} (dense, temporal): the engine
   * then starts embedding the query before any channel of the stage runs, so an embedder that
   * computes elsewhere (a worker thread, an HTTP server) works while the channels that need no
   * vector (lexical, graph) run.
   */
  readonly usesQueryVector?: boolean;
  /** Default options; a preset's `options[name]` is merged over them. */
  readonly defaults: Options;
  /** Problems of options read from a preset file (pointers relative to the options object); absent: any object. */
  validateOptions?(value: unknown): OptionProblem[];
  /**
   * False when the channel has nothing to do for this plan (e.g. no time expression in the query,
   * no context seeds): `rank` (or `refine`) is then not called and no timing is reported.
   * Absent: always.
   */
  applies?(plan: RecallPlan, options: Options, step: 'rank' | 'refine'): boolean;
  /** Ranks candidates for the plan. Ids of units the request may not see are dropped by the engine. */
  rank(input: ChannelInput<Options>): Promise<ChannelResult>;
  /**
   * `query` channels only: re-ranks the channel's own result once the visible candidates are
   * known (e.g. lexical neighbour propagation). Its result replaces the one of `rank`.
   */
  refine?(input: ChannelInput<Options>, result: ChannelResult): Promise<ChannelResult>;
}

/** Channel names: what presets, weights and explain use as keys. */
export const CHANNEL_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
