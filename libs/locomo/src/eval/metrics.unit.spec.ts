import { describe, expect, it } from 'vitest';
import { completeRecallAtK, metricKeys, ndcgAtK, percentile, rankedDiaIds, recallAtK, reciprocalRank, scoreRanking, summarize } from './metrics.js';

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

  it('complete-evidence recall@k is 1 only when every evidence turn is in the first k', () => {
    // ranked: a b c d e f; evidence {b, e}: b at rank 2, e at rank 5
    const two = new Set(['b', 'e']);
    expect(completeRecallAtK(ranked, two, 1)).toBe(0); // recall@1 0
    expect(completeRecallAtK(ranked, two, 2)).toBe(0); // recall@2 0.5: partial credit there, none here
    expect(recallAtK(ranked, two, 2)).toBe(0.5);
    expect(completeRecallAtK(ranked, two, 4)).toBe(0); // recall@4 0.5
    expect(completeRecallAtK(ranked, two, 5)).toBe(1); // recall@5 1
    expect(completeRecallAtK(ranked, two, 50)).toBe(1);
    // three evidence turns, two found at any k: recall 2/3, complete 0
    const three = new Set(['a', 'c', 'z']);
    expect(recallAtK(ranked, three, 10)).toBeCloseTo(2 / 3);
    expect(completeRecallAtK(ranked, three, 10)).toBe(0);
    // one evidence turn: equal to recall@k
    for (const k of [1, 2, 3, 6]) expect(completeRecallAtK(ranked, new Set(['c']), k)).toBe(recallAtK(ranked, new Set(['c']), k));
    expect(completeRecallAtK(ranked, new Set(), 5)).toBe(0);
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

  it('scores one ranking with recall@k keys in order, then completeRecall@k, ndcg@10 and mrr', () => {
    const row = scoreRanking(ranked, ['b', 'f'], [5, 10]);
    expect(Object.keys(row)).toEqual(['recall@5', 'recall@10', 'completeRecall@5', 'completeRecall@10', 'ndcg@10', 'mrr']);
    expect(Object.keys(row)).toEqual(metricKeys([5, 10]));
    expect(row).toEqual({ 'recall@5': 0.5, 'recall@10': 1, 'completeRecall@5': 0, 'completeRecall@10': 1, 'ndcg@10': expect.any(Number), mrr: 0.5 });
  });

  it('macro-averages over questions, overall and per category', () => {
    const summary = summarize([
      { sampleId: 'c1', category: 4, scores: scoreRanking(['a', 'b'], ['a'], [1, 2]) }, // r@1 1, r@2 1, mrr 1
      { sampleId: 'c1', category: 4, scores: scoreRanking(['a', 'b'], ['b'], [1, 2]) }, // r@1 0, r@2 1, mrr .5
      { sampleId: 'c1', category: 1, scores: scoreRanking(['a', 'b'], ['c', 'b'], [1, 2]) }, // r@1 0, r@2 .5, mrr .5
    ]);
    expect(summary.questions).toBe(3);
    expect(summary.overall).toMatchObject({ 'recall@1': 0.3333, 'recall@2': 0.8333, mrr: 0.6667 });
    expect(Object.keys(summary.byCategory)).toEqual(['1', '4']);
    expect(summary.byCategory['4']).toMatchObject({ 'recall@1': 0.5, 'recall@2': 1, mrr: 0.75 });
    expect(summary.byCategory['1']).toMatchObject({ 'recall@1': 0, 'recall@2': 0.5, mrr: 0.5 });
    expect(summarize([])).toEqual({ overall: {}, byCategory: {}, questions: 0, byConversation: {} });
  });

  it('averages each conversation over its own questions; overall weighs every question the same', () => {
    // conversation c2 (file order first): q1 evidence {a, b} ranked b x a → r@2 .5, complete@2 0, r@3 1, complete@3 1
    //                                     q2 evidence {x}    ranked x     → 1 everywhere
    // conversation c1:                    q3 evidence {a, b, c} ranked a b → r@2 2/3, complete@2 0, r@3 2/3, complete@3 0
    const summary = summarize([
      { sampleId: 'c2', category: 1, scores: scoreRanking(['b', 'x', 'a'], ['a', 'b'], [2, 3]) },
      { sampleId: 'c2', category: 4, scores: scoreRanking(['x'], ['x'], [2, 3]) },
      { sampleId: 'c1', category: 1, scores: scoreRanking(['a', 'b'], ['a', 'b', 'c'], [2, 3]) },
    ]);
    expect(Object.keys(summary.byConversation)).toEqual(['c2', 'c1']);
    const c2 = summary.byConversation.c2!;
    expect(c2.questions).toBe(2);
    expect(c2.overall).toMatchObject({ 'recall@2': 0.75, 'completeRecall@2': 0.5, 'recall@3': 1, 'completeRecall@3': 1 });
    expect(c2.byCategory['1']).toMatchObject({ 'recall@2': 0.5, 'completeRecall@2': 0, 'recall@3': 1, 'completeRecall@3': 1 });
    expect(Object.keys(c2.byCategory)).toEqual(['1', '4']);
    const c1 = summary.byConversation.c1!;
    expect(c1).toMatchObject({ questions: 1, overall: { 'recall@2': 0.6667, 'completeRecall@2': 0, 'recall@3': 0.6667, 'completeRecall@3': 0 } });
    expect(Object.keys(c1.byCategory)).toEqual(['1']);
    // overall: every question once, not the mean of the two conversations
    expect(summary.overall).toMatchObject({ 'recall@2': 0.7222, 'completeRecall@2': 0.3333, 'recall@3': 0.8889, 'completeRecall@3': 0.6667 });
    expect(summary.byCategory['1']).toMatchObject({ 'recall@3': 0.8333, 'completeRecall@3': 0.5 });
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
