import type { QueryLogRow } from '@memfabric/analytics';
import type { Embedder } from '@memfabric/embeddings';
import type { Checkpoint } from '@memfabric/event-log';
import type { GraphStore } from '@memfabric/graph-store';
import type { MemoryUnitStore } from '@memfabric/projections';
import type { LexicalIndex, VectorIndex } from '@memfabric/vector-index';

/** What waiting for a consistency token found. */
export interface ConsistencyWait {
  /** Every projection named had reached the checkpoint. */
  readonly reached: boolean;
  /** Projections still behind when the wait ended. */
  readonly behind: readonly string[];
}

/** The graph reads the graph channel makes. */
export type GraphReader = Pick<GraphStore, 'entitiesByName' | 'neighbours' | 'mentionsOf'>;

/** How far the read models got: what the consistency wait polls. */
export interface ReadModelProgress {
  /** Projections this fabric runs; a channel's read model that is not among them is not waited for. */
  readonly names: readonly string[];
  /**
   * True when the active generation of `projection` has processed every event before
   * `checkpoint` (next offset per partition).
   */
  reached(projection: string, checkpoint: Checkpoint): Promise<boolean>;
}

/**
 * The read models a recall reads, as ports, whichever stores serve them: the embedded stack
 * (SQLite rows, usearch HNSW, FTS5, SQLite graph, chDB), the in-memory doubles of the tests, or
 * the cluster's (Qdrant, Neo4j, ClickHouse). Every read carries one tenant; the engine never
 * reads more than one tenant per recall. Accessors return `undefined` while the read model has
 * no active generation (its channel then ranks nothing); they are called once per recall, so a
 * rebuild that switches generations is seen by the next recall.
 */
export interface RecallBackend {
  /** Embeds the query for the dense and temporal channels (the model the vector projection used). */
  readonly embedder: Embedder;
  /** The dense index of the active vector generation. */
  vectors(): Pick<VectorIndex, 'search'> | undefined;
  /** The BM25 index of the active vector generation (same documents as {@link vectors}). */
  lexical(): Pick<LexicalIndex, 'search'> | undefined;
  /** The temporal knowledge graph's active generation. */
  graph(): GraphReader | undefined;
  /** The memory-unit read model: the authority on a unit's status, text and times. */
  readonly units: Pick<MemoryUnitStore, 'getUnits' | 'streamNeighbourhoods'>;
  /**
   * The last log position (offset, inclusive) whose transaction time is at or before `timeMs`,
   * or `undefined` when no event was recorded by then (the event log's `positionAt`).
   */
  positionAt(timeMs: number): Promise<number | undefined>;
  /** Checkpoints of the projections, for the consistency wait. */
  readonly progress: ReadModelProgress;
  /** Records one answered recall in the analytics query log (may buffer; must not throw). */
  logQuery(row: QueryLogRow): void;
}

/** Clock and identifiers the engine needs, injectable for tests. */
export interface RecallRuntime {
  /** Now, in ms since the epoch. */
  now(): number;
  /** A monotonic clock in ms (for latencies). */
  monotonic(): number;
  /** A new unique id (UUID) for the query-log row. */
  newId(): string;
}
