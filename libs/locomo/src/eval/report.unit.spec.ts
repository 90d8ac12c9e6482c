import { describe, expect, it } from 'vitest';
import { renderMarkdownReport, renderTextReport, summaryOf, type EvalReport } from './report.js';

const report: EvalReport = {
  presets: {
    'hybrid-rrf': {
      overall: { 'recall@5': 0.7, 'recall@10': 0.8, 'ndcg@10': 0.6, mrr: 0.55 },
      byCategory: { '1': { 'recall@5': 0.5, 'recall@10': 0.6, 'ndcg@10': 0.4, mrr: 0.3 }, '4': { 'recall@5': 0.9, 'recall@10': 1, 'ndcg@10': 0.8, mrr: 0.8 } },
      questions: 4,
    },
    'lexical-only': {
      overall: { 'recall@5': 0.5, 'recall@10': 0.6, 'ndcg@10': 0.45, mrr: 0.4 },
      byCategory: { '1': { 'recall@5': 0.25, 'recall@10': 0.5, 'ndcg@10': 0.3, mrr: 0.2 }, '4': { 'recall@5': 0.75, 'recall@10': 0.7, 'ndcg@10': 0.6, mrr: 0.6 } },
      questions: 4,
    },
  },
  droppedEvidence: 1,
  timings: { ingestMs: 120.4, catchUpMs: 3400.2, totalMs: 5000, recall: { 'hybrid-rrf': { p50Ms: 12.5, p95Ms: 30.25 }, 'lexical-only': { p50Ms: 2, p95Ms: 4 } } },
  dataset: { file: 'conv.json', conversations: 1, turns: 20, questions: 5, scoredQuestions: 4, questionsByCategory: { '1': 2, '4': 2 } },
  k: [5, 10],
  droppedEvidenceIds: [{ sampleId: 'c1', question: 3, token: 'D', raw: 'D', reason: 'malformed' }],
  environment: { embedder: 'hash' },
};

describe('evaluation reports', () => {
  it('keeps exactly the summary keys', () => {
    expect(Object.keys(summaryOf(report))).toEqual(['presets', 'droppedEvidence', 'timings']);
    expect(JSON.parse(JSON.stringify(summaryOf(report)))).toMatchObject({ presets: { 'hybrid-rrf': { overall: { 'recall@10': 0.8 }, questions: 4 } }, droppedEvidence: 1 });
  });

  it('renders Markdown with an overall table, the DRAGON row, per-category tables and dropped ids', () => {
    const md = renderMarkdownReport(report);
    expect(md).toContain('| preset | recall@5 | recall@10 | ndcg@10 | mrr | questions | p50 ms | p95 ms |');
    expect(md).toContain('| `hybrid-rrf` | 0.700 | 0.800 | 0.600 | 0.550 | 4 | 12.5 | 30.3 |');
    expect(md).toContain('| DRAGON (paper, Table 3) | 0.567 | 0.662 | – | – | – | – | – |');
    expect(md).toContain('all 10 LoCoMo conversations');
    expect(md).toContain('### `lexical-only`');
    expect(md).toContain('| 1 multi-hop | 0.250 | 0.500 | 0.300 | 0.200 | 2 |');
    expect(md).toContain('| c1 | 3 | `D` | `D` | malformed |');
    expect(md).toContain('| projections catch-up | 3400 |');
  });

  it('renders an aligned text table for the terminal', () => {
    const text = renderTextReport(summaryOf(report), report.k);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^preset\s+recall@5\s+recall@10\s+ndcg@10\s+mrr\s+questions\s+p50 ms\s+p95 ms$/);
    expect(lines[1]).toMatch(/^hybrid-rrf\s+0\.700\s+0\.800\s+0\.600\s+0\.550\s+4\s+12\.5\s+30\.3$/);
    expect(lines[3]).toMatch(/^DRAGON \(paper, Table 3\)\*\s+0\.567\s+0\.662/);
    expect(new Set(lines.slice(0, 4).map((l) => l.length)).size).toBe(1);
    expect(text).toMatch(/recall@10 by category\s+1 multi-hop\s+4 single-hop/);
    expect(text).toMatch(/1 evidence id\(s\) dropped/);
  });
});
