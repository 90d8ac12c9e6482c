/**
 * Shapes of a recall: one query over every retrieval channel, fused into one ranked list of
 * memory units, each hit explained. The REST API (`POST /v1/recall`), the TypeScript client,
 * the MCP server and `memfabric recall` all speak exactly these shapes.
 *
 * Times on the wire are RFC 3339 strings; durations are milliseconds.
 */

/**
 * Name of a retrieval channel (see `RecallChannel`): the built-in ones are
 * {@link CHANNEL_NAMES}; an engine built with more channels knows their names too.
 */
export type ChannelName = string;

/** Names of the built-in channels (`BUILTIN_CHANNELS`), in the order they run. */
export const CHANNEL_NAMES: readonly ChannelName[] = ['dense', 'lexical', 'graph', 'temporal', 'recency', 'context'];

/** Per-channel weights of the weighted RRF; a channel with weight 0 (or absent) does not run. */
export type ChannelWeights = Partial<Record<ChannelName, number>>;

/** Who may see what: a recall reads exactly one tenant, optionally narrowed. */
export interface RecallScope {
  /** Tenant (required); nothing of another tenant is ever read. */
  readonly tenant: string;
  /**
   * Agents whose memory to search. An agent is the `actor` that wrote an event (the envelope's
   * `actor`: a user, an agent or a tool), so this narrows like `actors`; both may be given and
   * are combined (a unit matches when its actor is in either list).
   */
  readonly agents?: readonly string[];
  /** Only these streams (agent sessions / conversations). */
  readonly streams?: readonly string[];
  /** Only units written by these actors. */
  readonly actors?: readonly string[];
}

/**
 * A transaction-time bound: what the fabric knew then. Either a log position (offset of the
 * embedded log's single partition, inclusive) or an RFC 3339 time, resolved to the last event
 * recorded at or before it.
 */
export type AsOfInput = { readonly position: number } | { readonly time: string };

/** One recall request. Limits: see {@link RECALL_LIMITS}. */
export interface RecallRequest {
  /** Query text, 1..{@link RECALL_LIMITS}.maxQueryChars characters. */
  readonly query: string;
  readonly scope: RecallScope;
  /** Hits wanted, 1..{@link RECALL_LIMITS}.maxK; default 10. */
  readonly k?: number;
  /** Transaction time: recall as the fabric knew things then. */
  readonly asOf?: AsOfInput;
  /** World time (RFC 3339): only what was true then (units whose world time is at or before it, facts valid then). */
  readonly validAt?: string;
  /**
   * Reference time (RFC 3339) against which the query's time expressions ("last week",
   * "in May") resolve; default: now.
   */
  readonly referenceTime?: string;
  /** A consistency token a write returned (`mf1.…`): wait until every channel's projection has reached it. */
  readonly consistencyToken?: string;
  /** How long to wait for the consistency token, ms; default 2000, at most 30 000. */
  readonly consistencyTimeoutMs?: number;
  /** Name of a preset (see {@link RecallPreset}); default `hybrid-rrf`. */
  readonly preset?: string;
  /** Per-channel weights overriding the preset's. */
  readonly weights?: ChannelWeights;
  /** MMR trade-off λ in [0, 1] overriding the preset's (1 = relevance only); `null` disables MMR. */
  readonly mmrLambda?: number | null;
  /** Who asks (agent, user or service principal), recorded in the query log; default `anonymous`. */
  readonly caller?: string;
}

/** How one channel ranked a hit. */
export interface ChannelEvidence {
  /** 1-based rank in that channel's list. */
  readonly rank: number;
  /** The channel's own score (cosine, BM25, graph weight, ...); comparable within one channel and query only. */
  readonly score: number;
  /** The channel's weight in the fusion. */
  readonly weight: number;
  /** What this channel contributed to the fused score: `weight / (rrfK + rank)`. */
  readonly contribution: number;
}

/** Why a hit is where it is. */
export interface RecallExplain {
  /** Every channel that ranked the hit. */
  readonly channels: Readonly<Record<ChannelName, ChannelEvidence>>;
  /** Graph channel: the entities of the query that led here (display names). */
  readonly entities?: readonly string[];
  /**
   * Context channel or lexical propagation: the unit whose neighbour this hit is, when no
   * channel found the hit by its own content (no dense rank, no BM25 of its own).
   */
  readonly expandedFrom?: string;
  /** Ids of the events the hit derives from: the creating event, the correction chain, the `facts.extracted` events used. */
  readonly events: readonly string[];
  /** MMR: the fused rank before diversification, when MMR reordered the list. */
  readonly fusedRank?: number;
}

/** One recalled memory unit. */
export interface RecallHit {
  /** 1-based rank in the answer. */
  readonly rank: number;
  /** Memory unit id (the id of the event that created it). */
  readonly unitId: string;
  readonly text: string;
  readonly tenant: string;
  readonly stream: string;
  readonly actor: string;
  /** Display name of the speaker, when the event named one. */
  readonly speaker: string | null;
  /** `interaction` or the asserted memory type. */
  readonly memoryType: string | null;
  /** World time of the unit (RFC 3339). */
  readonly time: string;
  /** Validity interval of an asserted memory (RFC 3339), else null. */
  readonly validFrom: string | null;
  readonly validTo: string | null;
  /** Transaction time (RFC 3339). */
  readonly recordedAt: string;
  /** Log position of the creating event. */
  readonly position: { readonly partition: number; readonly offset: number };
  /** Reference in the source system (`data.sourceref`, else the event subject). */
  readonly sourceRef: string | null;
  /** Fused score: the weighted RRF sum (larger is better). */
  readonly score: number;
  readonly explain: RecallExplain;
}

/** What the consistency token asked for and whether it held. */
export interface ConsistencyReport {
  /** The token was given. */
  readonly requested: boolean;
  /** Every projection used had reached the token's position before the channels ran. */
  readonly reached: boolean;
  /** How long the recall waited, ms. */
  readonly waitedMs: number;
  /** Projections still behind when the wait ended (empty when reached). */
  readonly behind: readonly string[];
}

/** A time expression found in the query and the world-time window it resolved to. */
export interface ResolvedTimeExpression {
  readonly text: string;
  /** Inclusive start, RFC 3339. */
  readonly from: string;
  /** Exclusive end, RFC 3339. */
  readonly to: string;
}

/** The answer to a {@link RecallRequest}. */
export interface RecallResponse {
  readonly hits: readonly RecallHit[];
  /** Preset used and the effective weights. */
  readonly preset: string;
  readonly weights: ChannelWeights;
  readonly consistency: ConsistencyReport;
  /** The transaction-time bound applied, as a log position (inclusive), when `asOf` was given. */
  readonly asOfPosition: number | null;
  readonly validAt: string | null;
  /** Time expressions of the query (temporal channel). */
  readonly timeExpressions: readonly ResolvedTimeExpression[];
  /** Latency, ms: total and per channel that ran. */
  readonly timings: { readonly totalMs: number; readonly channels: Partial<Record<ChannelName, number>> };
  /** Id of the query-log row of this recall. */
  readonly queryId: string;
}

/** Explicit limits of a recall request. */
export const RECALL_LIMITS = {
  /** Longest query text, characters (UTF-16 code units). */
  maxQueryChars: 2000,
  /** Largest `k`. */
  maxK: 100,
  defaultK: 10,
  /** Most streams / actors / agents in a scope filter. */
  maxScopeValues: 100,
  defaultConsistencyTimeoutMs: 2000,
  maxConsistencyTimeoutMs: 30_000,
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
