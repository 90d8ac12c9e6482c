import { LOCOMO_CATEGORIES, type DroppedEvidence } from './dataset.js';
import type { PresetComparison } from './compare.js';
import { completeRecallKey, metricKeys, recallKey, type MetricSummary, type PresetSummary } from './metrics.js';

/**
 * The published retrieval baseline: the LoCoMo paper's DRAGON retriever over dialog turns
 * (Maharana et al., ACL 2024, Table 3), evidence recall@k as a fraction, on all ten
 * conversations of LoCoMo (not only a split).
 */
export const DRAGON_BASELINE = {
  name: 'DRAGON (paper, Table 3)',
  scope: 'all 10 LoCoMo conversations',
  recall: { 5: 0.567, 10: 0.662, 25: 0.767, 50: 0.827 } as Readonly<Record<number, number>>,
} as const;

/** Recall latency of one preset over the questions, ms. */
export interface LatencySummary {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** Wall-clock times of an evaluation run, ms. */
export interface EvalTimings {
  /** Validating and appending every turn to the log. */
  readonly ingestMs: number;
  /** Running the projections until their lag is 0. */
  readonly catchUpMs: number;
  /** Per preset: recall latency percentiles over the questions (client side, one recall at a time). */
  readonly recall: Record<string, LatencySummary>;
  /** The whole run, file read to last recall. */
  readonly totalMs: number;
}

/**
 * The one-line summary of a run (`memfabric eval locomo --json` prints it as its last line):
 * `{"presets": {"hybrid-rrf": {"overall": {"recall@5": …, …, "completeRecall@5": …, …,
 * "ndcg@10": …, "mrr": …}, "byCategory": {"1": {…}, …}, "questions": N, "byConversation":
 * {"conv-26": {"overall": {…}, "byCategory": {…}, "questions": N}, …}}, …}, "droppedEvidence": N,
 * "timings": {…}}`, and `"comparison": {…}` last when a baseline was given.
 */
export interface EvalSummary {
  readonly presets: Record<string, PresetSummary>;
  /** Evidence ids that matched no turn after normalisation. */
  readonly droppedEvidence: number;
  readonly timings: EvalTimings;
  /** Every other preset against the baseline, per conversation (only with a baseline). */
  readonly comparison?: PresetComparison;
}

/** The full report (`report.json`): the summary's fields plus what the run was made of. */
export interface EvalReport extends EvalSummary {
  /** The input. */
  readonly dataset: {
    readonly file: string;
    readonly conversations: number;
    readonly turns: number;
    readonly questions: number;
    /** Questions with at least one valid evidence turn. */
    readonly scoredQuestions: number;
    /** Scored questions per category number. */
    readonly questionsByCategory: Record<string, number>;
  };
  /** Cut-offs of recall@k, ascending. */
  readonly k: readonly number[];
  /** Every dropped evidence id, with its conversation and question. */
  readonly droppedEvidenceIds: readonly DroppedEvidence[];
  /** How the run was made: start time (RFC 3339), embedder, machine, ... */
  readonly environment: Readonly<Record<string, string | number>>;
}

/** The {@link EvalSummary} part of a report, with exactly the summary's keys (`comparison` only when the report has one). */
export function summaryOf(report: EvalSummary): EvalSummary {
  const summary: EvalSummary = { presets: report.presets, droppedEvidence: report.droppedEvidence, timings: report.timings };
  return report.comparison ? { ...summary, comparison: report.comparison } : summary;
}

function fmt(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(3);
}

function fmtDelta(value: number | undefined): string {
  if (value === undefined) return '–';
  const text = value.toFixed(3);
  return value > 0 ? `+${text}` : text === '-0.000' ? '0.000' : text;
}

function categoryLabel(category: string): string {
  const name = LOCOMO_CATEGORIES[category];
  return name ? `${category} ${name}` : category;
}

function dragonRow(ks: readonly number[]): string[] {
  return [...ks.map((k) => fmt(DRAGON_BASELINE.recall[k])), ...ks.map(() => '–'), '–', '–'];
}

/** Rows of a per-conversation table of one preset: one per conversation, then `all`. */
function conversationRows(summary: PresetSummary, keys: readonly string[]): string[][] {
  const row = (label: string, s: MetricSummary) => [label, ...keys.map((k) => fmt(s.overall[k])), String(s.questions)];
  return [...Object.entries(summary.byConversation).map(([c, s]) => row(c, s)), row('all', summary)];
}

/** Header and rows of the comparison table: a row per variant, a column per conversation, the overall delta, helps N/n, the verdict. */
function comparisonTable(comparison: PresetComparison): { header: string[]; rows: string[][] } {
  const n = comparison.conversations.length;
  return {
    header: ['variant', ...comparison.conversations, 'overall', 'helps', `keep (≥ ${comparison.minHelps}/${n})`],
    rows: Object.entries(comparison.variants).map(([name, v]) => [
      name,
      ...comparison.conversations.map((c) => fmtDelta(v.byConversation[c])),
      fmtDelta(v.overall),
      `${v.helps}/${n}`,
      v.kept ? 'yes' : 'no',
    ]),
  };
}

function comparisonCaption(comparison: PresetComparison): string {
  return (
    `${comparison.metric} of each preset minus that of \`${comparison.baseline}\`, per conversation and over every question; ` +
    `helps = conversations where the delta is above 0; keep = helps in at least ${comparison.minHelps} of ${comparison.conversations.length}.`
  );
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/**
 * Renders a report as Markdown: the run, an overall table (one row per preset with latency, and
 * the paper's DRAGON row), one per-category table per preset, the timings and the dropped
 * evidence ids. Metrics are fractions in [0, 1] with three decimals.
 */
export function renderMarkdownReport(report: EvalReport): string {
  const keys = metricKeys(report.k);
  const presets = Object.entries(report.presets);
  const out: string[] = [];
  out.push('# LoCoMo retrieval evaluation', '');
  out.push(
    `File \`${report.dataset.file}\`: ${report.dataset.conversations} conversation(s), ${report.dataset.turns} dialog turns, ` +
      `${report.dataset.questions} questions, ${report.dataset.scoredQuestions} scored (at least one valid evidence turn); ` +
      `${report.droppedEvidence} evidence id(s) dropped.`,
    '',
  );
  const env = Object.entries(report.environment);
  if (env.length > 0) out.push(env.map(([k, v]) => `- ${k}: ${v}`).join('\n'), '');
  out.push(
    'Metrics as in Maharana et al., ACL 2024, Table 3: the retrieval unit is a dialog turn; recall@k is the share of a ' +
      "question's evidence turns among the first k turns recalled, averaged over questions; completeRecall@k counts a question " +
      'as 1 only when every one of its evidence turns is among the first k. NDCG@10 uses binary relevance; ' +
      'MRR is the mean reciprocal rank of the first evidence turn. Every figure is also given per conversation (`sample_id`).',
    '',
  );
  out.push('## Overall', '');
  out.push(
    markdownTable(
      ['preset', ...keys, 'questions', 'p50 ms', 'p95 ms'],
      [
        ...presets.map(([name, s]) => {
          const latency = report.timings.recall[name];
          return [`\`${name}\``, ...keys.map((k) => fmt(s.overall[k])), String(s.questions), latency ? latency.p50Ms.toFixed(1) : '–', latency ? latency.p95Ms.toFixed(1) : '–'];
        }),
        [DRAGON_BASELINE.name, ...dragonRow(report.k), '–', '–', '–'],
      ],
    ),
    '',
    `The DRAGON row is the paper's published figure on ${DRAGON_BASELINE.scope}; ours are on the file above.`,
    '',
  );
  out.push('## By category', '');
  for (const [name, s] of presets) {
    out.push(`### \`${name}\``, '');
    out.push(
      markdownTable(
        ['category', ...keys, 'questions'],
        Object.entries(s.byCategory).map(([c, row]) => [categoryLabel(c), ...keys.map((k) => fmt(row[k])), String(report.dataset.questionsByCategory[c] ?? '–')]),
      ),
      '',
    );
  }
  out.push('## By conversation', '');
  for (const [name, s] of presets) {
    out.push(`### \`${name}\``, '');
    out.push(markdownTable(['conversation', ...keys, 'questions'], conversationRows(s, keys)), '');
  }
  if (report.comparison) {
    const { header, rows } = comparisonTable(report.comparison);
    out.push(`## Against \`${report.comparison.baseline}\` (${report.comparison.metric})`, '');
    out.push(markdownTable(header, rows.map((r) => [`\`${r[0]}\``, ...r.slice(1)])), '', comparisonCaption(report.comparison), '');
  }
  out.push('## Timings', '');
  out.push(
    markdownTable(
      ['step', 'ms'],
      [
        ['ingest (validate + append)', report.timings.ingestMs.toFixed(0)],
        ['projections catch-up', report.timings.catchUpMs.toFixed(0)],
        ['total', report.timings.totalMs.toFixed(0)],
      ],
    ),
    '',
  );
  out.push('## Dropped evidence ids', '');
  if (report.droppedEvidenceIds.length === 0) out.push('None: every evidence id resolved to a dialog turn.', '');
  else {
    out.push(
      markdownTable(
        ['conversation', 'question', 'evidence string', 'token', 'reason'],
        report.droppedEvidenceIds.map((d) => [d.sampleId, String(d.question), `\`${d.raw}\``, `\`${d.token}\``, d.reason]),
      ),
      '',
    );
  }
  return out.join('\n');
}

/** Aligned columns: the first `labels` columns padded on the right, the rest (figures) on the left. */
function textTable(rows: readonly (readonly string[])[], labels = 1): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i < labels ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

/**
 * Renders a summary as plain text for a terminal: one row per preset (metrics, questions,
 * p50/p95 latency), the paper's DRAGON row; recall@10 and completeRecall@10 (or the largest k
 * when 10 is not among them) by category; every metric per conversation (a row per preset and
 * conversation); with a comparison, the per-conversation deltas against the baseline.
 * @param ks - the recall cut-offs of the run, ascending.
 */
export function renderTextReport(summary: EvalSummary, ks: readonly number[]): string {
  const keys = metricKeys(ks);
  const presets = Object.entries(summary.presets);
  const overall = textTable([
    ['preset', ...keys, 'questions', 'p50 ms', 'p95 ms'],
    ...presets.map(([name, s]) => {
      const latency = summary.timings.recall[name];
      return [name, ...keys.map((k) => fmt(s.overall[k])), String(s.questions), latency ? latency.p50Ms.toFixed(1) : '–', latency ? latency.p95Ms.toFixed(1) : '–'];
    }),
    [`${DRAGON_BASELINE.name}*`, ...dragonRow(ks), '–', '–', '–'],
  ]);
  const k = ks.includes(10) ? 10 : ks[ks.length - 1]!;
  const categories = [...new Set(presets.flatMap(([, s]) => Object.keys(s.byCategory)))].sort((a, b) => Number(a) - Number(b));
  const byCategory = (key: string) =>
    textTable([[`${key} by category`, ...categories.map(categoryLabel)], ...presets.map(([name, s]) => [name, ...categories.map((c) => fmt(s.byCategory[c]?.[key]))])]);
  const byConversation = textTable([
    ['preset', 'conversation', ...keys, 'questions'],
    ...presets.flatMap(([name, s]) => Object.entries(s.byConversation).map(([c, cs]) => [name, c, ...keys.map((key) => fmt(cs.overall[key])), String(cs.questions)])),
  ], 2);
  const sections = [overall, `* published figure on ${DRAGON_BASELINE.scope}`, '', byCategory(recallKey(k)), '', byCategory(completeRecallKey(k)), '', byConversation, ''];
  if (summary.comparison) {
    const { header, rows } = comparisonTable(summary.comparison);
    sections.push(textTable([header, ...rows]), comparisonCaption(summary.comparison).replace(/`/g, ''), '');
  }
  const timings = `ingest ${summary.timings.ingestMs.toFixed(0)} ms, projections catch-up ${summary.timings.catchUpMs.toFixed(0)} ms, total ${summary.timings.totalMs.toFixed(0)} ms; ${summary.droppedEvidence} evidence id(s) dropped`;
  return [...sections, timings].join('\n');
}
