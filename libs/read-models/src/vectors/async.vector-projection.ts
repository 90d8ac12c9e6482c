import type { Embedder } from '@memfabric/embeddings';
import type { AsyncProjectionHandler, MemoryUnitStore, UnitDecisionSource } from '@memfabric/projections';
import type { LexicalIndex, VectorIndex } from '@memfabric/vector-index';
import { planVectorBatch, VECTOR_PROJECTION, VECTOR_PROJECTION_VERSION, vectorAccepts, writesFor, type VectorBatch, type VectorWrite } from './vector-writes.js';

/** The stores of one generation of the vector read model (e.g. a Qdrant collection per generation). */
export interface VectorGenerationStores {
  readonly vectors: VectorIndex;
  readonly lexical: LexicalIndex;
  /**
   * True when the vector index's writes already write the lexical side of a point (a Qdrant
   * collection carries the dense and the sparse BM25 vector of each point, written by one
   * upsert): the projection then writes through `vectors` only, and `lexical` serves searches.
   */
  readonly lexicalWrittenByVectors?: boolean;
}

/** Options of {@link asyncVectorProjection}. */
export interface AsyncVectorProjectionOptions {
  readonly embedder: Embedder;
  readonly decisions: UnitDecisionSource;
  readonly units: Pick<MemoryUnitStore, 'getUnits'>;
  /** The stores of a generation (opened or created on demand, the same instance on every call). */
  readonly stores: (generation: number) => VectorGenerationStores | Promise<VectorGenerationStores>;
  /** Drops what a generation wrote (e.g. deletes its collection); absent: nothing is dropped. */
  readonly drop?: (generation: number) => Promise<void>;
}

/**
 * The vector + lexical read model for the asynchronous runtime (`AsyncProjectionRuntime`) over
 * any `VectorIndex` and `LexicalIndex` (Qdrant, or the in-memory doubles): the same plan as the
 * embedded projection ({@link planVectorBatch}), written through the ports. Every write is
 * idempotent on the unit id (upsert of the same point, set of the same status, delete of an
 * absent point), so a batch delivered again after a crash between the store's acknowledgement
 * and the offset commit leaves the same indexes. An embedder that can forget (`Embedder.forget`)
 * drops the cached vectors of erased points' texts (read from `vectors`) before the deletion.
 */
export function asyncVectorProjection(options: AsyncVectorProjectionOptions): AsyncProjectionHandler<VectorBatch> {
  return {
    name: VECTOR_PROJECTION,
    version: VECTOR_PROJECTION_VERSION,
    kind: 'read-model',
    description: `memory units -> dense (${options.embedder.modelId}) and lexical indexes through the ports, statuses from the memory-unit decisions`,
    accepts: vectorAccepts,
    createSchema: async (generation) => {
      await options.stores(generation);
    },
    dropSchema: async (generation) => {
      await options.drop?.(generation);
    },
    prepare: (events, context) =>
      planVectorBatch(events, { ...options, indexed: async (tenant, ids) => (await options.stores(context.generation)).vectors.get(tenant, ids) }),
    async apply(events, context) {
      const stores = await options.stores(context.generation);
      for (const write of writesFor(events, context.prepared)) await applyAsync(stores, write);
    },
  };
}

/** Applies one write, dense index first, then the lexical index (one after the other: they may share points). */
async function applyAsync(stores: VectorGenerationStores, write: VectorWrite): Promise<void> {
  const vectors = stores.vectors;
  const lexical = stores.lexicalWrittenByVectors === true ? undefined : stores.lexical;
  switch (write.kind) {
    case 'upsert':
      await vectors.upsert(write.points);
      await lexical?.upsert(write.points);
      return;
    case 'status':
      await vectors.setStatus(write.tenant, write.ids, write.status);
      await lexical?.setStatus(write.tenant, write.ids, write.status);
      return;
    case 'delete':
      await vectors.delete(write.tenant, write.ids);
      await lexical?.delete(write.tenant, write.ids);
      return;
  }
}
