import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lexicalIndexContract, TEST_MODEL, vectorIndexContract } from '@memfabric/vector-index/testing';
import { QdrantIndexes } from './qdrant.indexes.js';
import { containerRuntimeUnavailable, QDRANT_IMAGE, startQdrantContainer, type QdrantContainerHandle } from './testing/index.js';

/**
 * Both contract suites against a real Qdrant server (qdrant/qdrant:v1.13.0 in a container,
 * testcontainers 11). Skipped, with the reason printed, where no container runtime exists.
 * Each suite gets its own collection, so runs never see each other's points.
 */
const noRuntime = await containerRuntimeUnavailable();
const skipReason = noRuntime ? `${noRuntime}; ${QDRANT_IMAGE} cannot be started` : undefined;

let server: QdrantContainerHandle | undefined;
let starting: Promise<QdrantContainerHandle> | undefined;
function qdrant(): Promise<QdrantContainerHandle> {
  starting ??= startQdrantContainer().then((handle) => (server = handle));
  return starting;
}
afterAll(async () => {
  await server?.stop();
});

let collections = 0;
function collectionName(): string {
  collections += 1;
  return `memfabric_test_${Date.now().toString(36)}_${collections}`;
}

vectorIndexContract(
  `Qdrant ${QDRANT_IMAGE}`,
  async (model) => {
    const { url } = await qdrant();
    const collection = collectionName();
    const indexes = await QdrantIndexes.open({ url, model, collection });
    return {
      index: indexes.vector,
      reopen: async (other) => (await QdrantIndexes.open({ url, model: other, collection })).vector,
      teardown: () => indexes.close(),
    };
  },
  { ...(skipReason ? { skipReason } : {}), timeoutMs: 120_000 },
);

lexicalIndexContract(
  `Qdrant ${QDRANT_IMAGE}`,
  async () => {
    const { url } = await qdrant();
    const collection = collectionName();
    const indexes = await QdrantIndexes.open({ url, model: TEST_MODEL, collection });
    return {
      index: indexes.lexical,
      reopen: async () => (await QdrantIndexes.open({ url, model: TEST_MODEL, collection })).lexical,
      teardown: () => indexes.close(),
    };
  },
  { ...(skipReason ? { skipReason } : {}), timeoutMs: 120_000 },
);

describe.skipIf(skipReason !== undefined)(`Qdrant ${QDRANT_IMAGE} collection layout`, { timeout: 120_000 }, () => {
  let url: string;
  beforeAll(async () => {
    url = (await qdrant()).url;
  });

  it('creates the named vectors and the payload indexes, tenant with is_tenant', async () => {
    const collection = collectionName();
    await QdrantIndexes.open({ url, model: TEST_MODEL, collection });
    const response = await fetch(`${url}/collections/${collection}`);
    const { result } = (await response.json()) as {
      result: { config: { params: { vectors: unknown; sparse_vectors: unknown } }; payload_schema: Record<string, { params?: unknown }> };
    };
    expect(result.config.params.vectors).toMatchObject({ dense: { size: TEST_MODEL.dimension, distance: 'Cosine' } });
    expect(result.config.params.sparse_vectors).toMatchObject({ bm25: { modifier: 'idf' } });
    expect(Object.keys(result.payload_schema).sort()).toEqual(['actor', 'log_offset', 'status', 'stream', 'tenant', 'tx_time', 'unit_id', 'world_time']);
    expect(result.payload_schema.tenant?.params).toMatchObject({ is_tenant: true });
  });
});
