import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Embedder } from '@memfabric/embeddings';
import { MEMORY_UNITS_PROJECTION, type MemoryUnitStore, type UnitDecisionSource } from '@memfabric/projections';
import type { SqliteProjectionHandler } from '@memfabric/projections-sqlite';
import { SqliteLexicalIndex, SqliteVectorIndex } from '@memfabric/vector-index-hnsw';
import { planVectorBatch, VECTOR_PROJECTION, VECTOR_PROJECTION_VERSION, vectorAccepts, writesFor, type VectorBatch, type VectorWrite } from './vector-writes.js';

/** The dense and lexical indexes of one generation. */
export interface GenerationIndexes {
  readonly vectors: SqliteVectorIndex;
  readonly lexical: SqliteLexicalIndex;
}

/** Options of {@link sqliteVectorProjection}. */
export interface SqliteVectorProjectionOptions {
  /** Directory of a generation's HNSW cache files, e.g. `<dataDir>/vectors-g<N>`. */
  readonly indexDir: (generation: number) => string;
  /** The memory-unit decisions (`SqliteUnitDecisions` over the same file). */
  readonly decisions: UnitDecisionSource;
  /** The memory-unit view (`SqliteMemoryUnitStore`). */
  readonly units: Pick<MemoryUnitStore, 'getUnits'>;
  /**
   * The database the runtime writes the generations to (the log's file). Needed when the
   * embedder can forget (`Embedder.forget`, a persistent embedding cache): an erasure's points
   * are read from it in `prepare` and their texts forgotten before the batch is written.
   */
  readonly database?: Database.Database;
}

/** The SQLite vector projection and access to its per-generation indexes. */
export interface SqliteVectorProjection {
  readonly handler: SqliteProjectionHandler<VectorBatch>;
  /** The indexes of a generation over `db` (opened on first use). */
  indexes(db: Database.Database, generation: number): GenerationIndexes;
  /** Writes every open generation's HNSW cache files (call before closing). */
  saveIndexFiles(): void;
}

/**
 * The vector + lexical read model on the embedded stack: one point per memory unit (unit id =
 * event id) with its embedding in the dense index (rows in SQLite, usearch HNSW files beside it
 * as a cache re-synchronised on open) and its speaker-keyed text in the SQLite FTS5 index
 * (BM25). What to write comes from the memory-unit decisions ({@link planVectorBatch}, in
 * `prepare`, with the embeddings); the rows are written in `apply`, inside the runtime's
 * transaction, with the checkpoint. Searches return `active` points by default; an erasure
 * deletes the subject's points and lexical documents for good (the FTS5 index is merged so the
 * words leave the file), and with `options.database` an embedder that can forget (a persistent
 * embedding cache) drops the vectors of the erased points' texts first.
 *
 * The embedding model id is recorded in the index: opening it with another model fails, so a
 * model change means `memfabric rebuild --projection vectors`.
 */
export function sqliteVectorProjection(embedder: Embedder, options: SqliteVectorProjectionOptions): SqliteVectorProjection {
  const open = new Map<number, GenerationIndexes & { db: Database.Database }>();
  const model = { id: embedder.modelId, dimension: embedder.dimensions };
  const openGeneration = (db: Database.Database, generation: number) => {
    const existing = open.get(generation);
    if (existing && existing.db === db) return existing;
    const created = {
      db,
      vectors: SqliteVectorIndex.open({ database: db, model, tablePrefix: `vec_g${generation}`, indexDir: options.indexDir(generation) }),
      lexical: SqliteLexicalIndex.open({ database: db, tablePrefix: `lex_g${generation}` }),
    };
    open.set(generation, created);
    return created;
  };
  const handler: SqliteProjectionHandler<VectorBatch> = {
    name: VECTOR_PROJECTION,
    version: VECTOR_PROJECTION_VERSION,
    kind: 'read-model',
    description: `memory units -> dense (${embedder.modelId}, HNSW) and lexical (FTS5 BM25) indexes, statuses from the memory-unit decisions`,
    accepts: vectorAccepts,
    // reads the memory-unit decisions of every event it is handed
    upstream: [MEMORY_UNITS_PROJECTION],
    createSchema: (db, generation) => {
      openGeneration(db, generation);
    },
    dropSchema: (db, generation) => {
      open.delete(generation);
      const tables = db
        .prepare<[string, string], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')")
        .all(`vec\\_g${generation}\\_%`, `lex\\_g${generation}\\_%`);
      // FTS5 shadow tables go with their virtual table: drop virtual tables first.
      for (const { name } of tables.sort((a, b) => Number(b.name.endsWith('_fts')) - Number(a.name.endsWith('_fts')))) {
        db.exec(`DROP TABLE IF EXISTS "${name}"`);
      }
      rmSync(options.indexDir(generation), { recursive: true, force: true });
    },
    prepare: (events, context) => {
      const database = options.database;
      return planVectorBatch(events, {
        embedder,
        decisions: options.decisions,
        units: options.units,
        ...(database ? { indexed: (tenant: string, ids: readonly string[]) => openGeneration(database, context.generation).vectors.get(tenant, ids) } : {}),
      });
    },
    apply(events, context) {
      const g = openGeneration(context.store, context.generation);
      for (const write of writesFor(events, context.prepared)) applySync(g, write);
    },
  };
  return {
    handler,
    indexes: (db, generation) => {
      const { vectors, lexical } = openGeneration(db, generation);
      return { vectors, lexical };
    },
    saveIndexFiles: () => {
      for (const { vectors } of open.values()) vectors.saveIndexFiles();
    },
  };
}

function applySync(g: GenerationIndexes, write: VectorWrite): void {
  switch (write.kind) {
    case 'upsert':
      g.vectors.upsertSync(write.points);
      g.lexical.upsertSync(write.points);
      return;
    case 'status':
      g.vectors.setStatusSync(write.tenant, write.ids, write.status);
      g.lexical.setStatusSync(write.tenant, write.ids, write.status);
      return;
    case 'delete':
      g.vectors.deleteSync(write.tenant, write.ids);
      g.lexical.deleteSync(write.tenant, write.ids);
      return;
  }
}
