import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { z } from 'zod';
import { sigmoid, trainLogisticRegression, type LogisticRegressionOptions } from './logistic-regression.js';

/**
 * Learned fusion: a logistic-regression model over per-channel rank and score features that
 * re-orders the first `pool` candidates of weighted RRF (learning to rank with a linear model:
 * Liu, "Learning to Rank for Information Retrieval", Foundations and Trends in IR 3(3), 2009,
 * §2–3). At recall time each candidate is scored σ(w·x + b) on its own and the pool is sorted by
 * that score; the weights are fitted pairwise (default) or pointwise, see
 * {@link TrainLearnedFusionOptions.objective}.
 *
 * Features of a candidate at fused position i (1-based) of a pool of fused candidates, for each
 * channel c of the model, in the model's channel order ({@link fusionFeatureNames}):
 * - `c.present`: 1 when c ranked the candidate, else 0;
 * - `c.rr`: 1 / (rank in c), 0 when absent;
 * - `c.score`: the channel's own score min–max scaled over the pool's candidates c ranked (1 when
 *   they all have the same score), 0 when absent;
 * then two of the RRF fusion itself:
 * - `rrf.score`: the weighted-RRF score over the pool's first (best) score;
 * - `rrf.rr`: 1 / i.
 * Every feature is in [0, 1]. With the two RRF features the model can keep the RRF order; the
 * others let it weigh a channel's confidence (its score), not only its rank.
 */

/** One fused candidate as the features read it: a `FusedItem`, or a recall hit's score and `explain.channels`. */
export interface FusionCandidate {
  /** The weighted-RRF score. */
  readonly score: number;
  /** Per channel that ranked it: its 1-based rank and the channel's own score. */
  readonly channels: Readonly<Record<string, { readonly rank: number; readonly score: number } | undefined>>;
}

/** Identifies a weights file of this layout. */
export const LEARNED_FUSION_FORMAT = 'memfabric.learned-fusion/v1';

/** Names of the features of a model over `channels`, in the order of the weights. */
export function fusionFeatureNames(channels: readonly string[]): string[] {
  return [...channels.flatMap((c) => [`${c}.present`, `${c}.rr`, `${c}.score`]), 'rrf.score', 'rrf.rr'];
}

/**
 * The feature vectors of a pool of candidates (see the module comment).
 * @param pool - candidates in weighted-RRF order, best first.
 * @param channels - the model's channels, in its order.
 * @returns one vector of {@link fusionFeatureNames}(channels).length numbers in [0, 1] per candidate, in pool order.
 */
export function fusionFeatures(pool: readonly FusionCandidate[], channels: readonly string[]): number[][] {
  const range = channels.map((c) => {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const item of pool) {
      const found = item.channels[c];
      if (found === undefined || !Number.isFinite(found.score)) continue;
      min = Math.min(min, found.score);
      max = Math.max(max, found.score);
    }
    return { min, max };
  });
  const top = pool[0]?.score ?? 0;
  return pool.map((item, index) => {
    const features: number[] = [];
    channels.forEach((c, j) => {
      const found = item.channels[c];
      if (found === undefined) {
        features.push(0, 0, 0);
        return;
      }
      const { min, max } = range[j]!;
      const scaled = !Number.isFinite(found.score) ? 0 : max > min ? (found.score - min) / (max - min) : 1;
      features.push(1, found.rank >= 1 ? 1 / found.rank : 0, scaled);
    });
    features.push(top > 0 ? Math.min(1, Math.max(0, item.score / top)) : 0, 1 / (index + 1));
    return features;
  });
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** The zod schema of a weights file ({@link LearnedFusionModel}). */
export const learnedFusionModelSchema = z
  .object({
    format: z.literal(LEARNED_FUSION_FORMAT, { error: `must be "${LEARNED_FUSION_FORMAT}"` }),
    channels: z
      .array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a channel name (1-32 lower-case letters, digits or "-")'))
      .min(1, 'must name at least one channel')
      .refine((list) => new Set(list).size === list.length, 'must not repeat a channel'),
    features: z.array(z.string()),
    weights: z.array(finite),
    bias: finite,
    pool: z.int('must be an integer').min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
    training: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  // `when`: also check the lengths when another field is bad, so one message names every problem
  .refine((model) => sameNames(model.features, fusionFeatureNames(model.channels)), {
    path: ['features'],
    message: 'must be the features of the channels, in order: per channel "<c>.present", "<c>.rr", "<c>.score", then "rrf.score", "rrf.rr"',
    when: (payload) => hasArrays(payload.value, ['channels', 'features']),
  })
  .refine((model) => model.weights.length === fusionFeatureNames(model.channels).length, {
    path: ['weights'],
    error: (issue) => {
      const model = issue.input as { channels: string[]; weights: unknown[] };
      return `must hold ${fusionFeatureNames(model.channels).length} numbers, one per feature (got ${model.weights.length})`;
    },
    when: (payload) => hasArrays(payload.value, ['channels', 'weights']),
  });

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function hasArrays(value: unknown, keys: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && keys.every((k) => Array.isArray((value as Record<string, unknown>)[k]));
}

/**
 * A learned fusion's weights file: `{"format": "memfabric.learned-fusion/v1", "channels": [...],
 * "features": [...], "weights": [...], "bias": b, "pool": n, "training": {...}}`.
 * `features` must be {@link fusionFeatureNames}(channels) and `weights` one number per feature;
 * `pool` is how many weighted-RRF candidates are re-ordered (those of the training recalls);
 * `training` records how the model was made (free-form, for the reader).
 */
export type LearnedFusionModel = z.infer<typeof learnedFusionModelSchema>;

/**
 * Checks a parsed weights file.
 * @param value - parsed JSON.
 * @param source - what the value is, for the message (a file name; default "learned fusion model").
 * @returns the model, typed.
 * @throws ValidationError naming every bad field (`/weights`, `/format`, `/pool`, ...), its message starting with `source`.
 */
export function parseLearnedFusionModel(value: unknown, source = 'learned fusion model'): LearnedFusionModel {
  const result = learnedFusionModelSchema.safeParse(value);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.map((issue) => ({ pointer: issue.path.length === 0 ? '' : `/${issue.path.map(String).join('/')}`, detail: issue.message }));
  throw new ValidationError(`${source} is not a valid weights file: ${problems.map((p) => `${p.pointer || '/'} ${p.detail}`).join('; ')}`, problems);
}

/**
 * Re-orders the first `model.pool` candidates by the model's probability σ(w·x + b), ties kept
 * in fused order; the candidates after the pool follow in fused order with score 0 (below every
 * pooled one, whose probability is above 0).
 * @param fused - weighted-RRF candidates, best first.
 * @returns the same items with `score` replaced by the probability, best first.
 */
export function learnedFusion<T extends FusionCandidate>(fused: readonly T[], model: LearnedFusionModel): (T & { score: number })[] {
  const pool = fused.slice(0, model.pool);
  const features = fusionFeatures(pool, model.channels);
  const scored = pool.map((item, index) => {
    const x = features[index]!;
    let margin = model.bias;
    for (let j = 0; j < x.length; j++) margin += model.weights[j]! * x[j]!;
    return { item, index, margin };
  });
  scored.sort((a, b) => b.margin - a.margin || a.index - b.index);
  return [...scored.map(({ item, margin }) => ({ ...item, score: sigmoid(margin) })), ...fused.slice(model.pool).map((item) => ({ ...item, score: 0 }))];
}

/** One training question: its pool of fused candidates (best first) and which of them are evidence. */
export interface FusionTrainingQuestion {
  readonly pool: readonly FusionCandidate[];
  /** One per pool item: true when the candidate is an evidence unit of the question. */
  readonly labels: readonly boolean[];
}

/** Options of {@link trainLearnedFusion}. */
export interface TrainLearnedFusionOptions extends Partial<LogisticRegressionOptions> {
  /** The channels whose features the model reads, in order. */
  readonly channels: readonly string[];
  /** Candidates re-ordered at recall time: the pool size of the training questions. */
  readonly pool: number;
  /**
   * What an example is: `pairwise` (default), one per (evidence, other) pair of candidates of
   * the same question, features
   * x_evidence − x_other with label 1 and its mirror x_other − x_evidence with label 0 (the
   * linear pairwise ranking model of Herbrich, Graepel & Obermayer, "Large Margin Rank
   * Boundaries for Ordinal Regression", 2000, with the logistic loss of RankNet, Burges et al.,
   * ICML 2005): it fits the order within each question, not each question's base rate. The
   * mirrored pairs make the bias 0, so σ(w·x) ranks but is not a calibrated probability;
   * `pointwise`, one per candidate, label = evidence or not. On the LoCoMo dev split, scored
   * leave-one-conversation-out, pairwise was better (`docs/benchmarks.md`).
   */
  readonly objective?: 'pointwise' | 'pairwise';
  /** Provenance kept in the file's `training` (data set, conversations, base preset, ...). */
  readonly provenance?: Readonly<Record<string, unknown>>;
}

/** λ of the L2 penalty used when none is given: light, fixed before any evaluation (not tuned on the dev split). */
export const DEFAULT_FUSION_L2 = 1e-3;

/**
 * Trains a learned fusion on the {@link fusionFeatures} of the questions' candidates (one
 * example per (evidence, other) pair, or per candidate with `objective: 'pointwise'`), fitted by
 * {@link trainLogisticRegression}. Deterministic.
 * @returns the model, with `training` = provenance + method, objective, λ, examples, positives, questions, iterations, converged.
 * @throws RangeError when there is no example or a question's labels do not match its pool.
 */
export function trainLearnedFusion(questions: readonly FusionTrainingQuestion[], options: TrainLearnedFusionOptions): LearnedFusionModel {
  const objective = options.objective ?? 'pairwise';
  const x: number[][] = [];
  const y: number[] = [];
  questions.forEach((q, i) => {
    if (q.labels.length !== q.pool.length) throw new RangeError(`training question ${i} has ${q.pool.length} candidates but ${q.labels.length} labels`);
    const features = fusionFeatures(q.pool.slice(0, options.pool), options.channels);
    if (objective === 'pointwise') {
      features.forEach((f, j) => {
        x.push(f);
        y.push(q.labels[j] ? 1 : 0);
      });
      return;
    }
    features.forEach((good, j) => {
      if (!q.labels[j]) return;
      features.forEach((other, k) => {
        if (q.labels[k]) return;
        x.push(good.map((v, f) => v - other[f]!), other.map((v, f) => v - good[f]!));
        y.push(1, 0);
      });
    });
  });
  if (x.length === 0) throw new RangeError(`no training examples: the questions have no candidates${objective === 'pairwise' ? ' or no (evidence, other) pair' : ''}`);
  const l2 = options.l2 ?? DEFAULT_FUSION_L2;
  const fit = trainLogisticRegression(x, y, { l2, ...(options.maxIterations ? { maxIterations: options.maxIterations } : {}), ...(options.tolerance ? { tolerance: options.tolerance } : {}) });
  return parseLearnedFusionModel({
    format: LEARNED_FUSION_FORMAT,
    channels: [...options.channels],
    features: fusionFeatureNames(options.channels),
    weights: [...fit.weights],
    bias: fit.bias,
    pool: options.pool,
    training: {
      ...options.provenance,
      method: 'L2-regularised logistic regression, Newton-IRLS with backtracking line search, weights from 0',
      objective,
      l2,
      questions: questions.length,
      examples: x.length,
      positives: y.filter((v) => v === 1).length,
      iterations: fit.iterations,
      converged: fit.converged,
      loss: fit.objective,
    },
  });
}
