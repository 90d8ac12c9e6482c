/**
 * Shapes shared by the vector and lexical projections: one point per memory unit (the unit id
 * is the id of the event that produced it), with its tenant, stream, actor, bi-temporal times,
 * log position, status and text.
 */

/**
 * Lifecycle of a memory unit. Only `active` units surface by default; the others stay in the
 * index (history is never deleted) and can be asked for explicitly, for example by an audit
 * query or a point-in-time view.
 * - `superseded`: a later `memory.corrected` replaced it;
 * - `retracted`: a `memory.retracted` withdrew it;
 * - `rolled_back`: a `rollback.applied` filter covers it (a `rollback.reverted` sets it back);
 * - `erased`: its data subject was erased (its text is purged from the index).
 */
export type UnitStatus = 'active' | 'superseded' | 'retracted' | 'rolled_back' | 'erased';

/** Every {@link UnitStatus}, in a stable order. */
export const UNIT_STATUSES: readonly UnitStatus[] = ['active', 'superseded', 'retracted', 'rolled_back', 'erased'];

/** The statuses a search returns when its filter names none. */
export const DEFAULT_STATUSES: readonly UnitStatus[] = ['active'];

/** What the index keeps about one memory unit besides its vector. */
export interface UnitPayload {
  /** Unit id: the id (UUID) of the event the unit comes from. Unique within a tenant. */
  readonly id: string;
  /** Tenant; every read and write is scoped to exactly one tenant. */
  readonly tenant: string;
  /** Stream (agent session / conversation) the unit belongs to. */
  readonly stream: string;
  /** Who wrote it (user, agent, tool). */
  readonly actor: string;
  /** World time (valid time): when the interaction happened, in integer ms since the Unix epoch. */
  readonly worldTime: number;
  /** Transaction time: when the log recorded the event (`recordedat`), in integer ms since the Unix epoch. */
  readonly txTime: number;
  /** Log position (offset) of the event that created the unit; `asOf` queries filter on it. */
  readonly offset: number;
  readonly status: UnitStatus;
  /** The unit's text (what was embedded). */
  readonly text: string;
}

/** A dense point: a unit with its embedding. */
export interface VectorPoint extends UnitPayload {
  /** Embedding, `dimension` floats of the index's model. Normalised to unit L2 length on write. */
  readonly vector: Float32Array;
  /** Id of the embedding model that produced `vector`; must equal the index's model id. */
  readonly modelId: string;
}

/** A lexical document: a unit without a vector (a {@link VectorPoint} is also a valid document). */
export type LexicalDoc = UnitPayload;

/** An inclusive time range in integer ms since the Unix epoch; a missing bound is open. */
export interface TimeRange {
  readonly from?: number;
  readonly to?: number;
}

/** Restricts a search to part of a tenant's units. All given conditions must hold. */
export interface SearchFilter {
  /** Only these streams. */
  readonly streams?: readonly string[];
  /** Only these actors. */
  readonly actors?: readonly string[];
  /** Only these statuses; default {@link DEFAULT_STATUSES} (`active` only). Must not be empty. */
  readonly statuses?: readonly UnitStatus[];
  /** World time within this inclusive range (`from <= worldTime <= to`), in ms. */
  readonly worldTime?: TimeRange;
  /** Transaction time within this inclusive range, in ms. */
  readonly txTime?: TimeRange;
  /** Only units created at or below this log offset: what the fabric knew as of that position. */
  readonly maxOffset?: number;
}

/** The embedding model an index holds vectors of. */
export interface EmbeddingModelRef {
  /** Stable model id, e.g. `use-lite-512` or `openai:text-embedding-3-small`. */
  readonly id: string;
  /** Number of floats per vector (512 for Universal Sentence Encoder lite). */
  readonly dimension: number;
}

/** A nearest-neighbour query. */
export interface VectorQuery {
  readonly tenant: string;
  /** Query embedding of the index's model and dimension (normalised by the index). */
  readonly vector: Float32Array;
  /** Number of hits wanted, 1..{@link MAX_K}. */
  readonly k: number;
  readonly filter?: SearchFilter;
  /** When given, must equal the index's model id (guards against embedding the query with another model). */
  readonly modelId?: string;
}

/** A full-text query ranked by BM25. */
export interface LexicalQuery {
  readonly tenant: string;
  /** Free text; it is tokenised like the documents (no query syntax is interpreted). */
  readonly text: string;
  /** Number of hits wanted, 1..{@link MAX_K}. */
  readonly k: number;
  readonly filter?: SearchFilter;
}

/** One ranked hit. */
export interface SearchHit {
  /** Unit id. */
  readonly id: string;
  /**
   * Dense search: cosine similarity in [-1, 1]. Lexical search: BM25 score (> 0, larger is
   * better; comparable within one query and one adapter only).
   */
  readonly score: number;
  /** 1-based position in the result list. */
  readonly rank: number;
}

/** Largest `k` a search accepts. */
export const MAX_K = 1000;
