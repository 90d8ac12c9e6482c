import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Embedder } from '@memfabric/embeddings';
import type { InteractionRecorded, MemoryAsserted, MemoryCorrected, MemoryRetracted, StoredEvent } from '@memfabric/events';
import type { SqliteProjectionHandler } from '@memfabric/projections-sqlite';
import type { UnitPayload } from '@memfabric/vector-index';
import { SqliteLexicalIndex, SqliteVectorIndex } from '@memfabric/vector-index-hnsw';

/** Name of the vector + lexical projection (consumer groups `projection:vectors:g<N>`). */
export const VECTOR_PROJECTION = 'vectors';

/** The dense and lexical indexes of one generation. */
export interface GenerationIndexes {
  readonly vectors: SqliteVectorIndex;
  readonly lexical: SqliteLexicalIndex;
}

/** Options of {@link vectorProjection}. */
export interface VectorProjectionOptions {
  /** Directory of a generation's HNSW cache files, e.g. `<dataDir>/vectors-g<N>`. */
  readonly indexDir: (generation: number) => string;
}

/** The vector projection and access to its per-generation indexes. */
export interface VectorProjection {
  readonly handler: SqliteProjectionHandler<Map<string, Float32Array>>;
  /** The indexes of a generation over `db` (opened on first use). */
  indexes(db: Database.Database, generation: number): GenerationIndexes;
  /** Writes every open generation's HNSW cache files (call before closing). */
  saveIndexFiles(): void;
}

/** The text of the unit an event creates, or undefined when it creates none. */
function unitText(event: StoredEvent): string | undefined {
  if (event.data === null) return undefined;
  switch (event.type) {
    case 'interaction.recorded':
      return (event.data as unknown as InteractionRecorded).content;
    case 'memory.asserted':
      return (event.data as unknown as MemoryAsserted).content;
    case 'memory.corrected':
      return (event.data as unknown as MemoryCorrected).content;
    default:
      return undefined;
  }
}

/**
 * The vector + lexical projection: one point per memory unit (unit id = event id) with its
 * embedding in the dense index (rows in SQLite, HNSW files beside it as a cache re-synchronised
 * on open) and its text in the SQLite FTS5 index (BM25). Embeddings are computed in `prepare`,
 * outside the runtime's transaction; rows are written in `apply`, inside it, with the
 * checkpoint. A correction marks its target `superseded`, a retraction marks it `retracted`;
 * nothing is deleted. The embedding model id is recorded in the index: opening it with another
 * model fails, so a model change means `memfabric rebuild --projection vectors`. The handler
 * version includes the model id for the same reason.
 */
export function vectorProjection(embedder: Embedder, options: VectorProjectionOptions): VectorProjection {
  const open = new Map<number, GenerationIndexes & { db: Database.Database }>();
  const model = { id: embedder.modelId, dimension: embedder.dimensions };
  const indexes = (db: Database.Database, generation: number): GenerationIndexes => {
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
  const handler: SqliteProjectionHandler<Map<string, Float32Array>> = {
    name: VECTOR_PROJECTION,
    version: 1,
    description: `memory units -> dense (${embedder.modelId}, HNSW) and lexical (FTS5 BM25) indexes`,
    accepts: (e) => e.data !== null && ['interaction.recorded', 'memory.asserted', 'memory.corrected', 'memory.retracted'].includes(e.type),
    createSchema: (db, generation) => {
      indexes(db, generation);
    },
    dropSchema: (db, generation) => {
      open.delete(generation);
      const tables = db
        .prepare<[string, string], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE ? OR name LIKE ?)")
        .all(`vec_g${generation}_%`, `lex_g${generation}_%`);
      // FTS5 shadow tables go with their virtual table: drop virtual tables first.
      for (const { name } of tables.sort((a, b) => Number(b.name.endsWith('_fts')) - Number(a.name.endsWith('_fts')))) {
        db.exec(`DROP TABLE IF EXISTS "${name}"`);
      }
      rmSync(options.indexDir(generation), { recursive: true, force: true });
    },
    async prepare(events) {
      const toEmbed = events.flatMap((e) => {
        const text = unitText(e);
        return text === undefined || text.trim() === '' ? [] : [{ id: e.id, text }];
      });
      const vectors = toEmbed.length === 0 ? [] : await embedder.embed(toEmbed.map((t) => t.text));
      return new Map(toEmbed.map((t, i) => [t.id, vectors[i]!]));
    },
    apply(events, context) {
      const { vectors, lexical } = indexes(context.store, context.generation);
      for (const event of events) {
        if (event.type === 'memory.retracted') {
          const target = (event.data as unknown as MemoryRetracted).target;
          vectors.setStatusSync(event.tenantid, [target], 'retracted');
          lexical.setStatusSync(event.tenantid, [target], 'retracted');
          continue;
        }
        const text = unitText(event);
        const vector = context.prepared.get(event.id);
        if (text === undefined || vector === undefined) continue;
        const asserted = event.type === 'memory.asserted' ? (event.data as unknown as MemoryAsserted) : undefined;
        const payload: UnitPayload = {
          id: event.id,
          tenant: event.tenantid,
          stream: event.streamid,
          actor: event.actor,
          worldTime: Date.parse(asserted?.validfrom ?? event.time),
          txTime: Date.parse(event.recordedat),
          offset: event.offset,
          status: 'active',
          text,
        };
        vectors.upsertSync([{ ...payload, vector, modelId: embedder.modelId }]);
        lexical.upsertSync([payload]);
        if (event.type === 'memory.corrected') {
          const target = (event.data as unknown as MemoryCorrected).supersedes;
          vectors.setStatusSync(event.tenantid, [target], 'superseded');
          lexical.setStatusSync(event.tenantid, [target], 'superseded');
        }
      }
    },
  };
  return {
    handler,
    indexes,
    saveIndexFiles: () => {
      for (const { vectors } of open.values()) vectors.saveIndexFiles();
    },
  };
}
