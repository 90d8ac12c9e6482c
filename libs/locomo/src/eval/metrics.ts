/**
 * Retrieval metrics over dialog turns, as in the LoCoMo paper (Maharana et al., "Evaluating
 * Very Long-Term Conversational Memory of LLM Agents", ACL 2024, Table 3): the retrieval unit is
 * a dialog turn, identified by its `dia_id`; relevance is binary (a turn is evidence or not).
 */

/** Anything with the source reference of a recalled memory unit (a recall hit's `sourceRef` = the turn's `dia_id`). */
export interface RankedHit {
  readonly sourceRef: string | null;
}

/**
 * The ranked list of turns a recall returned: each hit's `sourceRef`, in rank order, each
 * `dia_id` once (its first rank) and hits without a source reference left out.
 */
export function rankedDiaIds(hits: readonly RankedHit[]): string[] {
  const seen = new Set<string>();
  const ranked: string[] = [];
  for (const hit of hits) {
    if (hit.sourceRef === null || seen.has(hit.sourceRef)) continue;
    seen.add(hit.sourceRef);
    ranked.push(hit.sourceRef);
  }
  return ranked;
}

/**
 * recall@k: the share of the relevant turns found among the first `k` of the ranking,
 * `|top_k ∩ relevant| / |relevant|` (LoCoMo, Table 3).
 * @param ranked - `dia_id`s in rank order, each once ({@link rankedDiaIds}).
 * @param relevant - the question's evidence turns (at least one).
 * @param k - cut-off, ≥ 1.
 * @returns a value in [0, 1]; 0 when `relevant` is empty.
 */
export function recallAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let found = 0;
  for (const id of ranked.slice(0, k)) if (relevant.has(id)) found += 1;
  return found / relevant.size;
}

/**
 * Complete-evidence recall@k: 1 when every relevant turn is among the first `k` of the ranking,
 * else 0. Averaged over questions it is the share of questions whose whole evidence was
 * retrieved; unlike {@link recallAtK} it gives no partial credit to a multi-evidence question
 * (two of three evidence turns found scores 2/3 there, 0 here). For a question with one evidence
 * turn both are equal.
 * @param ranked - `dia_id`s in rank order, each once ({@link rankedDiaIds}).
 * @param relevant - the question's evidence turns (at least one).
 * @param k - cut-off, ≥ 1.
 * @returns 0 or 1; 0 when `relevant` is empty.
 */
export function completeRecallAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let found = 0;
  for (const id of ranked.slice(0, k)) if (relevant.has(id)) found += 1;
  return found === relevant.size ? 1 : 0;
}

/**
 * NDCG@k with binary relevance (Järvelin & Kekäläinen, "Cumulated gain-based evaluation of IR
 * techniques", ACM TOIS 2002): DCG = Σ_{i=1..k} rel_i / log2(i + 1), divided by the DCG of the
 * ideal ranking (every relevant turn first, `min(|relevant|, k)` of them).
 * @returns a value in [0, 1]; 0 when `relevant` is empty.
 */
export function ndcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(relevant.size, k); i += 1) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

/**
 * Reciprocal rank of the first relevant turn in the ranking (1 / rank, 1-based), 0 when none of
 * the ranking is relevant; its mean over questions is the MRR (Voorhees, TREC-8 QA track, 1999).
 * The ranking is as long as the recall was asked for (the largest k).
 */
export function reciprocalRank(ranked: readonly string[], relevant: ReadonlySet<string>): number {
  const i = ranked.findIndex((id) => relevant.has(id));
  return i < 0 ? 0 : 1 / (i + 1);
}

/** Cut-off of the NDCG reported. */
export const NDCG_K = 10;

/**
 * Metric values keyed by name: `recall@<k>` for each requested k, then `completeRecall@<k>` for
 * each k, `ndcg@10`, `mrr` (the order of {@link metricKeys}); each in [0, 1].
 */
export type MetricRow = Record<string, number>;

/** Name of the recall@k metric. */
export function recallKey(k: number): string {
  return `recall@${k}`;
}

/** Name of the complete-evidence recall@k metric ({@link completeRecallAtK}). */
export function completeRecallKey(k: number): string {
  return `completeRecall@${k}`;
}

/** Every metric name a run with cut-offs `ks` reports, in report order (see {@link MetricRow}). */
export function metricKeys(ks: readonly number[]): string[] {
  return [...ks.map(recallKey), ...ks.map(completeRecallKey), `ndcg@${NDCG_K}`, 'mrr'];
}

/**
 * Scores one ranking against one question's evidence: recall@k and complete-evidence recall@k
 * for every k, NDCG@10 and reciprocal rank.
 * @param ks - cut-offs, each ≥ 1.
 * @returns the row, keys in {@link metricKeys} order.
 */
export function scoreRanking(ranked: readonly string[], evidence: readonly string[], ks: readonly number[]): MetricRow {
  const relevant = new Set(evidence);
  const row: MetricRow = {};
  for (const k of ks) row[recallKey(k)] = recallAtK(ranked, relevant, k);
  for (const k of ks) row[completeRecallKey(k)] = completeRecallAtK(ranked, relevant, k);
  row[`ndcg@${NDCG_K}`] = ndcgAtK(ranked, relevant, NDCG_K);
  row.mrr = reciprocalRank(ranked, relevant);
  return row;
}

/** The scores of one question in one preset. */
export interface ScoredQuestion {
  /** Conversation (LoCoMo `sample_id`) the question belongs to. */
  readonly sampleId: string;
  readonly category: number;
  readonly scores: MetricRow;
}

/** Means over one set of questions: overall, per category, and how many questions there were. */
export interface MetricSummary {
  /** Mean of each metric over the questions. */
  readonly overall: MetricRow;
  /** Mean of each metric over the questions of each category, keyed by category number, in numeric order. */
  readonly byCategory: Record<string, MetricRow>;
  /** Scored questions (each with at least one valid evidence turn). */
  readonly questions: number;
}

/**
 * Metrics of one preset: overall and per category over every question, and the same figures
 * for each conversation on its own.
 */
export interface PresetSummary extends MetricSummary {
  /**
   * The summary of each conversation's questions, keyed by `sample_id`, conversations in the
   * order of their first question (the file's order).
   */
  readonly byConversation: Record<string, MetricSummary>;
}

function mean(rows: readonly MetricRow[], keys: readonly string[], digits: number): MetricRow {
  const out: MetricRow = {};
  for (const key of keys) {
    const sum = rows.reduce((acc, row) => acc + (row[key] ?? 0), 0);
    out[key] = rows.length === 0 ? 0 : round(sum / rows.length, digits);
  }
  return out;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function summarizeGroup(scored: readonly ScoredQuestion[], keys: readonly string[], digits: number): MetricSummary {
  const categories = [...new Set(scored.map((q) => q.category))].sort((a, b) => a - b);
  const byCategory: Record<string, MetricRow> = {};
  for (const c of categories) {
    byCategory[String(c)] = mean(
      scored.filter((q) => q.category === c).map((q) => q.scores),
      keys,
      digits,
    );
  }
  return { overall: mean(scored.map((q) => q.scores), keys, digits), byCategory, questions: scored.length };
}

/**
 * Macro-averages question scores: each question weighs the same, overall and within its
 * category (LoCoMo reports per-category and overall averages over questions), over all
 * questions and over each conversation's questions alone. A conversation's figure is thus the
 * mean over its own questions; the overall figure is the mean over every question (not the
 * mean of the conversations' figures).
 * @param digits - decimals kept in the means (default 4).
 * @returns overall, per-category and per-conversation means; categories in numeric order,
 *   conversations in order of first appearance in `scored`.
 */
export function summarize(scored: readonly ScoredQuestion[], digits = 4): PresetSummary {
  const keys = [...new Set(scored.flatMap((q) => Object.keys(q.scores)))];
  const byConversation: Record<string, MetricSummary> = {};
  for (const sampleId of new Set(scored.map((q) => q.sampleId))) {
    byConversation[sampleId] = summarizeGroup(
      scored.filter((q) => q.sampleId === sampleId),
      keys,
      digits,
    );
  }
  return { ...summarizeGroup(scored, keys, digits), byConversation };
}

/**
 * The p-th percentile by the nearest-rank method: the smallest value with at least p % of the
 * values at or below it.
 * @param values - samples (for example latencies in ms); not modified.
 * @param p - percentile in (0, 100].
 * @returns the percentile, or 0 for no samples.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
