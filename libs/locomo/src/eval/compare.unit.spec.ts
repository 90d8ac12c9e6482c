import { MemfabricError, ValidationError } from '@memfabric/errors';
import { describe, expect, it } from 'vitest';
import { checkCompareOptions, comparePresets, defaultMinHelps } from './compare.js';
import type { MetricRow, PresetSummary } from './metrics.js';

/** A preset summary with the given recall@10 overall and per conversation (other metrics fixed). */
function preset(overall: number, byConversation: Record<string, number>): PresetSummary {
  const row = (r10: number): MetricRow => ({ 'recall@10': r10, mrr: 0.5 });
  return {
    overall: row(overall),
    byCategory: {},
    questions: 10,
    byConversation: Object.fromEntries(Object.entries(byConversation).map(([c, v]) => [c, { overall: row(v), byCategory: {}, questions: 2 }])),
  };
}

const conversations = ['c1', 'c2', 'c3', 'c4', 'c5'];
const at = (...values: number[]) => Object.fromEntries(conversations.map((c, i) => [c, values[i]!]));

describe('comparing presets with a baseline per conversation', () => {
  const presets = {
    base: preset(0.7, at(0.6, 0.7, 0.8, 0.65, 0.75)),
    // better on 4 of 5, worse on c5: kept
    fourOfFive: preset(0.72, at(0.61, 0.75, 0.82, 0.7, 0.7)),
    // better on average (one large gain), better on only 2: dropped
    carriedByOne: preset(0.75, at(0.9, 0.72, 0.8, 0.6, 0.7)),
    // a tie neither helps nor hurts
    ties: preset(0.7, at(0.6, 0.7, 0.8, 0.65, 0.76)),
  };

  it('gives the per-conversation deltas, the helps and hurts counts and the verdict (4 of 5 by default)', () => {
    const c = comparePresets(presets, { baseline: 'base' });
    expect(c).toMatchObject({ baseline: 'base', metric: 'recall@10', minHelps: 4, conversations });
    expect(Object.keys(c.variants)).toEqual(['fourOfFive', 'carriedByOne', 'ties']);
    expect(c.variants.fourOfFive).toEqual({ overall: 0.02, byConversation: at(0.01, 0.05, 0.02, 0.05, -0.05), helps: 4, hurts: 1, kept: true });
    expect(c.variants.carriedByOne).toEqual({ overall: 0.05, byConversation: at(0.3, 0.02, 0, -0.05, -0.05), helps: 2, hurts: 2, kept: false });
    expect(c.variants.ties).toMatchObject({ overall: 0, helps: 1, hurts: 0, kept: false });
  });

  it('takes another metric and another threshold', () => {
    const c = comparePresets(presets, { baseline: 'base', minHelps: 2 });
    expect(c.variants.carriedByOne!.kept).toBe(true);
    const mrr = comparePresets(presets, { baseline: 'base', metric: 'mrr' });
    expect(mrr.variants.fourOfFive).toMatchObject({ overall: 0, helps: 0, hurts: 0, kept: false });
  });

  it('defaults to 80 % of the conversations, rounded up', () => {
    expect([1, 2, 5, 10, 0].map(defaultMinHelps)).toEqual([1, 2, 4, 8, 1]);
  });

  it('rejects an unknown baseline, metric or threshold with the option to fix', () => {
    const problem = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(MemfabricError.is(error) && error instanceof ValidationError).toBe(true);
        return (error as ValidationError).problems[0]?.pointer;
      }
      throw new Error('expected a ValidationError');
    };
    expect(problem(() => comparePresets(presets, { baseline: 'nope' }))).toBe('--baseline');
    expect(problem(() => comparePresets(presets, { baseline: 'base', metric: 'recall@50' }))).toBe('--compare');
    expect(problem(() => comparePresets(presets, { baseline: 'base', minHelps: 6 }))).toBe('--min-helps');
    expect(problem(() => checkCompareOptions({ minHelps: 0 }, ['recall@10'], 5))).toBe('--min-helps');
    expect(checkCompareOptions({}, ['recall@5', 'recall@10'], 10)).toEqual({ metric: 'recall@10', minHelps: 8 });
  });
});
