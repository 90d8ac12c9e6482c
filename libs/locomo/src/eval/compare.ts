import { ValidationError } from '@memfabric/errors';
import { round, type PresetSummary } from './metrics.js';


/**
 * Comparing presets with a baseline conversation by conversation, so that a change is kept only
 * when it helps on most conversations, not only on their average (a gain carried by one
 * conversation is likely tuned to it).
 */

/** The metric compared when none is named. */
export const DEFAULT_COMPARE_METRIC = 'recall@10';

/** Share of the conversations a variant must help on to be kept, when no count is given: 4 of 5 on the LoCoMo dev split. */
export const DEFAULT_HELPS_SHARE = 0.8;

/**
 * The default count of conversations a variant must help on: ⌈{@link DEFAULT_HELPS_SHARE} × n⌉
 * (4 of 5, 8 of 10, 1 of 1).
 * @param conversations - number of conversations compared, ≥ 0.
 */
export function defaultMinHelps(conversations: number): number {
  return Math.max(1, Math.ceil(round(DEFAULT_HELPS_SHARE * conversations, 9)));
}

/** How one preset compares with the baseline on the compared metric. */
export interface VariantComparison {
  /** Variant − baseline over every question. */
  readonly overall: number;
  /** Variant − baseline over each conversation's questions, keyed by `sample_id`. */
  readonly byConversation: Record<string, number>;
  /** Conversations where the variant is above the baseline (delta > 0). */
  readonly helps: number;
  /** Conversations where it is below (delta < 0); the rest are ties. */
  readonly hurts: number;
  /** `helps ≥ minHelps`: the rule says keep the change. */
  readonly kept: boolean;
}

/** Every compared preset against the baseline (`comparison` in the `--baseline` summary). */
export interface PresetComparison {
  /** The preset compared against. */
  readonly baseline: string;
  /** The metric compared, a key of the summaries' rows (for example `recall@10`). */
  readonly metric: string;
  /** Conversations a variant must help on to be kept. */
  readonly minHelps: number;
  /** The conversations compared (`sample_id`s), in the baseline's order. */
  readonly conversations: readonly string[];
  /** One entry per preset other than the baseline, in the order of `presets`. */
  readonly variants: Record<string, VariantComparison>;
}

/** Inputs of {@link comparePresets}. */
export interface CompareOptions {
  /** Name of the baseline preset; must be a key of `presets`. */
  readonly baseline: string;
  /** Metric to compare; default {@link DEFAULT_COMPARE_METRIC}. */
  readonly metric?: string;
  /** Conversations a variant must help on; default {@link defaultMinHelps} of the conversation count. */
  readonly minHelps?: number;
  /** Decimals of the deltas (default 4, those of the summaries). */
  readonly digits?: number;
}

/**
 * Checks the metric and the helps count of a comparison before a run, and fills in their
 * defaults.
 * @param metrics - the metric names the run reports ({@link metricKeys}).
 * @param conversations - the number of conversations in the run.
 * @returns the metric and `minHelps` to use.
 * @throws ValidationError (pointer `--compare`) when the metric is not among `metrics`, (pointer
 *   `--min-helps`) when `minHelps` is not an integer from 1 to `max(1, conversations)`.
 */
export function checkCompareOptions(options: Pick<CompareOptions, 'metric' | 'minHelps'>, metrics: readonly string[], conversations: number): { metric: string; minHelps: number } {
  const metric = options.metric ?? DEFAULT_COMPARE_METRIC;
  if (!metrics.includes(metric)) {
    throw new ValidationError(`metric "${metric}" is not reported; reported: ${metrics.join(', ')}`, [{ pointer: '--compare', detail: `must be among ${metrics.join(', ')}` }]);
  }
  const max = Math.max(1, conversations);
  const minHelps = options.minHelps ?? defaultMinHelps(conversations);
  if (!Number.isInteger(minHelps) || minHelps < 1 || minHelps > max) {
    throw new ValidationError(`--min-helps must be an integer from 1 to ${max} (the conversations compared), got ${minHelps}`, [
      { pointer: '--min-helps', detail: `integer from 1 to ${max}` },
    ]);
  }
  return { metric, minHelps };
}

/**
 * Compares every preset with a baseline on one metric, per conversation: the delta
 * (variant − baseline) of the reported means, overall and for each conversation, how many
 * conversations it helps (delta > 0) and hurts (delta < 0), and whether it helps in at least
 * `minHelps` of them. Deltas are taken between the summaries' rounded means, so they can be
 * reproduced from `report.json`.
 * @param presets - summaries of one run, keyed by preset ({@link summarize}); every one over the same questions.
 * @returns the comparison; variants in the order of `presets`, the baseline left out.
 * @throws ValidationError (pointer `--baseline`) when the baseline is not among `presets`,
 *   (pointer `--compare`) when the metric is not in the baseline's rows, (pointer
 *   `--min-helps`) when `minHelps` is not an integer from 1 to the number of conversations.
 */
export function comparePresets(presets: Readonly<Record<string, PresetSummary>>, options: CompareOptions): PresetComparison {
  const base = presets[options.baseline];
  if (base === undefined) {
    throw new ValidationError(`baseline preset "${options.baseline}" was not evaluated; evaluated: ${Object.keys(presets).join(', ')}`, [
      { pointer: '--baseline', detail: `must be among ${Object.keys(presets).join(', ')}` },
    ]);
  }
  const conversations = Object.keys(base.byConversation);
  const { metric, minHelps } = checkCompareOptions(options, Object.keys(base.overall), conversations.length);
  const digits = options.digits ?? 4;
  const delta = (a: number | undefined, b: number | undefined) => round((a ?? 0) - (b ?? 0), digits);
  const variants: Record<string, VariantComparison> = {};
  for (const [name, summary] of Object.entries(presets)) {
    if (name === options.baseline) continue;
    const byConversation: Record<string, number> = {};
    let helps = 0;
    let hurts = 0;
    for (const c of conversations) {
      const d = delta(summary.byConversation[c]?.overall[metric], base.byConversation[c]?.overall[metric]);
      byConversation[c] = d;
      if (d > 0) helps += 1;
      else if (d < 0) hurts += 1;
    }
    variants[name] = { overall: delta(summary.overall[metric], base.overall[metric]), byConversation, helps, hurts, kept: helps >= minHelps };
  }
  return { baseline: options.baseline, metric, minHelps, conversations, variants };
}
