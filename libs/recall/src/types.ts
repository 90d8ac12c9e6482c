import { apiSchemas, type ChannelWeights, type RecallRequest, type RecallResponse } from '@memfabric/events';
import type { LearnedFusionModel } from './learned-fusion.js';

/**
 * Shapes of a recall: one query over every retrieval channel, fused into one ranked list of
 * memory units, each hit explained. The wire shapes are the `RecallRequest` and
 * `RecallResponse` schemas of `schemas/api` (their types generated into `@memfabric/events`);
 * the REST API (`POST /v1/recall`), the TypeScript client, the MCP server and
 * `memfabric recall` all speak exactly these. This file adds what only the engine knows:
 * channel names, limits, presets and the use case.
 *
 * Times on the wire are RFC 3339 strings; durations are milliseconds.
 */
export type {
  AsOfInput,
  ChannelEvidence,
  ChannelWeights,
  ConsistencyReport,
  RecallExplain,
  RecallHit,
  RecallRequest,
  RecallResponse,
  RecallScope,
  ResolvedTimeExpression,
} from '@memfabric/events';

/**
 * Name of a retrieval channel (see `RecallChannel`): the built-in ones are
 * {@link CHANNEL_NAMES}; an engine built with more channels knows their names too.
 */
export type ChannelName = string;

/** Names of the built-in channels (`BUILTIN_CHANNELS`), in the order they run. */
export const CHANNEL_NAMES: readonly ChannelName[] = ['dense', 'lexical', 'graph', 'temporal', 'recency', 'context', 'speaker', 'session-spread'];

const request = apiSchemas.RecallRequest;

/** Explicit limits of a recall request, as the `RecallRequest` schema states them. */
export const RECALL_LIMITS = {
  /** Longest query text, characters (UTF-16 code units). */
  maxQueryChars: request.properties.query.maxLength,
  /** Largest `k`. */
  maxK: request.properties.k.maximum,
  defaultK: request.properties.k.default,
  /** Most streams / actors / agents in a scope filter. */
  maxScopeValues: request.$defs.scopeValues.maxItems,
  defaultConsistencyTimeoutMs: request.properties.consistencyTimeoutMs.default,
  maxConsistencyTimeoutMs: request.properties.consistencyTimeoutMs.maximum,
} as const;

/**
 * A named fusion configuration, kept as data so evaluations can compare several in one run.
 * Source of the fusion: Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms
 * Condorcet and individual Rank Learning Methods", SIGIR 2009 (k = 60); MMR: Carbonell &
 * Goldstein, "The Use of MMR, Diversity-Based Reranking", SIGIR 1998.
 */
export interface RecallPreset {
  readonly name: string;
  readonly description: string;
  /** Channel weights; channels absent or 0 do not run. */
  readonly weights: ChannelWeights;
  /** RRF constant k (default 60). */
  readonly rrfK: number;
  /** MMR λ, or null for no diversification. */
  readonly mmrLambda: number | null;
  /** Candidates each channel returns before fusion (≥ k). */
  readonly candidates: number;
  /**
   * Options of the channels, keyed by channel name, merged over each channel's defaults (for
   * example `lexical: { propagation }`, `graph: { hops }`, `context: { seeds, before, after }`;
   * see each channel's options type).
   */
  readonly options: Readonly<Record<ChannelName, object>>;
  /**
   * How the channel rankings are fused: absent, weighted RRF alone; `learned`, weighted RRF then
   * the model re-orders its first `model.pool` candidates (see `learnedFusion`). MMR, when set,
   * runs on the result.
   */
  readonly fusion?: PresetFusion;
}

/** A preset's fusion beyond weighted RRF: a learned re-ordering of the RRF candidates. */
export interface PresetFusion {
  readonly kind: 'learned';
  /** The weights file's content (checked by `parseLearnedFusionModel`). */
  readonly model: LearnedFusionModel;
}

/** The recall use case, as the gateway, the CLI, the MCP server and the evaluation call it. */
export interface Recaller {
  /**
   * Runs one recall.
   * @throws ValidationError naming every bad field (`/query`, `/k`, `/scope/tenant`, `/asOf`, ...).
   * @throws NotFoundError for an unknown preset.
   * @throws UnavailableError when a read model has no active generation yet (retriable).
   */
  recall(request: RecallRequest): Promise<RecallResponse>;
  /** The presets this recaller knows, by name. */
  presets(): readonly RecallPreset[];
}
