import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { MemfabricError, UnavailableError, ValidationError } from '@memfabric/errors';
import { encodeConsistencyToken, type AppendResult, type EventLog } from '@memfabric/event-log';
import { EVENT_LIMITS, normalizeBatch } from '@memfabric/events';
import {
  checkCompareOptions,
  comparePresets,
  leaveOneConversationOut,
  locomoEvents,
  metricKeys,
  NDCG_K,
  percentile,
  prepareLocomoEvaluation,
  rankedDiaIds,
  renderMarkdownReport,
  renderTextReport,
  round,
  scoreRanking,
  summarize,
  summaryOf,
  type EvalDataset,
  type EvalQuestion,
  type EvalReport,
  type LatencySummary,
  type MetricRow,
  type PresetComparison,
  type PresetSummary,
  type ScoredQuestion,
} from '@memfabric/locomo';
import type { ProgressCallback, RunReport } from '@memfabric/projections';
import {
  BUILTIN_PRESETS,
  DEFAULT_PRESET,
  findPreset,
  parseLearnedFusionModel,
  RECALL_LIMITS,
  RecallEngine,
  trainLearnedFusion,
  validatePresets,
  type FusionTrainingQuestion,
  type LearnedFusionModel,
  type Recaller,
  type RecallPreset,
} from '@memfabric/recall';
import { resolveDataDir } from '../cli.config.js';
import { runProjections, type ProjectingFabric } from '../fabric.js';
import type { Output } from '../output.js';
import { globalOptions } from '../program.js';
import type { EvalCommandOptions } from './eval.command.js';


/** Presets evaluated first when present; the rest follow in the recaller's order. */
const PRESET_ORDER = ['hybrid-rrf', 'dense-only', 'lexical-only'];

/** What the evaluation needs of a fabric: the log to append to, the projections to run, a recaller. */
export interface EvalFabric extends ProjectingFabric {
  readonly log: EventLog;
  catchUp(onProgress?: ProgressCallback): Promise<RunReport>;
}

/** Inputs of {@link runLocomoEval}. */
export interface LocomoEvalRun {
  /** Path of the file, as shown in the report. */
  readonly file: string;
  /** The file, checked and prepared ({@link loadLocomoFile} or `prepareLocomoEvaluation`). */
  readonly dataset: EvalDataset;
  /** Recall cut-offs, each 1..{@link RECALL_LIMITS}.maxK (sorted and deduplicated here). */
  readonly ks: readonly number[];
  /** Presets to run; default every preset the recaller knows. */
  readonly presets?: readonly string[];
  /** A fabric on a fresh data directory. */
  readonly fabric: EvalFabric;
  readonly recaller: Recaller;
  /** Progress bars (stderr, terminal only). */
  readonly output: Output;
  /** Extra facts about the run for the report (embedder, machine, ...). */
  readonly environment?: Readonly<Record<string, string | number>>;
  /** Receives each question's outcome (for `questions.jsonl`). */
  readonly onQuestion?: (outcome: QuestionOutcome) => void;
  /**
   * Compare every other preset with this one, per conversation (`comparePresets`); the
   * baseline is run first, added to `presets` when they do not name it.
   */
  readonly baseline?: BaselineOptions;
  /** Evaluate a learned fusion over a base preset leave-one-conversation-out (see {@link LearnedFusionOptions}). */
  readonly learnedFusion?: LearnedFusionOptions;
}

/** Name of the preset a leave-one-conversation-out learned fusion is reported under. */
export const LEARNED_LOCO_PRESET = 'learned-fusion-loco';

/**
 * `--learned-fusion <base>`: after the run's presets, the base preset's recalls are the training
 * data (per question: its fused candidates with their channel ranks and scores, labelled by the
 * evidence); each conversation is then recalled again with a model trained on the other
 * conversations only, reported as {@link LEARNED_LOCO_PRESET}, and a model trained on every
 * conversation is returned for a weights file.
 */
export interface LearnedFusionOptions {
  /** The preset whose channels and RRF the model re-orders (run first if not requested). */
  readonly base: string;
  /** A recaller knowing these presets (a fold's model is a preset), on the same fabric. */
  readonly recallerWith: (presets: readonly RecallPreset[]) => Recaller;
  /** λ of the L2 penalty; default `DEFAULT_FUSION_L2`. */
  readonly l2?: number;
  /** Training examples per pair or per candidate (see `TrainLearnedFusionOptions.objective`); default pairwise. */
  readonly objective?: 'pointwise' | 'pairwise';
}

/** What a learned-fusion evaluation adds to the report (`learnedFusion` of `report.json`). */
export interface LearnedFusionReport {
  readonly base: string;
  readonly preset: string;
  /** Channels the model reads and RRF candidates it re-orders. */
  readonly channels: readonly string[];
  readonly pool: number;
  /** Every fold: the held-out conversation, those trained on, and the fold's model. */
  readonly folds: readonly { readonly heldOut: string; readonly trainedOn: readonly string[]; readonly model: LearnedFusionModel }[];
  /** The model trained on every conversation of the run (the weights file). */
  readonly model: LearnedFusionModel;
}

/** The `--baseline` comparison of a run. */
export interface BaselineOptions {
  /** The preset compared against (must be known to the recaller). */
  readonly preset: string;
  /** Metric compared; default `recall@10` (must be among those the run reports). */
  readonly metric?: string;
  /** Conversations a variant must help on to be kept; default ⌈0.8 × conversations⌉ (4 of 5). */
  readonly minHelps?: number;
}

/** One question asked with one preset. */
export interface QuestionOutcome {
  readonly preset: string;
  readonly sampleId: string;
  /** 0-based index in the conversation's `qa`. */
  readonly index: number;
  readonly category: number;
  readonly question: string;
  /** Evidence turns (normalised). */
  readonly evidence: readonly string[];
  /** `dia_id`s recalled, in rank order, each once. */
  readonly ranked: readonly string[];
  readonly scores: MetricRow;
  /** Client-side recall latency, ms. */
  readonly latencyMs: number;
}

/**
 * Parses a `--k` list such as `5,10,25,50`.
 * @returns the cut-offs ascending, each once.
 * @throws ValidationError (pointer `--k`) unless every item is an integer from 1 to {@link RECALL_LIMITS}.maxK.
 */
export function parseKList(text: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  const ks = items.map(Number);
  if (items.some((s) => s === '') || ks.some((k) => !Number.isInteger(k) || k < 1 || k > RECALL_LIMITS.maxK)) {
    throw new ValidationError(`--k must be a comma-separated list of integers from 1 to ${RECALL_LIMITS.maxK}, got "${text}"`, [
      { pointer: '--k', detail: `integers from 1 to ${RECALL_LIMITS.maxK}, comma-separated` },
    ]);
  }
  return [...new Set(ks)].sort((a, b) => a - b);
}

/**
 * The presets to run: the requested ones (each must be known), else every known preset with
 * `hybrid-rrf`, `dense-only`, `lexical-only` first.
 * @throws ValidationError (pointer `--preset`) naming the known presets when one is unknown.
 */
export function resolvePresets(requested: readonly string[] | undefined, known: readonly string[]): string[] {
  if (requested === undefined || requested.length === 0) {
    return [...PRESET_ORDER.filter((p) => known.includes(p)), ...known.filter((p) => !PRESET_ORDER.includes(p))];
  }
  const unknown = requested.filter((p) => !known.includes(p));
  if (unknown.length > 0) {
    throw new ValidationError(`unknown preset(s) ${unknown.map((p) => `"${p}"`).join(', ')}; known: ${known.join(', ')}`, [
      { pointer: '--preset', detail: `must be among ${known.join(', ')}` },
    ]);
  }
  return [...new Set(requested)];
}

/**
 * The presets of a run with a baseline: the baseline first, then the other presets of
 * {@link resolvePresets} (the baseline once).
 * @throws ValidationError (pointer `--baseline`) naming the known presets when the baseline is unknown.
 */
export function withBaseline(presets: readonly string[], baseline: string, known: readonly string[]): string[] {
  if (!known.includes(baseline)) {
    throw new ValidationError(`unknown baseline preset "${baseline}"; known: ${known.join(', ')}`, [{ pointer: '--baseline', detail: `must be among ${known.join(', ')}` }]);
  }
  return [baseline, ...presets.filter((p) => p !== baseline)];
}

/**
 * Parses `--min-helps`.
 * @returns the count, an integer ≥ 1 (its upper bound, the conversations, is checked by the run).
 * @throws ValidationError (pointer `--min-helps`) unless the text is a positive integer.
 */
export function parseMinHelps(text: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n) || n < 1) {
    throw new ValidationError(`--min-helps must be a positive integer, got "${text}"`, [{ pointer: '--min-helps', detail: 'a positive integer' }]);
  }
  return n;
}

/**
 * Appends every dialog turn through the ingest API's validation path (`normalizeBatch`, batches
 * of at most {@link EVENT_LIMITS.maxBatchEvents}, idempotency keys) and returns the
 * consistency token of the whole write.
 */
async function ingest(log: EventLog, dataset: EvalDataset, onProgress: (n: number) => void): Promise<{ token: string; appended: number }> {
  const envelopes = [...locomoEvents(dataset.conversations)];
  const results: AppendResult[] = [];
  for (let i = 0; i < envelopes.length; i += EVENT_LIMITS.maxBatchEvents) {
    const batch = normalizeBatch(envelopes.slice(i, i + EVENT_LIMITS.maxBatchEvents));
    results.push(...(await log.append(batch)));
    onProgress(batch.length);
  }
  return { token: encodeConsistencyToken(results), appended: results.filter((r) => !r.duplicate).length };
}

/**
 * Runs the LoCoMo retrieval evaluation (Maharana et al., ACL 2024, Table 3) on a fabric:
 * appends every turn (one tenant per conversation, tenant = `sample_id`),
 * runs the projections until caught up, then asks every scored question once per preset,
 * scoped to its conversation, with the conversation's last session as reference time and the
 * write's consistency token, `k` = max(largest cut-off, 10).
 *
 * @returns the report: per preset overall, per-category and per-conversation recall@k,
 *   complete-evidence recall@k, NDCG@10 and MRR; with a baseline, every other preset's
 *   per-conversation delta against it; dropped evidence; timings (ingest, catch-up, recall
 *   p50/p95 per preset, ms).
 * @throws ValidationError when `ks`, `presets` or the baseline options are bad (before anything is appended).
 * @throws UnavailableError when a recall reports that the projections had not reached the token.
 */
export async function runLocomoEval(run: LocomoEvalRun): Promise<EvalReport & { readonly learnedFusion?: LearnedFusionReport }> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const ks = parseKList(run.ks.join(','));
  const requestK = Math.min(RECALL_LIMITS.maxK, Math.max(ks[ks.length - 1]!, NDCG_K));
  const known = run.recaller.presets().map((p) => p.name);
  const resolved = resolvePresets(run.presets, known);
  const withBase = run.baseline ? withBaseline(resolved, run.baseline.preset, known) : resolved;
  if (run.learnedFusion && !known.includes(run.learnedFusion.base)) {
    throw new ValidationError(`unknown preset "${run.learnedFusion.base}" for --learned-fusion; known: ${known.join(', ')}`, [{ pointer: '--learned-fusion', detail: `must be among ${known.join(', ')}` }]);
  }
  const presets = run.learnedFusion && !withBase.includes(run.learnedFusion.base) ? [...withBase, run.learnedFusion.base] : withBase;
  const dataset = run.dataset;
  if (run.baseline) checkCompareOptions(run.baseline, metricKeys(ks), new Set(dataset.scored.map((q) => q.sampleId)).size);
  if (run.learnedFusion && new Set(dataset.scored.map((q) => q.sampleId)).size < 2) {
    throw new ValidationError('--learned-fusion needs at least 2 conversations with scored questions (each is scored with a model trained on the others)', [
      { pointer: '--learned-fusion', detail: 'a file with at least 2 conversations' },
    ]);
  }

  const ingestStart = performance.now();
  const bar = run.output.progress('ingest', dataset.turns);
  const { token, appended } = await ingest(run.fabric.log, dataset, (n) => bar.increment(n));
  bar.stop();
  const ingestMs = performance.now() - ingestStart;

  const catchUpStart = performance.now();
  const caughtUp = await runProjections(run.fabric, run.output, 'project', (onProgress) => run.fabric.catchUp(onProgress));
  const catchUpMs = performance.now() - catchUpStart;

  const summaries: Record<string, PresetSummary> = {};
  const latency: Record<string, LatencySummary> = {};
  const training: (FusionTrainingQuestion & { sampleId: string })[] = [];
  const ask = async (recaller: Recaller, preset: string, questions: readonly EvalQuestion[], scored: ScoredQuestion[], latencies: number[], label = preset) => {
    const questionBar = run.output.progress(`recall ${label}`, questions.length);
    for (const q of questions) {
      const t0 = performance.now();
      const response = await recaller.recall({
        query: q.question,
        scope: { tenant: q.sampleId },
        k: requestK,
        preset,
        referenceTime: q.referenceTime,
        consistencyToken: token,
        caller: 'memfabric-eval',
      });
      const latencyMs = performance.now() - t0;
      if (!response.consistency.reached) {
        throw new UnavailableError(`recall of ${q.sampleId} question ${q.index} ran before the projections reached the ingest: behind ${response.consistency.behind.join(', ')}`);
      }
      const ranked = rankedDiaIds(response.hits);
      const scores = scoreRanking(ranked, q.evidence, ks);
      scored.push({ sampleId: q.sampleId, category: q.category, scores });
      latencies.push(latencyMs);
      if (run.learnedFusion && preset === run.learnedFusion.base && recaller === run.recaller) {
        const evidence = new Set(q.evidence);
        training.push({
          sampleId: q.sampleId,
          pool: response.hits.map((h) => ({ score: h.score, channels: h.explain.channels })),
          labels: response.hits.map((h) => h.sourceRef !== null && evidence.has(h.sourceRef)),
        });
      }
      run.onQuestion?.({ preset: label, sampleId: q.sampleId, index: q.index, category: q.category, question: q.question, evidence: q.evidence, ranked, scores, latencyMs: round(latencyMs, 2) });
      questionBar.increment(1);
    }
    questionBar.stop();
  };
  for (const preset of presets) {
    const scored: ScoredQuestion[] = [];
    const latencies: number[] = [];
    await ask(run.recaller, preset, dataset.scored, scored, latencies);
    summaries[preset] = summarize(scored);
    latency[preset] = { p50Ms: round(percentile(latencies, 50), 2), p95Ms: round(percentile(latencies, 95), 2) };
  }

  let learnedFusion: LearnedFusionReport | undefined;
  if (run.learnedFusion) {
    const basePreset = findPreset(run.recaller.presets(), run.learnedFusion.base);
    const channels = Object.entries(basePreset.weights).filter(([, w]) => (w ?? 0) > 0).map(([name]) => name);
    const { l2, objective } = run.learnedFusion;
    const train = (items: readonly FusionTrainingQuestion[], provenance: Record<string, unknown>) =>
      trainLearnedFusion(items, { channels, pool: requestK, ...(l2 === undefined ? {} : { l2 }), ...(objective ? { objective } : {}), provenance: { basePreset: basePreset.name, dataset: path.basename(run.file), ...provenance } });
    const folds = leaveOneConversationOut(training, (items, heldOut) =>
      train(items, { heldOut, conversations: [...new Set(items.map((i) => i.sampleId))] }),
    );
    const scored: ScoredQuestion[] = [];
    const latencies: number[] = [];
    for (const fold of folds) {
      const preset: RecallPreset = { ...basePreset, name: LEARNED_LOCO_PRESET, description: `${basePreset.name} re-ordered by a learned fusion trained without ${fold.heldOut}`, fusion: { kind: 'learned', model: fold.model } };
      const recaller = run.learnedFusion.recallerWith([...run.recaller.presets(), preset]);
      await ask(recaller, LEARNED_LOCO_PRESET, dataset.scored.filter((q) => q.sampleId === fold.heldOut), scored, latencies, `${LEARNED_LOCO_PRESET} ${fold.heldOut}`);
    }
    summaries[LEARNED_LOCO_PRESET] = summarize(scored);
    latency[LEARNED_LOCO_PRESET] = { p50Ms: round(percentile(latencies, 50), 2), p95Ms: round(percentile(latencies, 95), 2) };
    const model = train(training, { conversations: [...new Set(training.map((i) => i.sampleId))] });
    learnedFusion = { base: basePreset.name, preset: LEARNED_LOCO_PRESET, channels, pool: requestK, folds: folds.map((f) => ({ heldOut: f.heldOut, trainedOn: f.trainedOn, model: f.model })), model };
  }

  const questionsByCategory: Record<string, number> = {};
  for (const q of [...dataset.scored].sort((a, b) => a.category - b.category)) questionsByCategory[String(q.category)] = (questionsByCategory[String(q.category)] ?? 0) + 1;
  const comparison: PresetComparison | undefined = run.baseline
    ? comparePresets(summaries, { baseline: run.baseline.preset, ...(run.baseline.metric ? { metric: run.baseline.metric } : {}), ...(run.baseline.minHelps ? { minHelps: run.baseline.minHelps } : {}) })
    : undefined;
  return {
    presets: summaries,
    droppedEvidence: dataset.dropped.length,
    timings: { ingestMs: Math.round(ingestMs), catchUpMs: Math.round(catchUpMs), recall: latency, totalMs: Math.round(performance.now() - started) },
    ...(comparison ? { comparison } : {}),
    ...(learnedFusion ? { learnedFusion } : {}),
    dataset: {
      file: run.file,
      conversations: dataset.conversations.length,
      turns: dataset.turns,
      questions: dataset.questions.length,
      scoredQuestions: dataset.scored.length,
      questionsByCategory,
    },
    k: ks,
    droppedEvidenceIds: dataset.dropped,
    environment: {
      startedAt,
      eventsAppended: appended,
      projectionEventsProcessed: caughtUp.processed,
      deadLettered: caughtUp.deadLettered,
      recallK: requestK,
      ...run.environment,
    },
  };
}

/** A fresh data directory: `--data-dir` when given (it must be empty or absent), else a new temporary one. */
export async function freshDataDir(option: string | undefined): Promise<{ dir: string; temporary: boolean }> {
  if (option === undefined) return { dir: await mkdtemp(path.join(tmpdir(), 'memfabric-eval-')), temporary: true };
  const dir = path.resolve(option);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new ValidationError(`--data-dir ${dir} is not empty; the evaluation needs a fresh data directory (give an empty or new one, or omit --data-dir for a temporary one)`, [
      { pointer: '--data-dir', detail: 'must be empty or absent' },
    ]);
  }
  await mkdir(dir, { recursive: true });
  return { dir, temporary: false };
}

/**
 * Reads and parses a JSON file given on the command line.
 * @throws ValidationError starting with the file name when it is not JSON.
 * @throws the `fs` error (ENOENT, EACCES, EISDIR) when it cannot be read.
 */
async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ValidationError(`${file}: not JSON: ${(cause as Error).message}`, [{ pointer: '/', detail: 'must be JSON' }], { cause });
  }
}

/**
 * Reads, parses and checks a file in the LoCoMo layout for evaluation.
 * @throws ValidationError starting with the file name when it is not JSON or not in the layout
 *   (see `prepareLocomoEvaluation` for the checks).
 * @throws the `fs` error (ENOENT, EACCES, EISDIR) when it cannot be read.
 */
export async function loadLocomoFile(file: string): Promise<EvalDataset> {
  const input = await readJsonFile(file);
  try {
    return prepareLocomoEvaluation(input);
  } catch (error) {
    if (MemfabricError.is(error) && error instanceof ValidationError) throw new ValidationError(`${file}: ${error.message}`, error.problems, { cause: error });
    throw error;
  }
}

/** A timestamp usable in a directory name: `2024-05-08T13-56-00Z`. */
function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Options of `eval locomo` as commander parses them. */
export interface EvalLocomoOptions {
  readonly k: string;
  readonly preset?: string;
  readonly out?: string;
  readonly keepData?: boolean;
  readonly presetsFile?: string;
  readonly baseline?: string;
  readonly compare?: string;
  readonly minHelps?: string;
  readonly learnedFusion?: string;
  readonly fusionObjective?: string;
  readonly fusionWeights?: string;
}

/** Name of the preset a `--fusion-weights` file is evaluated under. */
export const LEARNED_FILE_PRESET = 'learned-fusion-file';

/**
 * Reads a learned fusion's weights file and makes it a preset ({@link LEARNED_FILE_PRESET}): the
 * base preset named by the file's `training.basePreset` (default `hybrid-rrf`) with the model.
 * @throws ValidationError starting with the file name when it is not JSON or not a valid weights
 *   file, or when its base preset is unknown; the `fs` error when it cannot be read.
 */
export async function loadFusionWeights(file: string, presets: readonly RecallPreset[]): Promise<RecallPreset> {
  const model = parseLearnedFusionModel(await readJsonFile(file), file);
  const baseName = typeof model.training?.basePreset === 'string' ? model.training.basePreset : DEFAULT_PRESET;
  const base = presets.find((p) => p.name === baseName);
  if (!base) throw new ValidationError(`${file}: base preset "${baseName}" is unknown; known: ${presets.map((p) => p.name).join(', ')}`, [{ pointer: '/training/basePreset', detail: 'must name a known preset' }]);
  return { ...base, name: LEARNED_FILE_PRESET, description: `${base.name} re-ordered by the learned fusion of ${path.basename(file)}`, fusion: { kind: 'learned', model } };
}

/**
 * Runs `memfabric eval locomo FILE` (see {@link registerEval}): checks the inputs, evaluates on
 * a fresh data directory, writes the reports and prints the table and summary.
 * @throws ValidationError for a bad `--k`, preset list, `--baseline`, `--compare`,
 *   `--min-helps`, presets file or LoCoMo file.
 */
export async function evalLocomo(file: string, opts: EvalLocomoOptions, command: Command, output: () => Output, options: EvalCommandOptions): Promise<void> {
  const out = output();
  const ks = parseKList(opts.k);
  const requested = opts.preset?.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if ((opts.compare !== undefined || opts.minHelps !== undefined) && opts.baseline === undefined) {
    throw new ValidationError('--compare and --min-helps need --baseline <preset>', [{ pointer: '--baseline', detail: 'required with --compare or --min-helps' }]);
  }
  const baseline = opts.baseline === undefined ? undefined : { preset: opts.baseline.trim(), ...(opts.compare ? { metric: opts.compare.trim() } : {}), ...(opts.minHelps ? { minHelps: parseMinHelps(opts.minHelps) } : {}) };
  const dataset = await loadLocomoFile(file);
  if (baseline) checkCompareOptions(baseline, metricKeys(ks), new Set(dataset.scored.map((q) => q.sampleId)).size);
  const extraPresets = opts.presetsFile ? validatePresets(await readJsonFile(opts.presetsFile)) : [];
  if (opts.fusionWeights) extraPresets.push(await loadFusionWeights(opts.fusionWeights, [...BUILTIN_PRESETS, ...extraPresets]));
  const learnedBase = opts.learnedFusion?.trim();
  const objective = opts.fusionObjective?.trim();
  if (objective !== undefined && (learnedBase === undefined || (objective !== 'pointwise' && objective !== 'pairwise'))) {
    throw new ValidationError(`--fusion-objective must be pointwise or pairwise, with --learned-fusion; got "${objective}"`, [{ pointer: '--fusion-objective', detail: 'pointwise or pairwise, with --learned-fusion' }]);
  }
  const outDir = path.resolve(opts.out ?? path.join('eval-out', stamp(new Date())));
  const { dir, temporary } = await freshDataDir(globalOptions(command).dataDir);
  const masterKey = temporary ? new Uint8Array(randomBytes(32)) : resolveDataDir(dir, process.env, { create: true }).masterKey;
  const embedder = (process.env.MEMFABRIC_EMBEDDER ?? '').trim() || 'use';
  const { EmbeddedFabric, embedderFromEnv, embeddingCacheFromEnv, extractorFromEnv } = await import('@memfabric/embedded');
  // MEMFABRIC_EMBEDDING_CACHE=<file> shares one cache between runs: a re-evaluation never re-embeds
  const fabric = await EmbeddedFabric.open({
    dataDir: dir,
    masterKey,
    embedder: embedderFromEnv(process.env),
    embeddingCache: embeddingCacheFromEnv(process.env),
    extractor: extractorFromEnv(process.env),
  });
  let report: EvalReport & { readonly learnedFusion?: LearnedFusionReport };
  const questionLines: string[] = [];
  try {
    report = await runLocomoEval({
      file,
      dataset,
      ks,
      ...(requested ? { presets: requested } : {}),
      ...(baseline ? { baseline } : {}),
      ...(learnedBase ? { learnedFusion: { base: learnedBase, ...(objective ? { objective } : {}), recallerWith: (presets: readonly RecallPreset[]) => (options.recallerWith ? options.recallerWith(fabric, presets) : new RecallEngine(fabric.recallBackend(), { presets })) } } : {}),
      fabric,
      recaller: options.recallerOf ? options.recallerOf(fabric) : fabric.recaller(extraPresets.length > 0 ? { presets: [...BUILTIN_PRESETS, ...extraPresets] } : {}),
      output: out,
      environment: { embedder, node: process.version, cpus: cpus().length, platform: `${process.platform}-${process.arch}`, dataDir: temporary && !opts.keepData ? '(temporary, removed)' : dir },
      onQuestion: (o) => questionLines.push(JSON.stringify(o)),
    });
  } finally {
    await fabric.close();
    if (temporary && !opts.keepData) await rm(dir, { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(outDir, 'report.md'), renderMarkdownReport(report));
  if (report.learnedFusion) await writeFile(path.join(outDir, 'learned-fusion.json'), `${JSON.stringify(report.learnedFusion.model, null, 2)}\n`);
  await writeFile(path.join(outDir, 'questions.jsonl'), questionLines.length > 0 ? `${questionLines.join('\n')}\n` : '');
  out.line(renderTextReport(report, report.k));
  out.line(`reports: ${path.join(outDir, 'report.md')}, report.json, questions.jsonl${report.learnedFusion ? ', learned-fusion.json' : ''}`);
  out.summary(summaryOf(report), `evaluated ${report.dataset.scoredQuestions} question(s) x ${Object.keys(report.presets).length} preset(s) in ${(report.timings.totalMs / 1000).toFixed(1)} s`);
}
