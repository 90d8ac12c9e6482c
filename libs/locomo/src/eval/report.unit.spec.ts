import { describe, expect, it } from 'vitest';
import { comparePresets } from './compare.js';
import type { MetricRow } from './metrics.js';
import { renderMarkdownReport, renderTextReport, summaryOf, type EvalReport } from './report.js';

const row = (r5: number, r10: number, c5: number, c10: number, ndcg: number, mrr: number): MetricRow => ({
  'recall@5': r5,
  'recall@10': r10,
  'completeRecall@5': c5,
  'completeRecall@10': c10,
  'ndcg@10': ndcg,
  mrr,
});

const report: EvalReport = {
  presets: {
    'hybrid-rrf': {
      overall: row(0.7, 0.8, 0.6, 0.75, 0.6, 0.55),
      byCategory: { '1': row(0.5, 0.6, 0.25, 0.5, 0.4, 0.3), '4': row(0.9, 1, 0.9, 1, 0.8, 0.8) },
      questions: 4,
      byConversation: {
        c1: { overall: row(0.8, 0.9, 0.7, 0.85, 0.7, 0.6), byCategory: { '4': row(0.8, 0.9, 0.7, 0.85, 0.7, 0.6) }, questions: 3 },
        c2: { overall: row(0.4, 0.5, 0.3, 0.45, 0.3, 0.4), byCategory: { '1': row(0.4, 0.5, 0.3, 0.45, 0.3, 0.4) }, questions: 1 },
      },
    },
    'lexical-only': {
      overall: row(0.5, 0.6, 0.4, 0.5, 0.45, 0.4),
      byCategory: { '1': row(0.25, 0.5, 0, 0.5, 0.3, 0.2), '4': row(0.75, 0.7, 0.7, 0.6, 0.6, 0.6) },
      questions: 4,
      byConversation: {
        c1: { overall: row(0.5, 0.55, 0.4, 0.5, 0.4, 0.4), byCategory: {}, questions: 3 },
        c2: { overall: row(0.5, 0.75, 0.4, 0.5, 0.5, 0.4), byCategory: {}, questions: 1 },
      },
    },
  },
  droppedEvidence: 1,
  timings: { ingestMs: 120.4, catchUpMs: 3400.2, totalMs: 5000, recall: { 'hybrid-rrf': { p50Ms: 12.5, p95Ms: 30.25 }, 'lexical-only': { p50Ms: 2, p95Ms: 4 } } },
  dataset: { file: 'conv.json', conversations: 2, turns: 20, questions: 5, scoredQuestions: 4, questionsByCategory: { '1': 2, '4': 2 } },
  k: [5, 10],
  droppedEvidenceIds: [{ sampleId: 'c1', question: 3, token: 'D', raw: 'D', reason: 'malformed' }],
  environment: { embedder: 'hash' },
};

const compared: EvalReport = { ...report, comparison: comparePresets(report.presets, { baseline: 'hybrid-rrf', minHelps: 1 }) };

describe('evaluation reports', () => {
  it('keeps exactly the summary keys, with the comparison only when there is one', () => {
    expect(Object.keys(summaryOf(report))).toEqual(['presets', 'droppedEvidence', 'timings']);
    expect(JSON.parse(JSON.stringify(summaryOf(report)))).toMatchObject({
      presets: { 'hybrid-rrf': { overall: { 'recall@10': 0.8, 'completeRecall@10': 0.75 }, questions: 4, byConversation: { c2: { overall: { 'recall@10': 0.5 }, questions: 1 } } } },
      droppedEvidence: 1,
    });
    expect(Object.keys(summaryOf(compared))).toEqual(['presets', 'droppedEvidence', 'timings', 'comparison']);
    expect(summaryOf(compared).comparison?.variants['lexical-only']).toEqual({ overall: -0.2, byConversation: { c1: -0.35, c2: 0.25 }, helps: 1, hurts: 1, kept: true });
  });

  it('renders Markdown with an overall table, the DRAGON row, per-category and per-conversation tables and dropped ids', () => {
    const md = renderMarkdownReport(report);
    expect(md).toContain('| preset | recall@5 | recall@10 | completeRecall@5 | completeRecall@10 | ndcg@10 | mrr | questions | p50 ms | p95 ms |');
    expect(md).toContain('| `hybrid-rrf` | 0.700 | 0.800 | 0.600 | 0.750 | 0.600 | 0.550 | 4 | 12.5 | 30.3 |');
    expect(md).toContain('| DRAGON (paper, Table 3) | 0.567 | 0.662 | – | – | – | – | – | – | – |');
    expect(md).toContain('all 10 LoCoMo conversations');
    expect(md).toContain('### `lexical-only`');
    expect(md).toContain('| 1 multi-hop | 0.250 | 0.500 | 0.000 | 0.500 | 0.300 | 0.200 | 2 |');
    expect(md).toContain('## By conversation');
    expect(md).toContain('| conversation | recall@5 | recall@10 | completeRecall@5 | completeRecall@10 | ndcg@10 | mrr | questions |');
    expect(md).toContain('| c2 | 0.400 | 0.500 | 0.300 | 0.450 | 0.300 | 0.400 | 1 |');
    expect(md).toContain('| all | 0.700 | 0.800 | 0.600 | 0.750 | 0.600 | 0.550 | 4 |');
    expect(md).toContain('| c1 | 3 | `D` | `D` | malformed |');
    expect(md).toContain('| projections catch-up | 3400 |');
    expect(md).not.toContain('## Against');
  });

  it('renders the comparison with signed deltas, helps N/n and the verdict', () => {
    const md = renderMarkdownReport(compared);
    expect(md).toContain('## Against `hybrid-rrf` (recall@10)');
    expect(md).toContain('| variant | c1 | c2 | overall | helps | keep (≥ 1/2) |');
    expect(md).toContain('| `lexical-only` | -0.350 | +0.250 | -0.200 | 1/2 | yes |');
    const text = renderTextReport(summaryOf(compared), compared.k);
    expect(text).toMatch(/\nvariant\s+c1\s+c2\s+overall\s+helps\s+keep \(≥ 1\/2\)\nlexical-only\s+-0\.350\s+\+0\.250\s+-0\.200\s+1\/2\s+yes\n/);
    expect(text).toContain('recall@10 of each preset minus that of hybrid-rrf');
  });

  it('renders aligned text tables for the terminal, per category and per conversation', () => {
    const text = renderTextReport(summaryOf(report), report.k);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^preset\s+recall@5\s+recall@10\s+completeRecall@5\s+completeRecall@10\s+ndcg@10\s+mrr\s+questions\s+p50 ms\s+p95 ms$/);
    expect(lines[1]).toMatch(/^hybrid-rrf\s+0\.700\s+0\.800\s+0\.600\s+0\.750\s+0\.600\s+0\.550\s+4\s+12\.5\s+30\.3$/);
    expect(lines[3]).toMatch(/^DRAGON \(paper, Table 3\)\*\s+0\.567\s+0\.662\s+–\s+–/);
    expect(new Set(lines.slice(0, 4).map((l) => l.length)).size).toBe(1);
    expect(text).toMatch(/recall@10 by category\s+1 multi-hop\s+4 single-hop/);
    expect(text).toMatch(/completeRecall@10 by category\s+1 multi-hop\s+4 single-hop\nhybrid-rrf\s+0\.500\s+1\.000\n/);
    expect(text).toMatch(/\npreset\s+conversation\s+recall@5\s+recall@10\s+completeRecall@5\s+completeRecall@10\s+ndcg@10\s+mrr\s+questions\n/);
    expect(text).toMatch(/\nhybrid-rrf\s+c2\s+0\.400\s+0\.500\s+0\.300\s+0\.450\s+0\.300\s+0\.400\s+1\n/);
    expect(text).toMatch(/\nlexical-only\s+c1\s+0\.500\s+0\.550\s+0\.400\s+0\.500\s+0\.400\s+0\.400\s+3\n/);
    expect(text).not.toContain('variant');
    expect(text).toMatch(/1 evidence id\(s\) dropped/);
  });
});
