import type { QueryLogRow } from '@memfabric/analytics';
import type { Embedder } from '@memfabric/embeddings';
import type { Checkpoint } from '@memfabric/event-log';
import type { GraphStore } from '@memfabric/graph-store';
import type { MemoryUnitStore } from '@memfabric/projections';
import type { LexicalQuery, SearchHit, VectorQuery } from '@memfabric/vector-index';
import type { ChannelName } from './types.js';

/** What waiting for a consistency token found. */
export interface ConsistencyWait {
  /** Every projection named had reached the checkpoint. */
  readonly reached: boolean;
  /** Projections still behind when the wait ended. */
  readonly behind: readonly string[];
}

/**
 * What the recall engine reads, whichever backend serves it: the embedded stack (SQLite rows,
 * usearch HNSW, FTS5, SQLite graph, chDB) or the cluster one (Qdrant, Neo4j, ClickHouse). Each
 * read is scoped to one tenant; the engine never reads more than one tenant per recall.
 */
export interface RecallBackend {
  /** Embeds the query for the dense and temporal channels (the model the vector projection used). */
  readonly embedder: Embedder;
  /** Nearest units of a tenant (the vector projection's read side). */
  dense(query: VectorQuery): Promise<SearchHit[]>;
  /** BM25 matches of a tenant (the lexical projection's read side). */
  lexical(query: LexicalQuery): Promise<SearchHit[]>;
  /**
   * The temporal knowledge graph's read side, or `undefined` while the graph projection has no
   * active generation (the graph channel then returns nothing).
   */
  graph(): Pick<GraphStore, 'entitiesByName' | 'neighbours' | 'mentionsOf'> | undefined;
  /** The memory-unit read model: the authority on a unit's status, text and times. */
  readonly units: Pick<MemoryUnitStore, 'getUnits' | 'streamNeighbourhoods'>;
  /**
   * The last log position (offset of the single partition, inclusive) whose transaction time is
   * at or before `timeMs`, or `undefined` when no event was recorded by then.
   */
  positionAt(timeMs: number): Promise<number | undefined>;
  /**
   * Waits until every projection in `projections` has committed a checkpoint at or past
   * `checkpoint` (next offset per partition), at most `timeoutMs` ms.
   */
  waitFor(checkpoint: Checkpoint, projections: readonly string[], timeoutMs: number): Promise<ConsistencyWait>;
  /** The projections a channel reads (for the consistency wait). */
  projectionsOf(channel: ChannelName): readonly string[];
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
