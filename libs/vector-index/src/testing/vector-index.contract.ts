import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { ExactVectorIndex } from '../exact.vector-index.js';
import type { VectorIndex } from '../port.js';
import type { EmbeddingModelRef, SearchHit, VectorPoint } from '../types.js';
import { BASE_TIME, hashVector, point, randomUnitVector, seededRandom, TEST_MODEL, uniqueTenant } from './fixtures.js';

/** What an adapter's test provides to the vector contract suite. */
export interface VectorIndexFixture {
  /** The index under test, opened with the model the suite passed to `setup`. */
  readonly index: VectorIndex;
  /**
   * Persistent adapters: opens the same storage again, next to `index`, with `model`. The
   * suite checks that data written through `index` is seen, and that another model is refused.
   */
  reopen?(model: EmbeddingModelRef): Promise<VectorIndex>;
  /** Releases everything the fixture created. */
  teardown(): Promise<void>;
}

/** Options of the contract suites. */
export interface IndexContractOptions {
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
  /** Per-test timeout in ms (server adapters need more). */
  readonly timeoutMs?: number;
}

/** Number of points of the "large tenant" tests; adapters set their exact-search threshold below it so the approximate path runs. */
export const CONTRACT_LARGE_TENANT = 400;

function code(error: unknown): string | undefined {
  return MemfabricError.is(error) ? error.code : undefined;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be rejected');
}

function ids(hits: readonly SearchHit[]): string[] {
  return hits.map((h) => h.id);
}

/**
 * The one contract every {@link VectorIndex} adapter passes (emmett-tests style). Uses the
 * 32-d hash model {@link TEST_MODEL}; large-tenant tests write {@link CONTRACT_LARGE_TENANT}
 * points, so an adapter should use an exact-search threshold below that to exercise its
 * approximate path.
 */
export function vectorIndexContract(
  adapter: string,
  setup: (model: EmbeddingModelRef) => Promise<VectorIndexFixture>,
  options: IndexContractOptions = {},
): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${adapter}] vector index contract skipped: ${options.skipReason}`);

  suite(`VectorIndex contract: ${adapter}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: VectorIndexFixture;
    let index: VectorIndex;
    beforeAll(async () => {
      fixture = await setup(TEST_MODEL);
      index = fixture.index;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    /** Ground truth: the same points in the exact reference index. */
    async function exactOf(points: readonly VectorPoint[]): Promise<ExactVectorIndex> {
      const exact = new ExactVectorIndex({ model: TEST_MODEL });
      await exact.upsert(points);
      return exact;
    }

    it('records its model', () => {
      expect(index.model).toEqual(TEST_MODEL);
    });

    it('returns the nearest points best first with cosine scores and ranks from 1', async () => {
      const t = uniqueTenant();
      const points = [
        point(t, 'Caroline went to the LGBTQ support group'),
        point(t, 'Melanie painted a sunrise over the lake'),
        point(t, 'Caroline is researching adoption agencies'),
        point(t, 'the support group meets on Tuesdays'),
      ];
      await index.upsert(points);
      const hits = await index.search({ tenant: t, vector: hashVector('support group'), k: 3 });
      expect(hits).toHaveLength(3);
      expect(hits.map((h) => h.rank)).toEqual([1, 2, 3]);
      const expected = await (await exactOf(points)).search({ tenant: t, vector: hashVector('support group'), k: 3 });
      expect(ids(hits)).toEqual(ids(expected));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 4));
      for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
      const self = await index.search({ tenant: t, vector: points[1]!.vector, k: 1 });
      expect(self[0]).toMatchObject({ id: points[1]!.id, rank: 1 });
      expect(self[0]!.score).toBeCloseTo(1, 4);
    });

    it('normalises vectors: a scaled query or point scores as its unit vector', async () => {
      const t = uniqueTenant();
      const v = hashVector('scaled vector');
      const scaled = v.map((x) => x * 7);
      const p = point(t, 'scaled vector', { vector: scaled });
      await index.upsert([p]);
      const [hit] = await index.search({ tenant: t, vector: v.map((x) => x * 0.01), k: 1 });
      expect(hit?.id).toBe(p.id);
      expect(hit!.score).toBeCloseTo(1, 4);
    });

    it('returns fewer than k hits when the tenant has fewer points, and none for an unknown tenant', async () => {
      const t = uniqueTenant();
      await index.upsert([point(t, 'one'), point(t, 'two')]);
      expect(await index.search({ tenant: t, vector: hashVector('one'), k: 10 })).toHaveLength(2);
      expect(await index.search({ tenant: uniqueTenant(), vector: hashVector('one'), k: 10 })).toEqual([]);
      expect(await index.count(uniqueTenant())).toBe(0);
    });

    it('replaces a point upserted again under the same id (idempotent replay)', async () => {
      const t = uniqueTenant();
      const first = point(t, 'the cat sat on the mat');
      await index.upsert([first]);
      await index.upsert([first]);
      expect(await index.count(t)).toBe(1);
      const moved = { ...first, text: 'a rocket launched to the moon', vector: hashVector('a rocket launched to the moon'), stream: 'session_9' };
      await index.upsert([moved, point(t, 'dogs bark at night')]);
      expect(await index.count(t)).toBe(2);
      const [hit] = await index.search({ tenant: t, vector: hashVector('rocket moon launch'), k: 1 });
      expect(hit?.id).toBe(first.id);
      expect(await index.get(t, [first.id])).toEqual([expect.objectContaining({ id: first.id, text: moved.text, stream: 'session_9' })]);
      // the last occurrence of an id within one batch wins
      await index.upsert([{ ...first, text: 'draft' }, { ...first, text: 'final' }]);
      expect((await index.get(t, [first.id]))[0]?.text).toBe('final');
    });

    it('isolates tenants: searches, counts, updates and deletes never cross tenants, even for the same unit id', async () => {
      const a = uniqueTenant('a');
      const b = uniqueTenant('b');
      const shared = point(a, 'a secret shared between tenants');
      const inB = { ...shared, tenant: b, text: 'tenant b own copy' };
      await index.upsert([shared, point(a, 'another of a'), inB, point(b, 'another of b'), point(b, 'third of b')]);
      expect(await index.count(a)).toBe(2);
      expect(await index.count(b)).toBe(3);
      const fromA = await index.search({ tenant: a, vector: shared.vector, k: 10, filter: { statuses: ['active', 'superseded', 'retracted', 'rolled_back', 'erased'] } });
      expect(fromA).toHaveLength(2);
      const bIds = new Set(ids(await index.search({ tenant: b, vector: shared.vector, k: 10 })));
      expect(bIds.size).toBe(3);
      expect(fromA.filter((h) => h.id !== shared.id).some((h) => bIds.has(h.id))).toBe(false);
      expect((await index.get(a, [shared.id]))[0]?.text).toBe('a secret shared between tenants');
      expect((await index.get(b, [shared.id]))[0]?.text).toBe('tenant b own copy');
      await index.setStatus(b, [shared.id], 'retracted');
      expect((await index.get(a, [shared.id]))[0]?.status).toBe('active');
      await index.delete(b, [shared.id]);
      expect(await index.count(a)).toBe(2);
      expect(await index.count(b)).toBe(2);
      expect(await index.get(a, [shared.id])).toHaveLength(1);
      expect(ids(await index.search({ tenant: a, vector: shared.vector, k: 1 }))).toEqual([shared.id]);
    });

    it('deletes points with their text; unknown ids are ignored', async () => {
      const t = uniqueTenant();
      const keep = point(t, 'keep me around');
      const gone = point(t, 'remove me now');
      await index.upsert([keep, gone]);
      await index.delete(t, [gone.id, '00000000-0000-4000-8000-000000000000']);
      expect(await index.count(t)).toBe(1);
      expect(await index.get(t, [gone.id, keep.id])).toEqual([expect.objectContaining({ id: keep.id })]);
      expect(ids(await index.search({ tenant: t, vector: gone.vector, k: 5 }))).toEqual([keep.id]);
      // deleted then upserted again: back
      await index.upsert([gone]);
      expect(await index.count(t)).toBe(2);
      expect(ids(await index.search({ tenant: t, vector: gone.vector, k: 1 }))).toEqual([gone.id]);
    });

    it('returns active points only by default; statuses select others and a revert restores', async () => {
      const t = uniqueTenant();
      const old = point(t, 'Caroline lives in Boston');
      const fresh = point(t, 'Caroline lives in Seattle now');
      await index.upsert([old, fresh]);
      await index.setStatus(t, [old.id], 'superseded');
      expect(ids(await index.search({ tenant: t, vector: old.vector, k: 5 }))).toEqual([fresh.id]);
      expect(ids(await index.search({ tenant: t, vector: old.vector, k: 5, filter: { statuses: ['superseded'] } }))).toEqual([old.id]);
      const both = await index.search({ tenant: t, vector: old.vector, k: 5, filter: { statuses: ['active', 'superseded'] } });
      expect(ids(both)).toEqual([old.id, fresh.id]);
      await index.setStatus(t, [old.id, fresh.id], 'rolled_back');
      expect(await index.search({ tenant: t, vector: old.vector, k: 5 })).toEqual([]);
      expect(await index.count(t)).toBe(2);
      await index.setStatus(t, [fresh.id], 'active');
      expect(ids(await index.search({ tenant: t, vector: old.vector, k: 5 }))).toEqual([fresh.id]);
      expect((await index.get(t, [old.id]))[0]?.status).toBe('rolled_back');
    });

    it('filters by stream, actor, world time, transaction time and log offset (inclusive bounds)', async () => {
      const t = uniqueTenant();
      const hour = 3_600_000;
      const points = Array.from({ length: 12 }, (_, i) =>
        point(t, `memory number ${i} about hiking`, {
          stream: `s${i % 3}`,
          actor: i % 2 === 0 ? 'caroline' : 'melanie',
          worldTime: BASE_TIME + i * hour,
          txTime: BASE_TIME + 1000 * hour + i * hour,
          offset: 100 + i,
        }),
      );
      await index.upsert(points);
      const q = hashVector('hiking memory');
      const byFilter = async (filter: Parameters<VectorIndex['search']>[0]['filter']) =>
        ids(await index.search({ tenant: t, vector: q, k: 20, filter })).sort();
      const expectIds = (pred: (p: VectorPoint, i: number) => boolean) => points.filter(pred).map((p) => p.id).sort();
      expect(await byFilter({ streams: ['s1'] })).toEqual(expectIds((_, i) => i % 3 === 1));
      expect(await byFilter({ streams: ['s0', 's2'], actors: ['melanie'] })).toEqual(expectIds((_, i) => i % 3 !== 1 && i % 2 === 1));
      expect(await byFilter({ worldTime: { from: BASE_TIME + 2 * hour, to: BASE_TIME + 5 * hour } })).toEqual(expectIds((_, i) => i >= 2 && i <= 5));
      expect(await byFilter({ worldTime: { to: BASE_TIME + 1 * hour } })).toEqual(expectIds((_, i) => i <= 1));
      expect(await byFilter({ txTime: { from: BASE_TIME + 1010 * hour } })).toEqual(expectIds((_, i) => i >= 10));
      expect(await byFilter({ maxOffset: 103 })).toEqual(expectIds((_, i) => i <= 3));
      expect(await byFilter({ maxOffset: 99 })).toEqual([]);
      expect(await byFilter({ streams: ['nope'] })).toEqual([]);
    });

    it('matches exact search on a large tenant (recall@10 >= 0.9) and stays exact under selective filters', async () => {
      const t = uniqueTenant();
      const random = seededRandom(7);
      const points = Array.from({ length: CONTRACT_LARGE_TENANT }, (_, i) =>
        point(t, `unit ${i}`, {
          vector: randomUnitVector(random),
          stream: i % 80 === 0 ? 'rare' : 'common',
          status: i % 10 === 1 ? 'superseded' : 'active',
          offset: i,
        }),
      );
      for (let i = 0; i < points.length; i += 100) await index.upsert(points.slice(i, i + 100));
      expect(await index.count(t)).toBe(CONTRACT_LARGE_TENANT);
      const exact = await exactOf(points);
      let found = 0;
      for (let q = 0; q < 20; q++) {
        const vector = randomUnitVector(random);
        const got = new Set(ids(await index.search({ tenant: t, vector, k: 10 })));
        const want = ids(await exact.search({ tenant: t, vector, k: 10 }));
        found += want.filter((id) => got.has(id)).length;
      }
      expect(found / 200).toBeGreaterThanOrEqual(0.9);
      // 5 of 400 points match: an approximate index alone would miss most of them
      const vector = randomUnitVector(random);
      const rare = await index.search({ tenant: t, vector, k: 10, filter: { streams: ['rare'] } });
      const rareExpected = await exact.search({ tenant: t, vector, k: 10, filter: { streams: ['rare'] } });
      expect(ids(rare)).toEqual(ids(rareExpected));
      expect(rare).toHaveLength(5);
      // superseded points (1 in 10) never surface by default; asked for, exactly the 40 come back
      const superseded = await index.search({ tenant: t, vector, k: 50, filter: { statuses: ['superseded'] } });
      expect(ids(superseded).sort()).toEqual(points.filter((p) => p.status === 'superseded').map((p) => p.id).sort());
      const active = await index.search({ tenant: t, vector, k: 10 });
      expect(active).toHaveLength(10);
      const supersededIds = new Set(ids(superseded));
      expect(active.some((h) => supersededIds.has(h.id))).toBe(false);
      // asOf an early offset: only the first 30 points exist
      const early = await index.search({ tenant: t, vector, k: 10, filter: { maxOffset: 29, statuses: ['active', 'superseded'] } });
      const earlyExpected = await exact.search({ tenant: t, vector, k: 10, filter: { maxOffset: 29, statuses: ['active', 'superseded'] } });
      expect(ids(early)).toEqual(ids(earlyExpected));
    });

    it('keeps the large tenant exact after deletes and status changes', async () => {
      const t = uniqueTenant();
      const random = seededRandom(11);
      const points = Array.from({ length: CONTRACT_LARGE_TENANT }, (_, i) => point(t, `unit ${i}`, { vector: randomUnitVector(random), offset: i }));
      await index.upsert(points);
      const target = points[123]!;
      expect(ids(await index.search({ tenant: t, vector: target.vector, k: 1 }))).toEqual([target.id]);
      await index.delete(t, [target.id]);
      expect(ids(await index.search({ tenant: t, vector: target.vector, k: 10 }))).not.toContain(target.id);
      const other = points[7]!;
      await index.setStatus(t, [other.id], 'retracted');
      expect(ids(await index.search({ tenant: t, vector: other.vector, k: 10 }))).not.toContain(other.id);
      await index.upsert([{ ...target, vector: points[8]!.vector }]);
      const hits = await index.search({ tenant: t, vector: points[8]!.vector, k: 2 });
      expect(ids(hits).sort()).toEqual([target.id, points[8]!.id].sort());
      expect(await index.count(t)).toBe(CONTRACT_LARGE_TENANT);
    });

    it('refuses points of another embedding model and tells the caller to rebuild', async () => {
      const t = uniqueTenant();
      const error = await rejection(index.upsert([point(t, 'ok'), point(t, 'other model', { modelId: 'another-model' })]));
      expect(code(error)).toBe('configuration_invalid');
      expect((error as Error).message).toMatch(/another-model/);
      expect((error as Error).message).toMatch(/rebuild/);
      expect(await index.count(t)).toBe(0);
      const query = await rejection(index.search({ tenant: t, vector: hashVector('q'), k: 1, modelId: 'another-model' }));
      expect(code(query)).toBe('configuration_invalid');
    });

    it('validates input and names the bad field', async () => {
      const t = uniqueTenant();
      const wrongDim = await rejection(index.upsert([point(t, 'x', { vector: new Float32Array(TEST_MODEL.dimension + 1).fill(1) })]));
      expect(code(wrongDim)).toBe('validation_failed');
      expect((wrongDim as Error).message).toMatch(/\/points\/0\/vector/);
      expect(code(await rejection(index.upsert([point(t, 'x', { vector: new Float32Array(TEST_MODEL.dimension) })])))).toBe('validation_failed');
      expect(code(await rejection(index.upsert([point(t, 'x', { vector: new Float32Array(TEST_MODEL.dimension).fill(Number.NaN) })])))).toBe('validation_failed');
      expect(code(await rejection(index.upsert([point('', 'x')])))).toBe('validation_failed');
      expect(code(await rejection(index.upsert([point(t, 'x', { status: 'deleted' as never })])))).toBe('validation_failed');
      expect(code(await rejection(index.upsert([point(t, 'x', { offset: -1 })])))).toBe('validation_failed');
      expect(await index.count(t)).toBe(0);
      const q = hashVector('q');
      expect(code(await rejection(index.search({ tenant: t, vector: q, k: 0 })))).toBe('validation_failed');
      expect(code(await rejection(index.search({ tenant: t, vector: q, k: 1.5 })))).toBe('validation_failed');
      expect(code(await rejection(index.search({ tenant: '', vector: q, k: 1 })))).toBe('validation_failed');
      expect(code(await rejection(index.search({ tenant: t, vector: new Float32Array(3).fill(1), k: 1 })))).toBe('validation_failed');
      expect(code(await rejection(index.search({ tenant: t, vector: q, k: 1, filter: { statuses: [] } })))).toBe('validation_failed');
      expect(code(await rejection(index.search({ tenant: t, vector: q, k: 1, filter: { streams: [] } })))).toBe('validation_failed');
      expect(code(await rejection(index.setStatus(t, ['x'], 'gone' as never)))).toBe('validation_failed');
      expect(code(await rejection(index.delete('', ['x'])))).toBe('validation_failed');
      await index.upsert([]);
      await index.delete(t, []);
      await index.setStatus(t, [], 'erased');
    });

    it('persists across reopen and refuses to open with another model', async (ctx) => {
      if (!fixture.reopen) {
        ctx.skip();
        return;
      }
      const t = uniqueTenant();
      const p = point(t, 'written before reopening');
      await index.upsert([p]);
      const again = await fixture.reopen(TEST_MODEL);
      try {
        expect(await again.count(t)).toBe(1);
        expect(ids(await again.search({ tenant: t, vector: p.vector, k: 1 }))).toEqual([p.id]);
        // writes through the second handle are seen by the first
        const q = point(t, 'written through the second handle');
        await again.upsert([q]);
        expect(ids(await index.search({ tenant: t, vector: q.vector, k: 1 }))).toEqual([q.id]);
      } finally {
        await again.close();
      }
      const reopen = fixture.reopen.bind(fixture);
      // an adapter may throw synchronously or reject: both count
      const error = await rejection(Promise.resolve().then(() => reopen({ id: 'another-model', dimension: TEST_MODEL.dimension })));
      expect(code(error)).toBe('configuration_invalid');
      expect((error as Error).message).toMatch(/rebuild/);
      const otherDimension = await rejection(Promise.resolve().then(() => reopen({ id: TEST_MODEL.id, dimension: TEST_MODEL.dimension * 2 })));
      expect(code(otherDimension)).toBe('configuration_invalid');
    });
  });
}
