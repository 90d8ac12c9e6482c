import { describe, expect, it } from 'vitest';
import { MemfabricError, ValidationError } from '@memfabric/errors';
import { LOCOMO_DEV_FUSION_MODEL } from './learned-fusion.dev-model.js';
import {
  DEFAULT_FUSION_L2,
  fusionFeatureNames,
  fusionFeatures,
  LEARNED_FUSION_FORMAT,
  learnedFusion,
  parseLearnedFusionModel,
  trainLearnedFusion,
  type FusionCandidate,
  type LearnedFusionModel,
} from './learned-fusion.js';
import { BUILTIN_PRESETS, findPreset, validatePresets } from './presets.js';

const CHANNELS = ['lexical', 'dense'];

/** A model over lexical and dense with the given weights by feature name (others 0). */
function model(weights: Record<string, number>, pool = 10, bias = 0): LearnedFusionModel {
  const features = fusionFeatureNames(CHANNELS);
  return parseLearnedFusionModel({ format: LEARNED_FUSION_FORMAT, channels: CHANNELS, features, weights: features.map((f) => weights[f] ?? 0), bias, pool });
}

/** Candidates in RRF order: `a` lexical 1st, dense 3rd; `b` dense 1st only; `c` lexical 2nd, dense 2nd. */
const fused: (FusionCandidate & { id: string })[] = [
  { id: 'a', score: 0.04, channels: { lexical: { rank: 1, score: 12 }, dense: { rank: 3, score: 0.2 } } },
  { id: 'c', score: 0.03, channels: { lexical: { rank: 2, score: 6 }, dense: { rank: 2, score: 0.5 } } },
  { id: 'b', score: 0.02, channels: { dense: { rank: 1, score: 0.8 } } },
];

const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(MemfabricError.is(error) && error instanceof ValidationError).toBe(true);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
};

describe('fusion features', () => {
  it('gives per channel presence, reciprocal rank and pool-scaled score, then the RRF score share and reciprocal fused rank', () => {
    expect(fusionFeatureNames(CHANNELS)).toEqual(['lexical.present', 'lexical.rr', 'lexical.score', 'dense.present', 'dense.rr', 'dense.score', 'rrf.score', 'rrf.rr']);
    const [a, c, b] = fusionFeatures(fused, CHANNELS);
    // lexical scores 12 and 6 over the pool → 1 and 0; dense 0.2, 0.5, 0.8 → 0, 0.5, 1
    expect(a).toEqual([1, 1, 1, 1, 1 / 3, 0, 1, 1]);
    expect(c![0]).toBe(1);
    expect(c![1]).toBe(0.5);
    expect(c![2]).toBe(0);
    expect(c![5]).toBeCloseTo(0.5, 12);
    expect(c![6]).toBeCloseTo(0.75, 12);
    expect(c![7]).toBe(0.5);
    expect(b).toEqual([0, 0, 0, 1, 1, 1, 0.5, 1 / 3]);
    // one candidate in a channel: its score scales to 1
    expect(fusionFeatures([fused[2]!], ['dense'])[0]).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('learnedFusion', () => {
  it('ranks as its weights say', () => {
    // weight on dense's reciprocal rank: dense's order b, c, a
    expect(learnedFusion(fused, model({ 'dense.rr': 4 })).map((i) => i.id)).toEqual(['b', 'c', 'a']);
    // on lexical presence and its scaled score: a (1 + 1), c (1 + 0), b (0)
    expect(learnedFusion(fused, model({ 'lexical.present': 2, 'lexical.score': 1 })).map((i) => i.id)).toEqual(['a', 'c', 'b']);
    // a negative weight on the fused rank reverses the RRF order
    expect(learnedFusion(fused, model({ 'rrf.rr': -1 })).map((i) => i.id)).toEqual(['b', 'c', 'a']);
    // scores are the probabilities σ(w·x + b), best first
    const scored = learnedFusion(fused, model({ 'dense.rr': 4 }, 10, -1));
    expect(scored[0]!.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 12);
    expect(scored.map((i) => i.score)).toEqual([...scored.map((i) => i.score)].sort((x, y) => y - x));
  });

  it('keeps the fused order on ties and re-orders only the pool; the rest follow with score 0', () => {
    expect(learnedFusion(fused, model({})).map((i) => i.id)).toEqual(['a', 'c', 'b']);
    const pooled = learnedFusion(fused, model({ 'dense.rr': 4 }, 2));
    expect(pooled.map((i) => [i.id, i.score > 0])).toEqual([
      ['c', true],
      ['a', true],
      ['b', false],
    ]);
    expect(pooled[2]!.channels).toEqual(fused[2]!.channels);
  });
});

describe('parseLearnedFusionModel', () => {
  const good = { format: LEARNED_FUSION_FORMAT, channels: CHANNELS, features: fusionFeatureNames(CHANNELS), weights: [1, 2, 3, 4, 5, 6, 7, 8], bias: -1, pool: 50, training: { l2: 0.001 } };

  it('accepts a weights file of the layout', () => {
    expect(parseLearnedFusionModel(good)).toEqual(good);
  });

  it('rejects a bad file naming each bad field and the source', () => {
    const error = problemsOf(() => parseLearnedFusionModel({ ...good, format: 'other', weights: [1, 2], pool: 0 }, 'weights.json'));
    expect(error.message).toMatch(/^weights\.json is not a valid weights file/);
    expect(error.problems.map((p) => p.pointer).sort()).toEqual(['/format', '/pool', '/weights']);
    expect(error.problems.find((p) => p.pointer === '/weights')!.detail).toMatch(/8 numbers, one per feature \(got 2\)/);
    expect(problemsOf(() => parseLearnedFusionModel({ ...good, features: [...good.features].reverse() })).problems.map((p) => p.pointer)).toEqual(['/features']);
    expect(problemsOf(() => parseLearnedFusionModel({ ...good, weights: [1, 2, 3, 4, 5, 6, 7, 'x'] })).problems.map((p) => p.pointer)).toEqual(['/weights/7']);
    expect(problemsOf(() => parseLearnedFusionModel({ ...good, extra: 1 })).problems[0]!.detail).toMatch(/extra/);
    expect(problemsOf(() => parseLearnedFusionModel({ ...good, bias: undefined })).problems.map((p) => p.pointer)).toEqual(['/bias']);
    expect(problemsOf(() => parseLearnedFusionModel([])).problems.map((p) => p.pointer)).toEqual(['']);
  });

  it('is what validatePresets checks in a preset’s fusion, with the preset’s pointer', () => {
    const preset = { name: 'learned', weights: { lexical: 1, dense: 0.1 } };
    const [valid] = validatePresets([{ ...preset, fusion: { kind: 'learned', model: good } }]);
    expect(valid!.fusion).toEqual({ kind: 'learned', model: good });
    expect(validatePresets([preset])[0]!.fusion).toBeUndefined();
    const bad = problemsOf(() => validatePresets([{ ...preset, fusion: { kind: 'learned', model: { ...good, weights: [] } } }, { ...preset, name: 'other', fusion: { kind: 'rrf' } }]));
    expect(bad.problems.map((p) => p.pointer)).toEqual(['/0/fusion/model/weights', '/1/fusion/kind']);
    const unknown = problemsOf(() => validatePresets([{ ...preset, fusion: { kind: 'learned', model: { ...good, channels: ['lexical', 'nope'], features: fusionFeatureNames(['lexical', 'nope']) } } }]));
    expect(unknown.problems).toEqual([{ pointer: '/0/fusion/model/channels', detail: expect.stringMatching(/"nope" is not a channel/) }]);
  });
});

describe('trainLearnedFusion', () => {
  it('learns which channel finds the evidence and then ranks it first', () => {
    // 40 questions of 6 candidates in RRF order; the evidence is always dense's first, at a varying fused position
    const questions = Array.from({ length: 40 }, (_, q) => {
      const evidenceAt = q % 6;
      const pool: FusionCandidate[] = Array.from({ length: 6 }, (_, i) => ({
        score: 1 / (60 + i),
        channels: { lexical: { rank: i + 1, score: 10 - i }, ...(i === evidenceAt ? { dense: { rank: 1, score: 0.9 } } : i % 2 === 0 ? { dense: { rank: 2 + i, score: 0.3 } } : {}) },
      }));
      return { pool, labels: pool.map((_, i) => i === evidenceAt) };
    });
    const trained = trainLearnedFusion(questions, { channels: CHANNELS, pool: 6, objective: 'pointwise', provenance: { dataset: 'toy' } });
    expect(trained.training).toMatchObject({ dataset: 'toy', objective: 'pointwise', questions: 40, examples: 240, positives: 40, converged: true });
    const dense = trained.features.indexOf('dense.rr');
    expect(trained.weights[dense]).toBeGreaterThan(Math.abs(trained.weights[trained.features.indexOf('lexical.rr')]!));
    for (const q of questions) {
      const ranked = learnedFusion(q.pool.map((c, i) => ({ ...c, i })), trained);
      expect(q.labels[ranked[0]!.i]).toBe(true);
    }
    // deterministic
    expect(trainLearnedFusion(questions, { channels: CHANNELS, pool: 6 }).weights).toEqual(trainLearnedFusion(questions, { channels: CHANNELS, pool: 6 }).weights);
  });

  it('pairwise (the default): one example per (evidence, other) pair and its mirror, so the bias is 0; it learns the same toy', () => {
    // evidence = the candidate dense ranks first; lexical order says nothing
    const questions = Array.from({ length: 30 }, (_, q) => {
      const evidenceAt = (q * 7) % 5;
      const pool: FusionCandidate[] = Array.from({ length: 5 }, (_, i) => ({
        score: 1 / (60 + i),
        channels: { lexical: { rank: i + 1, score: 5 - i }, dense: { rank: i === evidenceAt ? 1 : 2 + i, score: i === evidenceAt ? 0.9 : 0.1 * i } },
      }));
      return { pool, labels: pool.map((_, i) => i === evidenceAt) };
    });
    const trained = trainLearnedFusion(questions, { channels: CHANNELS, pool: 5 });
    expect(trained.training).toMatchObject({ objective: 'pairwise', examples: 30 * 4 * 2, positives: 30 * 4 });
    expect(Math.abs(trained.bias)).toBeLessThan(1e-9);
    for (const q of questions) expect(q.labels[learnedFusion(q.pool.map((c, i) => ({ ...c, i })), trained)[0]!.i]).toBe(true);
    expect(() => trainLearnedFusion([{ pool: fused, labels: [false, false, false] }], { channels: CHANNELS, pool: 3, objective: 'pairwise' })).toThrow(/no \(evidence, other\) pair/);
  });

  it('rejects labels that do not match the pool', () => {
    expect(() => trainLearnedFusion([{ pool: fused, labels: [true] }], { channels: CHANNELS, pool: 3 })).toThrow(/3 candidates but 1 labels/);
  });
});

describe('the built-in learned-fusion preset', () => {
  it('is hybrid-rrf with a pairwise model over hybrid-rrf’s channels and first 50 candidates, trained on the five dev conversations', () => {
    const hybrid = findPreset(BUILTIN_PRESETS, 'hybrid-rrf');
    const learned = findPreset(BUILTIN_PRESETS, 'learned-fusion');
    expect(learned).toMatchObject({ weights: hybrid.weights, rrfK: hybrid.rrfK, mmrLambda: null, candidates: hybrid.candidates, options: hybrid.options });
    expect(hybrid.fusion).toBeUndefined();
    const model = learned.fusion!.model;
    expect(model).toBe(LOCOMO_DEV_FUSION_MODEL);
    expect(model.channels).toEqual(Object.keys(hybrid.weights));
    expect(model.pool).toBe(50);
    expect(model.training).toMatchObject({ basePreset: 'hybrid-rrf', objective: 'pairwise', l2: DEFAULT_FUSION_L2, questions: 997, conversations: ['conv-26', 'conv-30', 'conv-41', 'conv-42', 'conv-43'] });
  });
});
