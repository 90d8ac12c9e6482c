import { describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { lexicalIndexContract, point, TEST_MODEL, uniqueTenant, vectorIndexContract } from '@memfabric/vector-index/testing';
import { FakeApiError, FakeQdrant } from '../test/fake-qdrant.js';
import { MODEL_POINT_ID, pointId, uuidV5 } from './point-id.js';
import type { QdrantApi } from './config.js';
import { QdrantIndexes } from './qdrant.indexes.js';

// The adapter's logic against an in-memory stand-in of the REST API; the real server runs the
// same suites in qdrant.indexes.int.spec.ts (testcontainers).
function fakeApi(fake: FakeQdrant): QdrantApi {
  return fake as unknown as QdrantApi;
}

vectorIndexContract('Qdrant adapter over an in-memory REST stand-in', async (model) => {
  const fake = new FakeQdrant();
  const indexes = await QdrantIndexes.open({ client: fakeApi(fake), model });
  return {
    index: indexes.vector,
    reopen: async (other) => (await QdrantIndexes.open({ client: fakeApi(fake), model: other })).vector,
    teardown: () => indexes.close(),
  };
});

lexicalIndexContract('Qdrant adapter over an in-memory REST stand-in', async () => {
  const fake = new FakeQdrant();
  const indexes = await QdrantIndexes.open({ client: fakeApi(fake), model: TEST_MODEL });
  return {
    index: indexes.lexical,
    reopen: async () => (await QdrantIndexes.open({ client: fakeApi(fake), model: TEST_MODEL })).lexical,
    teardown: () => indexes.close(),
  };
});

describe('QdrantIndexes.open', () => {
  it('creates the collection: named dense cosine vector, sparse bm25 with idf, payload indexes, model record', async () => {
    const fake = new FakeQdrant();
    await QdrantIndexes.open({ client: fakeApi(fake), model: { id: 'use-lite-512', dimension: 512 } });
    const c = fake.collections.get('memfabric_units')!;
    expect(c.vectors).toEqual({ dense: { size: 512, distance: 'Cosine' } });
    expect(c.sparse).toEqual({ bm25: { modifier: 'idf' } });
    expect(Object.fromEntries(c.payloadIndexes)).toEqual({
      tenant: { type: 'keyword', is_tenant: true },
      unit_id: { type: 'keyword' },
      status: { type: 'keyword' },
      stream: { type: 'keyword' },
      actor: { type: 'keyword' },
      world_time: { type: 'integer', lookup: false, range: true },
      tx_time: { type: 'integer', lookup: false, range: true },
      log_offset: { type: 'integer', lookup: false, range: true },
    });
    expect(c.points.get(MODEL_POINT_ID)?.payload).toEqual({ memfabric_reserved: 'embedding-model', model_id: 'use-lite-512', dimension: 512 });
    // opening again creates nothing new and accepts the same model
    const before = fake.calls.filter((m) => m === 'createCollection').length;
    await QdrantIndexes.open({ client: fakeApi(fake), model: { id: 'use-lite-512', dimension: 512 } });
    expect(fake.calls.filter((m) => m === 'createCollection').length).toBe(before);
  });

  it('refuses another model, another dimension, and a foreign collection', async () => {
    const fake = new FakeQdrant();
    await QdrantIndexes.open({ client: fakeApi(fake), model: TEST_MODEL, collection: 'units' });
    await expect(QdrantIndexes.open({ client: fakeApi(fake), model: { id: 'other', dimension: TEST_MODEL.dimension }, collection: 'units' })).rejects.toThrow(
      /holds embeddings of model "test-hash-32".*rebuild/,
    );
    await expect(QdrantIndexes.open({ client: fakeApi(fake), model: { id: TEST_MODEL.id, dimension: 64 }, collection: 'units' })).rejects.toMatchObject({
      code: 'configuration_invalid',
    });
    await fake.createCollection('foreign', { vectors: { dense: { size: 32, distance: 'Dot' } }, sparse_vectors: { bm25: { modifier: 'idf' } } });
    await expect(QdrantIndexes.open({ client: fakeApi(fake), model: TEST_MODEL, collection: 'foreign' })).rejects.toThrow(/Dot distance/);
    await fake.createCollection('nosparse', { vectors: { dense: { size: 32, distance: 'Cosine' } } });
    await expect(QdrantIndexes.open({ client: fakeApi(fake), model: TEST_MODEL, collection: 'nosparse' })).rejects.toThrow(/no sparse vector "bm25"/);
    await fake.createCollection('unmarked', { vectors: { dense: { size: 32, distance: 'Cosine' } }, sparse_vectors: { bm25: { modifier: 'idf' } } });
    await fake.upsert('unmarked', { points: [{ id: uuidV5('x'), vector: { dense: new Array<number>(32).fill(1) }, payload: {} }] });
    await expect(QdrantIndexes.open({ client: fakeApi(fake), model: TEST_MODEL, collection: 'unmarked' })).rejects.toThrow(/no record of their embedding model/);
  });

  it('validates its configuration with messages that say what to fix', async () => {
    await expect(QdrantIndexes.open({ model: TEST_MODEL })).rejects.toThrow(/url must be the http\(s\) URL/);
    await expect(QdrantIndexes.open({ url: 'http://localhost:6333', model: TEST_MODEL, collection: 'a b' })).rejects.toThrow(/collection "a b"/);
    await expect(QdrantIndexes.open({ url: 'http://localhost:6333', model: TEST_MODEL, bm25: { b: 2 } })).rejects.toThrow(/bm25.b/);
    await expect(QdrantIndexes.open({ url: 'http://localhost:6333', model: { id: 'm', dimension: 0 } })).rejects.toThrow(/model.dimension/);
  });

  it('reports an unreachable server as retriable unavailable', async () => {
    const indexes = QdrantIndexes.open({ url: 'http://127.0.0.1:9', model: TEST_MODEL, timeoutMs: 2000 });
    await expect(indexes).rejects.toMatchObject({ code: 'unavailable', retriable: true });
  });
});

describe('Qdrant points', () => {
  async function setup() {
    const fake = new FakeQdrant();
    const indexes = await QdrantIndexes.open({ client: fakeApi(fake), model: TEST_MODEL });
    return { fake, indexes, points: fake.collections.get('memfabric_units')!.points };
  }

  it('uses a UUIDv5 of tenant and unit id as point id, and writes dense, sparse and payload', async () => {
    const { indexes, points } = await setup();
    const t = uniqueTenant();
    const p = point(t, 'Caroline painted the lake', { worldTime: 1_683_554_160_000, offset: 42 });
    await indexes.vector.upsert([p]);
    const stored = points.get(pointId(t, p.id))!;
    expect(pointId(t, p.id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointId(t, p.id)).not.toBe(pointId(`${t}x`, p.id));
    expect(stored.payload).toEqual({
      tenant: t,
      unit_id: p.id,
      stream: p.stream,
      actor: p.actor,
      world_time: 1_683_554_160_000,
      tx_time: p.txTime,
      log_offset: 42,
      status: 'active',
      text: 'Caroline painted the lake',
    });
    expect((stored.vector.dense as number[]).length).toBe(TEST_MODEL.dimension);
    expect((stored.vector.bm25 as { indices: number[] }).indices).toHaveLength(4);
  });

  it('keeps the dense vector when the lexical index rewrites a unit, and serves both searches', async () => {
    const { indexes, points } = await setup();
    const t = uniqueTenant();
    const p = point(t, 'original text about boats');
    await indexes.vector.upsert([p]);
    await indexes.lexical.upsert([{ ...p, text: 'corrected text about trains' }]);
    const stored = points.get(pointId(t, p.id))!;
    expect(stored.vector.dense).toBeDefined();
    expect(stored.payload.text).toBe('corrected text about trains');
    expect((await indexes.lexical.search({ tenant: t, text: 'trains', k: 5 })).map((h) => h.id)).toEqual([p.id]);
    expect(await indexes.lexical.search({ tenant: t, text: 'boats', k: 5 })).toEqual([]);
    expect((await indexes.vector.search({ tenant: t, vector: p.vector, k: 1 }))[0]?.id).toBe(p.id);
    // a lexical-only unit has no dense vector and is not counted by the vector index
    await indexes.lexical.upsert([{ ...point(t, 'lexical only'), id: 'lex-only' }]);
    expect(await indexes.vector.count(t)).toBe(1);
    expect(await indexes.lexical.count(t)).toBe(2);
  });

  it('translates server errors: 5xx retriable, 4xx not', async () => {
    const { fake, indexes } = await setup();
    fake.failNext = new FakeApiError(503, 'overloaded');
    const unavailable = await indexes.vector.count('t').catch((e: unknown) => e);
    expect(MemfabricError.is(unavailable) && [unavailable.code, unavailable.retriable]).toEqual(['unavailable', true]);
    fake.failNext = new FakeApiError(400, 'Wrong input: bad filter');
    const refused = await indexes.vector.count('t').catch((e: unknown) => e);
    expect(MemfabricError.is(refused) && [refused.code, refused.retriable]).toEqual(['internal', false]);
    expect((refused as Error).message).toMatch(/HTTP 400.*bad filter/);
  });

  it('closes one facade without the other, and both with the indexes', async () => {
    const { indexes } = await setup();
    await indexes.vector.close();
    await expect(indexes.vector.count('t')).rejects.toMatchObject({ code: 'unavailable', retriable: false });
    expect(await indexes.lexical.count('t')).toBe(0);
    await indexes.close();
    await expect(indexes.lexical.count('t')).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('uuidV5', () => {
  it('matches the RFC 9562 example (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});
