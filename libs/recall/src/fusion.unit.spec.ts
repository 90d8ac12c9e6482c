import { describe, expect, it } from 'vitest';
import { jaccard, mmr, weightedRrf, wordSet, type ChannelRanking } from './fusion.js';

const list = (channel: ChannelRanking['channel'], weight: number, ids: string[]): ChannelRanking => ({
  channel,
  weight,
  items: ids.map((id, i) => ({ id, score: 10 - i })),
});

describe('weightedRrf', () => {
  it('scores Σ w/(k + rank) over the channels that ranked an item, and records each contribution', () => {
    const fused = weightedRrf([list('dense', 1, ['a', 'b', 'c']), list('lexical', 2, ['b', 'a'])], 60);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a', 'c']);
    const [b, a, c] = fused;
    expect(b!.score).toBeCloseTo(1 / 62 + 2 / 61, 12);
    expect(a!.score).toBeCloseTo(1 / 61 + 2 / 62, 12);
    expect(c!.score).toBeCloseTo(1 / 63, 12);
    expect(b!.channels).toEqual({
      dense: { rank: 2, score: 9, weight: 1, contribution: 1 / 62 },
      lexical: { rank: 1, score: 10, weight: 2, contribution: 2 / 61 },
    });
    expect(c!.channels).toEqual({ dense: { rank: 3, score: 8, weight: 1, contribution: 1 / 63 } });
  });

  it('uses the given k (k = 1 makes rank differences dominate)', () => {
    const [top] = weightedRrf([list('dense', 1, ['a', 'b'])], 1);
    expect(top!.score).toBeCloseTo(1 / 2, 12);
    expect(weightedRrf([list('dense', 1, ['a', 'b'])], 1)[1]!.score).toBeCloseTo(1 / 3, 12);
  });

  it('ignores channels whose weight is 0 (or not positive): their items are not fused at all', () => {
    const fused = weightedRrf([list('dense', 1, ['a']), list('graph', 0, ['z', 'a']), list('temporal', -1, ['y'])], 60);
    expect(fused.map((f) => f.id)).toEqual(['a']);
    expect(fused[0]!.channels).toEqual({ dense: { rank: 1, score: 10, weight: 1, contribution: 1 / 61 } });
    expect(weightedRrf([list('dense', 0, ['a'])], 60)).toEqual([]);
    expect(weightedRrf([], 60)).toEqual([]);
  });

  it('breaks ties deterministically: equal scores and best ranks order by id', () => {
    const crossed = weightedRrf([list('dense', 1, ['y', 'x']), list('lexical', 1, ['x', 'y'])], 60);
    expect(crossed.map((f) => f.id)).toEqual(['x', 'y']);
    expect(crossed[0]!.score).toBe(crossed[1]!.score);
    const separate = weightedRrf([list('dense', 1, ['q']), list('lexical', 1, ['p'])], 60);
    expect(separate.map((f) => f.id)).toEqual(['p', 'q']);
  });

  it('counts an id once per channel (a repeated id keeps its first rank)', () => {
    const fused = weightedRrf([{ channel: 'dense', weight: 1, items: [{ id: 'a', score: 1 }, { id: 'a', score: 0.5 }, { id: 'b', score: 0.2 }] }], 60);
    expect(fused.map((f) => [f.id, f.score])).toEqual([
      ['a', 1 / 61],
      ['b', 1 / 63],
    ]);
  });
});

describe('mmr', () => {
  const items = [
    { id: 'a', score: 1.0, text: 'caroline went to the lgbtq support group' },
    { id: 'a2', score: 0.9, text: 'caroline went to the lgbtq support group yesterday' },
    { id: 'b', score: 0.8, text: 'melanie painted a sunrise over the lake' },
  ];
  const sim = (x: (typeof items)[number], y: (typeof items)[number]) => jaccard(wordSet(x.text), wordSet(y.text));

  it('λ = 1 keeps the fused order', () => {
    expect(mmr(items, sim, 1, 3).map((i) => i.id)).toEqual(['a', 'a2', 'b']);
  });

  it('λ < 1 demotes a near-duplicate of an item already selected', () => {
    expect(mmr(items, sim, 0.5, 3).map((i) => i.id)).toEqual(['a', 'b', 'a2']);
    expect(mmr(items, sim, 0.7, 2).map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('selects at most `limit` items and handles an empty list', () => {
    expect(mmr(items, sim, 0.5, 1).map((i) => i.id)).toEqual(['a']);
    expect(mmr([], sim, 0.5, 5)).toEqual([]);
    expect(mmr(items, sim, 0.5, 10)).toHaveLength(3);
  });
});

describe('wordSet and jaccard', () => {
  it('wordSet: lower-case Unicode letter/digit tokens, deduplicated', () => {
    expect(wordSet('Hello, hello WORLD 42!')).toEqual(new Set(['hello', 'world', '42']));
    expect(wordSet('Café déjà-vu')).toEqual(new Set(['café', 'déjà', 'vu']));
    expect(wordSet('  ...  ')).toEqual(new Set());
  });

  it('jaccard = |A ∩ B| / |A ∪ B|, 0 for two empty sets', () => {
    expect(jaccard(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd']))).toBe(0.5);
    expect(jaccard(new Set(['a']), new Set(['a']))).toBe(1);
    expect(jaccard(new Set(['a']), new Set(['b']))).toBe(0);
    expect(jaccard(new Set(), new Set(['b']))).toBe(0);
    expect(jaccard(new Set(), new Set())).toBe(0);
  });
});
