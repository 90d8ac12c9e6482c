// Copied from libs/events/src/generated/api-types.ts by libs/client/scripts/generate-wire.ts. Do not edit.
import type { EventEnvelope, StoredEvent } from './types.js';

/**
 * Outcome of an append: where each event of the batch is stored, in input order, and a consistency token for read-your-writes queries.
 */
export interface AppendResponse {
  /**
   * One entry per submitted event, in input order.
   */
  results: AppendResultItem[];
  /**
   * Events written by this call.
   */
  appended: number;
  /**
   * Events already in the log (same idempotency key or id): nothing was written for them.
   */
  duplicates: number;
  /**
   * Opaque token encoding the highest log position of the batch in each partition. Pass it to a query to wait until the projections have applied these events.
   */
  consistencyToken: string;
}
export interface AppendResultItem {
  /**
   * Event id (assigned by the log when the client sent none).
   */
  id: string;
  tenantid: string;
  streamid: string;
  /**
   * Log partition holding the event.
   */
  partition: number;
  /**
   * 0-based position of the event in its partition.
   */
  offset: number;
  /**
   * 1-based position of the event in its stream.
   */
  streamposition: number;
  /**
   * True when the event was already stored; the position is the first append's.
   */
  duplicate: boolean;
}

/**
 * Answer of `GET /v1/tenants/{tenant}/entities/{id}/history`: every fact about a knowledge-graph entity added, supported, invalidated or ended, with valid and transaction times.
 */
export interface EntityHistory {
  tenantid: string;
  entity: HistoryEntity;
  entries: EntityHistoryEntry[];
}
export interface HistoryEntity {
  id: string;
  name: string;
  type: string;
  aliases: string[];
  recordedAt: string;
}
/**
 * One fact change of an entity's history.
 */
export interface EntityHistoryEntry {
  /**
   * 1-based, in transaction order.
   */
  version: number;
  kind: "fact_added" | "fact_supported" | "fact_invalidated" | "fact_ended";
  factId: string;
  subject: EntityRef;
  predicate: string;
  object: EntityRef;
  /**
   * World time (valid time): the interval the fact holds over.
   */
  validFrom: string | null;
  /**
   * Null: open.
   */
  validTo: string | null;
  /**
   * Transaction time of the change.
   */
  recordedAt: string;
  position: LogPosition;
  /**
   * The `facts.extracted` event behind the change.
   */
  eventId: string;
  /**
   * The event the facts were extracted from.
   */
  sourceEventId: string;
  /**
   * For `fact_invalidated`: the fact whose arrival invalidated this one.
   */
  byFactId: string | null;
}
export interface EntityRef {
  id: string;
  name: string;
}

/**
 * Body of `POST /v1/tenants/{tenant}/subjects/{subject}/erase` (may be absent). Unknown fields are refused.
 */
export interface ErasureRequest {
  /**
   * Why; recorded in `subject.erased`.
   */
  reason?: string;
  /**
   * Who asked for the erasure; default the authenticated caller.
   */
  requestedBy?: string;
}

/**
 * Answer of an erasure: the `subject.erased` event, the content keys destroyed and the memory units purged.
 */
export interface ErasureResponse {
  /**
   * Id of the `subject.erased` event.
   */
  eventId: string;
  /**
   * Content keys destroyed (crypto-shredding).
   */
  keysDestroyed: number;
  /**
   * Memory units whose content was purged; null when the projections were not awaited.
   */
  units: number | null;
}

/**
 * Body of an append: a CloudEvents JSON batch (media type application/cloudevents-batch+json), 1 to 1000 events. Each event's `data` must match the schema its `dataschema` names (the current version of its type when absent).
 *
 * @minItems 1
 * @maxItems 1000
 */
export type EventBatch = EventEnvelope[];

/**
 * Answer of `POST /v1/tenants/{tenant}/export`: where the signed export bundle was written on the server, its manifest, and the key to verify it with.
 */
export interface ExportResponse {
  /**
   * Directory the bundle was written to (on the server).
   */
  dir: string;
  manifest: ExportManifest;
  /**
   * Key id auditors verify with.
   */
  keyId: string;
  /**
   * SPKI PEM of that key.
   */
  publicKeyPem: string;
}
/**
 * `manifest.json` of the bundle.
 */
export interface ExportManifest {
  format: "memfabric-export/1";
  tenantid: string;
  createdat: string;
  /**
   * Offset of the last exported event (-1 when the tenant had none).
   */
  position: number;
  counts: {
    events: number;
    streams: number;
    checkpoints: number;
    [k: string]: unknown | undefined;
  };
  streams: {
    streamid: string;
    events: number;
    firstPosition: number;
    lastPosition: number;
    firstHash: string;
    lastHash: string;
    [k: string]: unknown | undefined;
  }[];
  /**
   * SHA-256 (64 hex) and size in bytes of each file of the bundle.
   */
  files: {
    [k: string]:
      | {
          sha256: string;
          bytes: number;
          [k: string]: unknown | undefined;
        }
      | undefined;
  };
  signing: {
    alg: "EdDSA";
    keyid: string;
    publicKeyPem: string;
    publicKeyJwk: {
      [k: string]: string | undefined;
    };
    [k: string]: unknown | undefined;
  };
  [k: string]: unknown | undefined;
}

/**
 * A passing health check. A failing one answers 503 with problem details.
 */
export interface HealthStatus {
  status: "ok";
}

/**
 * Where an event is stored in the log: its partition and 0-based offset there.
 */
export interface LogPosition {
  partition: number;
  offset: number;
}

/**
 * Answer of `GET /v1/tenants/{tenant}/memories/{id}/history`: every event that created, corrected, retracted, rolled back or erased a memory, oldest first, as versions with diffs.
 */
export interface MemoryHistory {
  tenantid: string;
  /**
   * The unit id asked for.
   */
  unitId: string;
  /**
   * Every unit of the memory's supersession chain, oldest first.
   */
  units: string[];
  current: MemorySnapshot;
  versions: MemoryVersion[];
  /**
   * Events aimed at the memory that the memory-unit rules refused (they made no version).
   */
  rejected: RejectedChange[];
  /**
   * Offset of the last event read: the history is complete up to this position.
   */
  throughOffset: number | null;
}
/**
 * The memory as one version shows it: its current unit (the head of the supersession chain) and that unit's fields. Content fields are null once erased.
 */
export interface MemorySnapshot {
  unitId: string;
  status: "active" | "superseded" | "retracted" | "rolled_back" | "erased";
  text: string | null;
  memorytype: string | null;
  memoryid: string | null;
  attributes: {
    [k: string]: unknown | undefined;
  } | null;
  confidence: number | null;
  validfrom: string | null;
  validto: string | null;
  speaker: string | null;
  sourceref: string | null;
  /**
   * Ids of the rollbacks holding the current unit (applied, not reverted).
   */
  rolledBackBy: string[];
}
/**
 * One version of a memory: the event that made it and the memory after it.
 */
export interface MemoryVersion {
  /**
   * 1-based version number.
   */
  version: number;
  eventId: string;
  /**
   * Event type (`memory.corrected`, `rollback.applied`, ...).
   */
  type: string;
  /**
   * What the event did to the memory.
   */
  change: "created" | "corrected" | "retracted" | "rolled_back" | "rollback_reverted" | "erased";
  position: LogPosition;
  /**
   * Transaction time of the event.
   */
  recordedAt: string;
  /**
   * World time of the event.
   */
  time: string;
  /**
   * Who wrote the event.
   */
  actor: string;
  /**
   * Units of the memory the event changed or created.
   */
  unitIds: string[];
  status: "active" | "superseded" | "retracted" | "rolled_back" | "erased";
  text: string | null;
  state: MemorySnapshot;
  /**
   * Fields that differ from the previous version (every non-null field for version 1).
   */
  diff: FieldChange[];
}
/**
 * One field that differs between consecutive versions.
 */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}
/**
 * An event aimed at the memory that the memory-unit rules refused.
 */
export interface RejectedChange {
  eventId: string;
  type: string;
  position: LogPosition;
  recordedAt: string;
  reason: string;
}

/**
 * Answer of `GET /v1/tenants/{tenant}/state`: the memory units and facts of a tenant as they stood at a log position or transaction time, folded from the log (never the live projections).
 */
export interface PointInTimeState {
  tenantid: string;
  /**
   * The stream asked for, else null.
   */
  streamid: string | null;
  /**
   * Offset of the last event of the tenant applied (null: the tenant had no event yet).
   */
  position: number | null;
  /**
   * Transaction time of that event.
   */
  recordedAt: string | null;
  /**
   * The requested point, echoed.
   */
  requested: {
    position: number | null;
    at: string | null;
  };
  /**
   * Events of the tenant folded.
   */
  eventsRead: number;
  /**
   * Memory units visible at the point, by creating position (superseded, retracted and rolled-back units are absent; erased units stay, without content).
   *
   * Items: A memory unit as the memory-unit read model holds it.
   */
  units: {
    [k: string]: unknown | undefined;
  }[];
  /**
   * Every unit known at the point by the status it had then (`total`, `active`, `superseded`, ...).
   */
  counts: {
    [k: string]: number | undefined;
  };
  /**
   * Rollbacks applied and not reverted at the point.
   */
  rollbacks: RollbackInForce[];
  /**
   * Entities of the tenant's knowledge graph at the point.
   */
  entities: {
    [k: string]: unknown | undefined;
  }[];
  /**
   * Facts known at the point, invalidated ones included.
   */
  facts: {
    [k: string]: unknown | undefined;
  }[];
}
export interface RollbackInForce {
  /**
   * Id of the `rollback.applied` event.
   */
  id: string;
  offset: number;
  unitIds: string[];
}

/**
 * An error response (RFC 9457 problem details, media type application/problem+json) with memfabric's extension members `code`, `retriable` and, for validation failures, `errors`.
 */
export interface ProblemDetails {
  /**
   * Problem type URI: `urn:memfabric:problem:<code>`.
   */
  type: string;
  /**
   * Short summary of the problem type; the same for every occurrence of a type.
   */
  title: string;
  /**
   * HTTP status code of this occurrence.
   */
  status: number;
  /**
   * What went wrong in this occurrence, in words.
   */
  detail?: string;
  /**
   * Path of the request that failed.
   */
  instance?: string;
  /**
   * Stable machine-readable error code, safe to switch on (for example `validation_failed`, `payload_too_large`, `not_found`, `idempotency_conflict`, `unavailable`, `internal`).
   */
  code: string;
  /**
   * True when the same request may succeed if retried later unchanged.
   */
  retriable: boolean;
  /**
   * Every bad field, for `validation_failed`. Pointers into the body are JSON Pointers (RFC 6901) relative to the body (`/0/data/content`); parameters are addressed as `/path/<name>`, `/query/<name>` or `/header/<name>`.
   */
  errors?: {
    pointer: string;
    detail: string;
  }[];
  [k: string]: unknown | undefined;
}

/**
 * @minItems 1
 * @maxItems 100
 */
export type ScopeValues = string[];

/**
 * Body of `POST /v1/recall`: one query over every retrieval channel, fused into one ranked list of memory units. Times are RFC 3339 instants, durations milliseconds. Unknown fields are refused.
 */
export interface RecallRequest {
  /**
   * Query text, 1 to 2000 characters (UTF-16 code units), not only whitespace.
   */
  query: string;
  scope: RecallScope;
  /**
   * Hits wanted.
   */
  k?: number;
  asOf?: AsOfInput;
  /**
   * World time: only what was true then (units whose world time is at or before it, facts valid then).
   */
  validAt?: string;
  /**
   * Reference time against which the query's time expressions ("last week", "in May") resolve; default now.
   */
  referenceTime?: string;
  /**
   * A consistency token a write returned (`mf1.…`): wait until every channel's projection has reached it.
   */
  consistencyToken?: string;
  /**
   * How long to wait for the consistency token, ms.
   */
  consistencyTimeoutMs?: number;
  /**
   * Name of a fusion preset (`GET /v1/recall/presets` lists them); an unknown name answers 404.
   */
  preset?: string;
  weights?: ChannelWeights;
  /**
   * MMR trade-off λ overriding the preset's (1 = relevance only); null disables MMR.
   */
  mmrLambda?: number | null;
  /**
   * Who asks (agent, user or service principal), recorded in the query log as a label after the authenticated principal.
   */
  caller?: string;
}
/**
 * Who may see what: a recall reads exactly one tenant, optionally narrowed. `agents` and `actors` are combined: a unit matches when its actor is in either list.
 */
export interface RecallScope {
  /**
   * Tenant id: 1-64 characters of letters, digits, '.', '_' or '-'.
   */
  tenant: string;
  agents?: ScopeValues;
  streams?: ScopeValues;
  actors?: ScopeValues;
}
/**
 * Transaction time: recall as the fabric knew things then. Exactly one of `position` (a log offset of the embedded log's single partition, inclusive) and `time` (resolved to the last event recorded at or before it).
 */
export interface AsOfInput {
  /**
   * Log offset, inclusive.
   */
  position?: number;
  /**
   * Transaction time.
   */
  time?: string;
}
/**
 * Per-channel weights of the weighted RRF, overriding the preset's, keyed by channel name (built in: dense, lexical, graph, temporal, recency, context, speaker, session-spread; an engine built with more channels knows their names too). A channel with weight 0 does not run.
 */
export interface ChannelWeights {
  [k: string]: number | undefined;
}

/**
 * Answer of `POST /v1/recall`: the hits, best first, each explained; the preset and weights used; whether the consistency token held; the time bounds applied; the latency.
 */
export interface RecallResponse {
  hits: RecallHit[];
  /**
   * Preset used.
   */
  preset: string;
  /**
   * The effective channel weights (the preset's, overridden by the request's).
   */
  weights: {
    [k: string]: number | undefined;
  };
  consistency: ConsistencyReport;
  /**
   * The transaction-time bound applied, as a log offset (inclusive), when `asOf` was given (-1: before the first event, nothing is visible); else null.
   */
  asOfPosition: number | null;
  /**
   * The world-time bound applied, when `validAt` was given.
   */
  validAt: string | null;
  /**
   * Time expressions of the query (temporal channel) and the windows they resolved to.
   */
  timeExpressions: ResolvedTimeExpression[];
  timings: RecallTimings;
  /**
   * Id of the query-log row of this recall (the read audit).
   */
  queryId: string;
}
/**
 * One recalled memory unit.
 */
export interface RecallHit {
  /**
   * 1-based rank in the answer.
   */
  rank: number;
  /**
   * Memory unit id (the id of the event that created it).
   */
  unitId: string;
  text: string;
  tenant: string;
  stream: string;
  actor: string;
  /**
   * Display name of the speaker, when the event named one.
   */
  speaker: string | null;
  /**
   * `interaction` or the asserted memory type.
   */
  memoryType: string | null;
  /**
   * World time of the unit.
   */
  time: string;
  /**
   * Validity interval of an asserted memory, else null.
   */
  validFrom: string | null;
  validTo: string | null;
  /**
   * Transaction time.
   */
  recordedAt: string;
  /**
   * Log position of the creating event.
   */
  position: LogPosition;
  /**
   * Reference in the source system (`data.sourceref`, else the event subject).
   */
  sourceRef: string | null;
  /**
   * Fused score: the weighted RRF sum (larger is better).
   */
  score: number;
  explain: RecallExplain;
}
/**
 * Why a hit is where it is.
 */
export interface RecallExplain {
  /**
   * Every channel that ranked the hit, by name.
   */
  channels: {
    [k: string]: ChannelEvidence | undefined;
  };
  /**
   * Graph channel: the entities of the query that led here (display names).
   */
  entities?: string[];
  /**
   * Context channel or lexical propagation: the unit whose neighbour this hit is, when no channel found the hit by its own content.
   */
  expandedFrom?: string;
  /**
   * Ids of the events the hit derives from: the creating event, the correction chain, the `facts.extracted` events used.
   */
  events: string[];
  /**
   * MMR: the fused rank before diversification, when MMR reordered the list.
   */
  fusedRank?: number;
}
/**
 * How one channel ranked a hit.
 */
export interface ChannelEvidence {
  /**
   * 1-based rank in that channel's list.
   */
  rank: number;
  /**
   * The channel's own score (cosine, BM25, graph weight, ...); comparable within one channel and query only.
   */
  score: number;
  /**
   * The channel's weight in the fusion.
   */
  weight: number;
  /**
   * What this channel contributed to the fused score: `weight / (rrfK + rank)`.
   */
  contribution: number;
}
/**
 * What the consistency token asked for and whether it held.
 */
export interface ConsistencyReport {
  /**
   * The token was given.
   */
  requested: boolean;
  /**
   * Every projection used had reached the token's position before the channels ran.
   */
  reached: boolean;
  /**
   * How long the recall waited, ms.
   */
  waitedMs: number;
  /**
   * Projections still behind when the wait ended (empty when reached).
   */
  behind: string[];
}
/**
 * A time expression found in the query and the world-time window it resolved to.
 */
export interface ResolvedTimeExpression {
  text: string;
  /**
   * Inclusive start.
   */
  from: string;
  /**
   * Exclusive end.
   */
  to: string;
}
/**
 * Latency, ms: total and per channel that ran.
 */
export interface RecallTimings {
  totalMs: number;
  channels: {
    [k: string]: number | undefined;
  };
}

/**
 * Body of `POST /v1/tenants/{tenant}/rollbacks`: which memory units to hide from recall, and why. The body may be absent (an empty filter covers the whole tenant). Unknown fields are refused.
 */
export interface RollbackRequest {
  filter?: RollbackRequestFilter;
  /**
   * Why; recorded in `rollback.applied`.
   */
  reason?: string;
  /**
   * List what would disappear from recall without appending anything (also `?dryRun=true`).
   */
  dryRun?: boolean;
}
/**
 * Which units to hide: those whose creating event matches every field given. The tenant comes from the path (`tenantid` may repeat it). World time [`from`, `to`).
 */
export interface RollbackRequestFilter {
  tenantid?: string;
  actor?: string;
  streamid?: string;
  /**
   * Inclusive lower bound on world time.
   */
  from?: string;
  /**
   * Exclusive upper bound on world time.
   */
  to?: string;
  /**
   * The ingest batch id (`memfabric-batch-id` of the append).
   */
  batchid?: string;
}

/**
 * Answer of `POST /v1/tenants/{tenant}/rollbacks`: what the rollback hid (200 on a dry run: what it would hide; 201 when applied).
 */
export interface RollbackResponse {
  dryRun: boolean;
  /**
   * Id of the `rollback.applied` event (revert it with `POST /v1/rollbacks/{id}/revert`); absent on a dry run.
   */
  rollbackId?: string;
  /**
   * Where the `rollback.applied` event is stored; absent on a dry run.
   */
  position?: LogPosition;
  /**
   * The filter as recorded, with the tenant of the path.
   */
  filter: {
    tenantid: string;
    actor?: string;
    streamid?: string;
    /**
     * Inclusive lower bound on world time.
     */
    from?: string;
    /**
     * Exclusive upper bound on world time.
     */
    to?: string;
    batchid?: string;
  };
  /**
   * Highest log offset covered (-1: the log was empty).
   */
  uptoposition: number;
  /**
   * Number of memory units that disappear from recall.
   */
  units: number;
  /**
   * Their ids, in log order.
   */
  ids: string[];
}

/**
 * Body of `POST /v1/rollbacks/{id}/revert` (may be absent). Unknown fields are refused.
 */
export interface RollbackRevertRequest {
  /**
   * Why; recorded in `rollback.reverted`.
   */
  reason?: string;
}

/**
 * Answer of `POST /v1/rollbacks/{id}/revert`: the units the rollback hid count again.
 */
export interface RollbackRevertResponse {
  /**
   * Id of the `rollback.applied` event.
   */
  rollbackId: string;
  /**
   * Id of the `rollback.reverted` event (the earlier one when already reverted).
   */
  revertEventId: string;
  /**
   * True when the rollback had been reverted before (nothing appended).
   */
  alreadyReverted: boolean;
}

/**
 * One page of a stream's events in stream order.
 */
export interface StreamPage {
  events: StoredEvent[];
  /**
   * Stream position to pass as `from` for the next page; absent when this page reaches the end of the stream.
   */
  next?: number;
}

/** Every API body type by its schema title (the key of `apiSchemas`). */
export interface ApiBodies {
  AppendResponse: AppendResponse;
  EntityHistory: EntityHistory;
  ErasureRequest: ErasureRequest;
  ErasureResponse: ErasureResponse;
  EventBatch: EventBatch;
  ExportResponse: ExportResponse;
  HealthStatus: HealthStatus;
  LogPosition: LogPosition;
  MemoryHistory: MemoryHistory;
  PointInTimeState: PointInTimeState;
  ProblemDetails: ProblemDetails;
  RecallRequest: RecallRequest;
  RecallResponse: RecallResponse;
  RollbackRequest: RollbackRequest;
  RollbackResponse: RollbackResponse;
  RollbackRevertRequest: RollbackRevertRequest;
  RollbackRevertResponse: RollbackRevertResponse;
  StreamPage: StreamPage;
}
