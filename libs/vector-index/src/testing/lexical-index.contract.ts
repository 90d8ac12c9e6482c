import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import type { LexicalIndex } from '../port.js';
import type { SearchFilter, SearchHit } from '../types.js';
import { BASE_TIME, doc, uniqueTenant } from './fixtures.js';
import type { IndexContractOptions } from './vector-index.contract.js';

/** What an adapter's test provides to the lexical contract suite. */
export interface LexicalIndexFixture {
  readonly index: LexicalIndex;
  /** Persistent adapters: opens the same storage again next to `index` (the suite checks persistence). */
  reopen?(): Promise<LexicalIndex>;
  teardown(): Promise<void>;
}

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
 * The one contract every {@link LexicalIndex} adapter passes: BM25 ranking with stemming,
 * tenant isolation, replace-on-upsert, delete, status and the same filters as the vector index.
 * Score values differ between adapters (collection statistics); the suite checks order only.
 */
export function lexicalIndexContract(adapter: string, setup: () => Promise<LexicalIndexFixture>, options: IndexContractOptions = {}): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${adapter}] lexical index contract skipped: ${options.skipReason}`);

  suite(`LexicalIndex contract: ${adapter}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: LexicalIndexFixture;
    let index: LexicalIndex;
    beforeAll(async () => {
      fixture = await setup();
      index = fixture.index;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    function corpus(t: string) {
      return {
        group: doc(t, 'Caroline went to the LGBTQ support group yesterday and loved it'),
        lake: doc(t, 'Melanie is painting a sunrise over the lake'),
        adoption: doc(t, 'Caroline researched adoption agencies for her future family'),
        groupAgain: doc(t, 'The support group helped Caroline a lot; the group meets weekly'),
        camping: doc(t, 'We went camping with the kids near the lake last summer'),
        other: doc(t, 'Nothing here relates to anything else at all'),
      };
    }

    it('ranks by BM25: more and rarer matching words first, positive scores, ranks from 1', async () => {
      const t = uniqueTenant();
      const c = corpus(t);
      await index.upsert(Object.values(c));
      const hits = await index.search({ tenant: t, text: 'support group', k: 10 });
      expect(ids(hits).slice(0, 2).sort()).toEqual([c.group.id, c.groupAgain.id].sort());
      expect(ids(hits)).toHaveLength(2);
      expect(hits.map((h) => h.rank)).toEqual([1, 2]);
      for (const h of hits) expect(h.score).toBeGreaterThan(0);
      const painting = await index.search({ tenant: t, text: 'painting by the lake', k: 10 });
      expect(painting[0]?.id).toBe(c.lake.id);
      expect(ids(painting)).toContain(c.camping.id);
      expect(ids(painting)).not.toContain(c.other.id);
      for (let i = 1; i < painting.length; i++) expect(painting[i]!.score).toBeLessThanOrEqual(painting[i - 1]!.score);
      expect(await index.search({ tenant: t, text: 'support group', k: 1 })).toHaveLength(1);
    });

    it('stems and folds case and diacritics: "Researching ADOPTION agency" finds "researched adoption agencies"', async () => {
      const t = uniqueTenant();
      const c = corpus(t);
      const cafe = doc(t, 'We met at the Café Périgord downtown');
      await index.upsert([...Object.values(c), cafe]);
      expect(ids(await index.search({ tenant: t, text: 'Researching ADOPTION agency', k: 3 }))[0]).toBe(c.adoption.id);
      expect(ids(await index.search({ tenant: t, text: 'cafe perigord', k: 3 }))).toEqual([cafe.id]);
    });

    it('treats query text as plain words: operators, quotes and punctuation never fail', async () => {
      const t = uniqueTenant();
      const c = corpus(t);
      await index.upsert(Object.values(c));
      for (const text of ['"support', 'group AND OR NOT', 'NEAR(support group)', 'support* -group', 'text:lake', '^lake', '(', "it's the lake's"]) {
        const hits = await index.search({ tenant: t, text, k: 5 });
        expect(Array.isArray(hits)).toBe(true);
      }
      expect(ids(await index.search({ tenant: t, text: 'group AND OR NOT', k: 5 })).sort()).toEqual([c.group.id, c.groupAgain.id].sort());
      expect(await index.search({ tenant: t, text: '?!  ...', k: 5 })).toEqual([]);
      expect(await index.search({ tenant: t, text: '', k: 5 })).toEqual([]);
      expect(await index.search({ tenant: t, text: 'zebra', k: 5 })).toEqual([]);
    });

    it('isolates tenants, also for the same unit id', async () => {
      const a = uniqueTenant('a');
      const b = uniqueTenant('b');
      const mine = doc(a, 'the password is swordfish');
      const theirs = { ...mine, tenant: b, text: 'their swordfish recipe' };
      await index.upsert([mine, theirs, doc(b, 'swordfish again in b')]);
      expect(ids(await index.search({ tenant: a, text: 'swordfish', k: 10 }))).toEqual([mine.id]);
      expect(await index.search({ tenant: a, text: 'recipe', k: 10 })).toEqual([]);
      expect(await index.count(a)).toBe(1);
      expect(await index.count(b)).toBe(2);
      await index.delete(b, [mine.id]);
      expect(ids(await index.search({ tenant: a, text: 'swordfish', k: 10 }))).toEqual([mine.id]);
      expect(await index.count(b)).toBe(1);
      await index.setStatus(b, [mine.id], 'erased');
      expect(ids(await index.search({ tenant: a, text: 'password', k: 10 }))).toEqual([mine.id]);
    });

    it('replaces a document upserted again: old words no longer match', async () => {
      const t = uniqueTenant();
      const d = doc(t, 'original wording about volcanoes');
      await index.upsert([d]);
      await index.upsert([d]);
      expect(await index.count(t)).toBe(1);
      await index.upsert([{ ...d, text: 'corrected wording about glaciers' }]);
      expect(await index.count(t)).toBe(1);
      expect(await index.search({ tenant: t, text: 'volcanoes', k: 5 })).toEqual([]);
      expect(ids(await index.search({ tenant: t, text: 'glaciers', k: 5 }))).toEqual([d.id]);
    });

    it('deletes documents; unknown ids are ignored', async () => {
      const t = uniqueTenant();
      const d = doc(t, 'forget this sentence please');
      const keep = doc(t, 'keep this sentence');
      await index.upsert([d, keep]);
      await index.delete(t, [d.id, '00000000-0000-4000-8000-000000000000']);
      expect(ids(await index.search({ tenant: t, text: 'sentence', k: 5 }))).toEqual([keep.id]);
      expect(await index.count(t)).toBe(1);
    });

    it('returns active documents only by default; statuses select others', async () => {
      const t = uniqueTenant();
      const old = doc(t, 'Caroline lives in Boston');
      const fresh = doc(t, 'Caroline lives in Seattle');
      await index.upsert([old, fresh]);
      await index.setStatus(t, [old.id], 'superseded');
      expect(ids(await index.search({ tenant: t, text: 'Caroline lives', k: 5 }))).toEqual([fresh.id]);
      expect(ids(await index.search({ tenant: t, text: 'Caroline lives', k: 5, filter: { statuses: ['superseded'] } }))).toEqual([old.id]);
      await index.setStatus(t, [old.id], 'active');
      expect(ids(await index.search({ tenant: t, text: 'Caroline lives', k: 5 })).sort()).toEqual([old.id, fresh.id].sort());
    });

    it('filters by stream, actor, world time, transaction time and log offset', async () => {
      const t = uniqueTenant();
      const hour = 3_600_000;
      const docs = Array.from({ length: 12 }, (_, i) =>
        doc(t, `note ${i} about the hiking trip`, {
          stream: `s${i % 3}`,
          actor: i % 2 === 0 ? 'caroline' : 'melanie',
          worldTime: BASE_TIME + i * hour,
          txTime: BASE_TIME + 1000 * hour + i * hour,
          offset: 100 + i,
        }),
      );
      await index.upsert(docs);
      const byFilter = async (filter: SearchFilter) => ids(await index.search({ tenant: t, text: 'hiking trip', k: 20, filter })).sort();
      const expectIds = (pred: (i: number) => boolean) => docs.filter((_, i) => pred(i)).map((d) => d.id).sort();
      expect(await byFilter({ streams: ['s1'] })).toEqual(expectIds((i) => i % 3 === 1));
      expect(await byFilter({ actors: ['melanie'], streams: ['s0', 's2'] })).toEqual(expectIds((i) => i % 2 === 1 && i % 3 !== 1));
      expect(await byFilter({ worldTime: { from: BASE_TIME + 2 * hour, to: BASE_TIME + 5 * hour } })).toEqual(expectIds((i) => i >= 2 && i <= 5));
      expect(await byFilter({ txTime: { to: BASE_TIME + 1001 * hour } })).toEqual(expectIds((i) => i <= 1));
      expect(await byFilter({ maxOffset: 103 })).toEqual(expectIds((i) => i <= 3));
      // k applies after filtering
      expect(await index.search({ tenant: t, text: 'hiking', k: 2, filter: { streams: ['s2'] } })).toHaveLength(2);
    });

    it('validates input and names the bad field', async () => {
      const t = uniqueTenant();
      const bad = await rejection(index.upsert([doc(t, 'x', { worldTime: Number.NaN })]));
      expect(code(bad)).toBe('validation_failed');
      expect((bad as Error).message).toMatch(/\/docs\/0\/worldTime/);
      expect(code(await rejection(index.upsert([doc(t, 'x', { stream: '' })])))).toBe('validation_failed');
      expect(await index.count(t)).toBe(0);
      expect(code(await rejection(index.search({ tenant: t, text: 'x', k: 0 })))).toBe('validation_failed');
      expect(code(await rejection(index.search({ tenant: t, text: 'x', k: 1, filter: { statuses: ['gone' as never] } })))).toBe('validation_failed');
      expect(code(await rejection(index.setStatus(t, ['x'], 'gone' as never)))).toBe('validation_failed');
      await index.upsert([]);
      await index.delete(t, []);
    });

    it('persists across reopen', async (ctx) => {
      if (!fixture.reopen) {
        ctx.skip();
        return;
      }
      const t = uniqueTenant();
      const d = doc(t, 'durable words survive');
      await index.upsert([d]);
      const again = await fixture.reopen();
      try {
        expect(ids(await again.search({ tenant: t, text: 'durable', k: 1 }))).toEqual([d.id]);
        expect(await again.count(t)).toBe(1);
      } finally {
        await again.close();
      }
    });
  });
}
