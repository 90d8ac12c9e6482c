import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import type { EmbeddedFabric } from '@memfabric/embedded';
import { decodeConsistencyToken } from '@memfabric/event-log';
import { prepareLocomoEvaluation } from '@memfabric/locomo';
import { BUILTIN_PRESETS, parseLearnedFusionModel, type RecallHit, type Recaller, type RecallRequest, type RecallResponse } from '@memfabric/recall';
import { registerEval } from '../src/commands/eval.command.js';
import { Output } from '../src/output.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.resolve(here, '../../../e2e/fixtures/conversation.locomo.json');
const fixtureJson = JSON.parse(readFileSync(fixture, 'utf8')) as Record<string, unknown>[];
const dataset = prepareLocomoEvaluation(fixtureJson);

/**
 * A recaller over the fabric's memory-unit read model (so the run proves that ingest and
 * catch-up happened): `oracle` returns a question's evidence turns first, `word-overlap` ranks
 * the tenant's units by shared words, `nothing` returns no hit.
 */
function fakeRecaller(fabric: EmbeddedFabric, requests: RecallRequest[]): Recaller {
  const base = BUILTIN_PRESETS[0]!;
  const words = (text: string) => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  return {
    presets: () => ['oracle', 'word-overlap', 'nothing'].map((name) => ({ ...base, name })),
    async recall(request: RecallRequest): Promise<RecallResponse> {
      requests.push(request);
      const units = (await fabric.memoryUnits.listUnits(request.scope.tenant, { limit: 10_000 })).filter((u) => u.text !== null);
      let ordered: typeof units;
      if (request.preset === 'nothing') ordered = [];
      else if (request.preset === 'oracle') {
        const evidence = dataset.questions.find((q) => q.question === request.query && q.sampleId === request.scope.tenant)!.evidence;
        ordered = evidence.map((id) => units.find((u) => u.sourceref === id)!);
      } else {
        const q = words(request.query);
        const overlap = (text: string) => [...words(text)].filter((w) => q.has(w)).length;
        ordered = [...units].sort((a, b) => overlap(b.text!) - overlap(a.text!) || a.createdOffset - b.createdOffset);
      }
      const hits: RecallHit[] = ordered.slice(0, request.k ?? 10).map((u, i) => ({
        rank: i + 1,
        unitId: u.id,
        text: u.text!,
        tenant: u.tenantid,
        stream: u.streamid,
        actor: u.actor,
        speaker: u.speaker,
        memoryType: u.memorytype,
        time: u.time,
        validFrom: null,
        validTo: null,
        recordedAt: u.recordedat,
        position: { partition: u.createdPartition, offset: u.createdOffset },
        sourceRef: u.sourceref,
        score: 1 / (i + 1),
        explain: { channels: {}, events: [u.id] },
      }));
      return {
        hits,
        preset: request.preset ?? 'oracle',
        weights: {},
        consistency: { requested: request.consistencyToken !== undefined, reached: true, waitedMs: 0, behind: [] },
        asOfPosition: null,
        validAt: null,
        timeExpressions: [],
        timings: { totalMs: 0, channels: {} },
        queryId: `q${requests.length}`,
      };
    },
  };
}

interface Run {
  stdout: string;
  requests: RecallRequest[];
}

/** A recall of a `--learned-fusion` fold: the tenant asked and the model's training provenance. */
interface FoldRequest {
  tenant: string;
  trainedOn: unknown;
  questions: unknown;
}

async function evalCommand(...args: string[]): Promise<Run & { folds: FoldRequest[] }> {
  let stdout = '';
  const sink = { write: (chunk: string) => ((stdout += chunk), true) } as unknown as NodeJS.WritableStream;
  const stderr = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  const requests: RecallRequest[] = [];
  const folds: FoldRequest[] = [];
  const program = new Command('memfabric').option('--data-dir <dir>').option('--json').exitOverride();
  registerEval(program, () => new Output(program.opts<{ json?: boolean }>().json === true, sink, stderr), {
    recallerOf: (fabric) => fakeRecaller(fabric, requests),
    // a fold's recaller: records which model it was given, then ranks like word-overlap
    recallerWith: (fabric, presets) => {
      const inner = fakeRecaller(fabric, []);
      const model = presets.find((p) => p.name === 'learned-fusion-loco')!.fusion!.model;
      return {
        presets: () => presets,
        recall: (request) => {
          folds.push({ tenant: request.scope.tenant, trainedOn: model.training?.conversations, questions: model.training?.questions });
          return inner.recall({ ...request, preset: 'word-overlap' });
        },
      };
    },
  });
  await program.parseAsync(['eval', 'locomo', ...args], { from: 'user' });
  return { stdout, requests, folds };
}

describe('memfabric eval locomo', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-eval-int-'));
  const previousEmbedder = process.env.MEMFABRIC_EMBEDDER;
  process.env.MEMFABRIC_EMBEDDER = 'hash';
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (previousEmbedder === undefined) delete process.env.MEMFABRIC_EMBEDDER;
    else process.env.MEMFABRIC_EMBEDDER = previousEmbedder;
  });

  it('ingests through the log, catches up, asks every question per preset and reports', async () => {
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'out');
    const run = await evalCommand(fixture, '--data-dir', data, '--k', '10,1,5', '--preset', 'oracle,word-overlap,nothing', '--out', out, '--json');

    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!) as {
      presets: Record<string, { overall: Record<string, number>; byCategory: Record<string, Record<string, number>>; questions: number; byConversation: Record<string, unknown> }>;
      droppedEvidence: number;
      timings: { ingestMs: number; catchUpMs: number; totalMs: number; recall: Record<string, { p50Ms: number; p95Ms: number }> };
    };
    expect(Object.keys(summary)).toEqual(['presets', 'droppedEvidence', 'timings']);
    expect(Object.keys(summary.presets)).toEqual(['oracle', 'word-overlap', 'nothing']);
    expect(summary.droppedEvidence).toBe(2);
    const perfect = (r1: unknown, c1: unknown) => ({ 'recall@1': r1, 'recall@5': 1, 'recall@10': 1, 'completeRecall@1': c1, 'completeRecall@5': 1, 'completeRecall@10': 1, 'ndcg@10': 1, mrr: 1 });
    expect(summary.presets.oracle).toEqual({
      overall: perfect(expect.any(Number), expect.any(Number)),
      byCategory: Object.fromEntries(['1', '2', '4', '5'].map((c) => [c, expect.objectContaining({ 'recall@10': 1, 'completeRecall@10': 1, mrr: 1 })])),
      questions: 17,
      byConversation: {
        'e2e-priya-tom': { overall: perfect(expect.any(Number), expect.any(Number)), byCategory: expect.any(Object), questions: 13 },
        'e2e-sam-noor': { overall: perfect(expect.any(Number), expect.any(Number)), byCategory: expect.any(Object), questions: 4 },
      },
    });
    // recall@1 of the oracle: 1 for one-turn evidence, 1/2 for two turns (17 questions, 7 with one turn);
    // complete-evidence recall@1: 1 for one-turn evidence, 0 for more
    const oneTurn = dataset.scored.filter((q) => q.evidence.length === 1).length;
    expect(dataset.scored.every((q) => q.evidence.length <= 2)).toBe(true);
    expect(summary.presets.oracle!.overall['recall@1']).toBeCloseTo((oneTurn + (17 - oneTurn) / 2) / 17, 4);
    expect(summary.presets.oracle!.overall['completeRecall@1']).toBeCloseTo(oneTurn / 17, 4);
    expect(summary.presets.nothing!.overall).toEqual({ 'recall@1': 0, 'recall@5': 0, 'recall@10': 0, 'completeRecall@1': 0, 'completeRecall@5': 0, 'completeRecall@10': 0, 'ndcg@10': 0, mrr: 0 });
    const overlap = summary.presets['word-overlap']!.overall;
    expect(overlap['recall@10']).toBeGreaterThan(0.5);
    expect(overlap['recall@10']).toBeLessThanOrEqual(1);
    expect(overlap['recall@1']).toBeLessThanOrEqual(overlap['recall@5']!);
    expect(Object.keys(summary.timings.recall)).toEqual(['oracle', 'word-overlap', 'nothing']);
    expect(summary.timings.catchUpMs).toBeGreaterThan(0);

    // every question once per preset, in its conversation's tenant, with the last session's date,
    // the write's consistency token and k = max(largest cut-off, 10)
    expect(run.requests).toHaveLength(3 * 17);
    const priya = run.requests.find((r) => r.scope.tenant === 'e2e-priya-tom')!;
    expect(priya).toMatchObject({ k: 10, referenceTime: '2024-06-30T11:20:00.000Z' });
    expect(decodeConsistencyToken(priya.consistencyToken!)).toEqual({ 0: 48 });
    expect(run.requests.find((r) => r.scope.tenant === 'e2e-sam-noor')!.referenceTime).toBe('2024-04-20T20:15:00.000Z');

    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { dataset: unknown; k: number[]; droppedEvidenceIds: { token: string }[]; environment: Record<string, unknown> };
    expect(report.dataset).toEqual({ file: fixture, conversations: 2, turns: 48, questions: 17, scoredQuestions: 17, questionsByCategory: { '1': 5, '2': 2, '4': 9, '5': 1 } });
    expect(report.k).toEqual([1, 5, 10]);
    expect(report.droppedEvidenceIds.map((d) => d.token)).toEqual(['D9:9', 'D']);
    expect(report.environment).toMatchObject({ embedder: 'hash', eventsAppended: 48, deadLettered: 0, recallK: 10 });
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('DRAGON (paper, Table 3)');
    expect(md).toContain('### `word-overlap`');
    expect(readFileSync(path.join(out, 'questions.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3 * 17);
    expect(existsSync(path.join(data, 'memfabric.db'))).toBe(true);
  });

  it('prints a table without --json and removes its temporary data directory', async () => {
    const out = path.join(dir, 'table');
    const run = await evalCommand(fixture, '--preset', 'oracle', '--out', out);
    expect(run.stdout).toMatch(
      /^preset\s+recall@5\s+recall@10\s+recall@25\s+recall@50\s+completeRecall@5\s+completeRecall@10\s+completeRecall@25\s+completeRecall@50\s+ndcg@10\s+mrr\s+questions\s+p50 ms\s+p95 ms\n/,
    );
    expect(run.stdout).toMatch(/\noracle\s+(1\.000\s+){10}17\s/);
    expect(run.stdout).toMatch(/\noracle\s+e2e-priya-tom\s+(1\.000\s+){10}13\n/);
    expect(run.stdout).not.toMatch(/\nvariant\s/);
    expect(run.stdout).toMatch(/DRAGON \(paper, Table 3\)\*\s+0\.567\s+0\.662\s+0\.767\s+0\.827/);
    expect(run.requests[0]!.k).toBe(50);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { environment: { dataDir: string } };
    expect(report.environment.dataDir).toBe('(temporary, removed)');
  });

  it('compares every preset with --baseline per conversation, the baseline first', async () => {
    const out = path.join(dir, 'baseline');
    const run = await evalCommand(fixture, '--preset', 'word-overlap,nothing', '--baseline', 'oracle', '--k', '5,10', '--out', out, '--json');
    const lines = run.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!) as {
      presets: Record<string, { overall: Record<string, number>; byConversation: Record<string, { overall: Record<string, number> }> }>;
      comparison: { baseline: string; metric: string; minHelps: number; conversations: string[]; variants: Record<string, { overall: number; byConversation: Record<string, number>; helps: number; hurts: number; kept: boolean }> };
    };
    expect(Object.keys(summary)).toEqual(['presets', 'droppedEvidence', 'timings', 'comparison']);
    expect(Object.keys(summary.presets)).toEqual(['oracle', 'word-overlap', 'nothing']);
    expect(run.requests).toHaveLength(3 * 17);
    const { comparison } = summary;
    expect(comparison).toMatchObject({ baseline: 'oracle', metric: 'recall@10', minHelps: 2, conversations: ['e2e-priya-tom', 'e2e-sam-noor'] });
    expect(Object.keys(comparison.variants)).toEqual(['word-overlap', 'nothing']);
    expect(comparison.variants.nothing).toEqual({ overall: -1, byConversation: { 'e2e-priya-tom': -1, 'e2e-sam-noor': -1 }, helps: 0, hurts: 2, kept: false });
    // the deltas are those of the per-conversation figures
    const overlap = comparison.variants['word-overlap']!;
    for (const c of comparison.conversations) {
      expect(overlap.byConversation[c]).toBeCloseTo(summary.presets['word-overlap']!.byConversation[c]!.overall['recall@10']! - 1, 4);
    }
    expect(overlap.helps).toBe(0);
    expect(lines.join('\n')).not.toContain('keep (');
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Against `oracle` (recall@10)');
    expect(md).toContain('| `nothing` | -1.000 | -1.000 | -1.000 | 0/2 | no |');

    const table = await evalCommand(fixture, '--preset', 'nothing', '--baseline', 'oracle', '--compare', 'completeRecall@5', '--min-helps', '1', '--k', '5', '--out', path.join(dir, 'baseline-table'));
    expect(table.stdout).toMatch(/\nvariant\s+e2e-priya-tom\s+e2e-sam-noor\s+overall\s+helps\s+keep \(≥ 1\/2\)\nnothing\s+-1\.000\s+-1\.000\s+-1\.000\s+0\/2\s+no\n/);
    expect(table.stdout).toContain('completeRecall@5 of each preset minus that of oracle');
  });

  it.each([
    ['an unknown baseline', ['--baseline', 'bm42'], /unknown baseline preset "bm42"; known: oracle, word-overlap, nothing/],
    ['a metric the run does not report', ['--baseline', 'oracle', '--compare', 'recall@50', '--k', '5,10'], /metric "recall@50" is not reported; reported: recall@5, recall@10, completeRecall@5/],
    ['more conversations to help on than there are', ['--baseline', 'oracle', '--min-helps', '3'], /--min-helps must be an integer from 1 to 2/],
    ['a --min-helps that is no count', ['--baseline', 'oracle', '--min-helps', 'most'], /--min-helps must be a positive integer, got "most"/],
    ['--compare without --baseline', ['--compare', 'mrr'], /--compare and --min-helps need --baseline/],
  ])('rejects %s with a clear message, before any report is written', async (_name, args, message) => {
    const out = path.join(dir, 'bad-baseline');
    await expect(evalCommand(fixture, '--out', out, ...args)).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['a file that is not an array', JSON.stringify({ conversations: [] }), [], /bad\.json: a LoCoMo file is a JSON array/],
    ['a file with no qa items', JSON.stringify([{ ...fixtureJson[0], qa: [] }]), [], /bad\.json: not a valid LoCoMo file: \/0\/qa has no questions/],
    ['a file that is not JSON', '[{', [], /bad\.json: not JSON/],
    ['a bad --k', readFileSync(fixture, 'utf8'), ['--k', '5,500'], /--k must be a comma-separated list of integers from 1 to 100/],
    ['an unknown preset', readFileSync(fixture, 'utf8'), ['--preset', 'oracle,bm42'], /unknown preset\(s\) "bm42"; known: oracle, word-overlap, nothing/],
  ])('rejects %s with a clear message', async (_name, content, args, message) => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, content);
    await expect(evalCommand(file, '--out', path.join(dir, 'bad-out'), ...args)).rejects.toThrow(message);
  });

  it('evaluates a learned fusion leave-one-conversation-out: no fold is trained on the conversation it scores', async () => {
    const out = path.join(dir, 'learned');
    const run = await evalCommand(fixture, '--preset', 'oracle', '--learned-fusion', 'word-overlap', '--baseline', 'oracle', '--k', '5,10', '--out', out, '--json');
    const lines = run.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!) as { presets: Record<string, unknown>; comparison: { variants: Record<string, unknown> } };
    // the base preset is run (it is the training data), then the folds
    expect(Object.keys(summary.presets)).toEqual(['oracle', 'word-overlap', 'learned-fusion-loco']);
    expect(Object.keys(summary.comparison.variants)).toEqual(['word-overlap', 'learned-fusion-loco']);
    const conversations = ['e2e-priya-tom', 'e2e-sam-noor'];
    const questionsOf = (c: string) => dataset.scored.filter((q) => q.sampleId === c).length;
    expect(run.folds).toHaveLength(dataset.scored.length);
    for (const fold of run.folds) {
      const others = conversations.filter((c) => c !== fold.tenant);
      expect(fold.trainedOn).toEqual(others);
      expect(fold.questions).toBe(others.reduce((n, c) => n + questionsOf(c), 0));
    }
    expect(new Set(run.folds.map((f) => f.tenant))).toEqual(new Set(conversations));
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { learnedFusion: { folds: { heldOut: string; trainedOn: string[] }[]; model: { training: { conversations: string[]; questions: number } } } };
    expect(report.learnedFusion.folds.map((f) => [f.heldOut, f.trainedOn])).toEqual([
      ['e2e-priya-tom', ['e2e-sam-noor']],
      ['e2e-sam-noor', ['e2e-priya-tom']],
    ]);
    // the weights file is the model trained on every conversation, and reads back as one
    const weights = JSON.parse(readFileSync(path.join(out, 'learned-fusion.json'), 'utf8')) as unknown;
    expect(parseLearnedFusionModel(weights).training).toMatchObject({ conversations, questions: dataset.scored.length, basePreset: 'word-overlap', objective: 'pairwise' });
    expect(report.learnedFusion.model).toEqual(weights);
  });

  it('rejects a bad --fusion-weights file naming the file and the field, and --learned-fusion of an unknown preset', async () => {
    const file = path.join(dir, 'bad-weights.json');
    writeFileSync(file, JSON.stringify({ format: 'memfabric.learned-fusion/v1', channels: ['lexical'], features: [], weights: [], bias: 0, pool: 10 }));
    await expect(evalCommand(fixture, '--fusion-weights', file, '--out', path.join(dir, 'bad-weights'))).rejects.toThrow(/bad-weights\.json is not a valid weights file: \/features must be the features/);
    writeFileSync(file, '{');
    await expect(evalCommand(fixture, '--fusion-weights', file, '--out', path.join(dir, 'bad-weights'))).rejects.toThrow(/bad-weights\.json: not JSON/);
    await expect(evalCommand(fixture, '--learned-fusion', 'bm42', '--out', path.join(dir, 'bad-weights'))).rejects.toThrow(/unknown preset "bm42" for --learned-fusion/);
    await expect(evalCommand(fixture, '--learned-fusion', 'oracle', '--fusion-objective', 'listwise', '--out', path.join(dir, 'bad-weights'))).rejects.toThrow(/--fusion-objective must be pointwise or pairwise/);
    await expect(evalCommand(fixture, '--fusion-objective', 'pairwise', '--out', path.join(dir, 'bad-weights'))).rejects.toThrow(/with --learned-fusion/);
    expect(existsSync(path.join(dir, 'bad-weights'))).toBe(false);
  });

  it('refuses a data directory that is not empty', async () => {
    const used = path.join(dir, 'used');
    mkdirSync(used);
    writeFileSync(path.join(used, 'memfabric.db'), '');
    await expect(evalCommand(fixture, '--data-dir', used)).rejects.toThrow(/--data-dir .*used is not empty/);
  });
});
