import { describe, expect, it } from 'vitest';
import { ndcgAtK, percentile, rankedDiaIds, recallAtK, reciprocalRank, scoreRanking, summarize } from './metrics.js';

const hits = (...refs: (string | null)[]) => refs.map((sourceRef) => ({ sourceRef }));

describe('retrieval metrics', () => {
  it('ranks dia_ids by first appearance, skipping hits without a source reference', () => {
    expect(rankedDiaIds(hits('D1:1', 'D1:2', null, 'D1:1', 'D2:3', 'D1:2'))).toEqual(['D1:1', 'D1:2', 'D2:3']);
    expect(rankedDiaIds([])).toEqual([]);
  });

  const ranked = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('recall@k is the share of evidence turns in the first k', () => {
    const relevant = new Set(['b', 'e', 'z']);
    expect(recallAtK(ranked, relevant, 1)).toBe(0);
    expect(recallAtK(ranked, relevant, 2)).toBeCloseTo(1 / 3);
    expect(recallAtK(ranked, relevant, 5)).toBeCloseTo(2 / 3);
    expect(recallAtK(ranked, relevant, 50)).toBeCloseTo(2 / 3);
    expect(recallAtK(ranked, new Set(['a']), 1)).toBe(1);
    expect(recallAtK(ranked, new Set(), 5)).toBe(0);
  });

  it('NDCG@k with binary relevance', () => {
    // relevant at ranks 2 and 5: DCG = 1/log2(3) + 1/log2(6); ideal = 1 + 1/log2(3)
    const expected = (1 / Math.log2(3) + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3));
    expect(ndcgAtK(ranked, new Set(['b', 'e']), 10)).toBeCloseTo(expected, 10);
    expect(ndcgAtK(ranked, new Set(['a', 'b']), 10)).toBe(1);
    // cut-off below the relevant rank
    expect(ndcgAtK(ranked, new Set(['e']), 3)).toBe(0);
    // more relevant turns than k: the ideal has k of them
    expect(ndcgAtK(['x', 'y'], new Set(['x', 'y', 'z']), 2)).toBe(1);
    expect(ndcgAtK(ranked, new Set(), 10)).toBe(0);
  });

  it('reciprocal rank of the first relevant turn', () => {
    expect(reciprocalRank(ranked, new Set(['c', 'f']))).toBeCloseTo(1 / 3);
    expect(reciprocalRank(ranked, new Set(['a']))).toBe(1);
    expect(reciprocalRank(ranked, new Set(['z']))).toBe(0);
  });

  it('scores one ranking with recall@k keys in order, then ndcg@10 and mrr', () => {
    const row = scoreRanking(ranked, ['b', 'f'], [5, 10]);
    expect(Object.keys(row)).toEqual(['recall@5', 'recall@10', 'ndcg@10', 'mrr']);
    expect(row).toMatchObject({ 'recall@5': 0.5, 'recall@10': 1, mrr: 0.5 });
  });

  it('macro-averages over questions, overall and per category', () => {
    const summary = summarize([
      { category: 4, scores: scoreRanking(['a', 'b'], ['a'], [1, 2]) }, // r@1 1, r@2 1, mrr 1
      { category: 4, scores: scoreRanking(['a', 'b'], ['b'], [1, 2]) }, // r@1 0, r@2 1, mrr .5
      { category: 1, scores: scoreRanking(['a', 'b'], ['c', 'b'], [1, 2]) }, // r@1 0, r@2 .5, mrr .5
    ]);
    expect(summary.questions).toBe(3);
    expect(summary.overall).toMatchObject({ 'recall@1': 0.3333, 'recall@2': 0.8333, mrr: 0.6667 });
    expect(Object.keys(summary.byCategory)).toEqual(['1', '4']);
    expect(summary.byCategory['4']).toMatchObject({ 'recall@1': 0.5, 'recall@2': 1, mrr: 0.75 });
    expect(summary.byCategory['1']).toMatchObject({ 'recall@1': 0, 'recall@2': 0.5, mrr: 0.5 });
    expect(summarize([])).toEqual({ overall: {}, byCategory: {}, questions: 0 });
  });

  it('percentiles by nearest rank', () => {
    const ms = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(ms, 50)).toBe(5);
    expect(percentile(ms, 95)).toBe(10);
    expect(percentile(ms, 90)).toBe(9);
    expect(percentile([42], 95)).toBe(42);
    expect(percentile([], 50)).toBe(0);
    expect(ms[0]).toBe(5);
  });
});
