import type { Command } from 'commander';
import type { EmbeddedFabric } from '@memfabric/embedded';
import type { Recaller, RecallPreset } from '@memfabric/recall';
import type { Output } from '../output.js';
import type { EvalLocomoOptions } from './eval.run.js';

/** Recall cut-offs used when `--k` is not given (those of the LoCoMo paper, Table 3). */
export const DEFAULT_EVAL_K: readonly number[] = [5, 10, 25, 50];

/** Options of {@link registerEval}, for tests. */
export interface EvalCommandOptions {
  /** The recaller of a fabric; default `fabric.recaller()`. */
  readonly recallerOf?: (fabric: EmbeddedFabric) => Recaller;
  /** A recaller knowing `presets` (the folds of `--learned-fusion`); default a `RecallEngine` on `fabric.recallBackend()`. */
  readonly recallerWith?: (fabric: EmbeddedFabric, presets: readonly RecallPreset[]) => Recaller;
}

/**
 * Registers `memfabric eval locomo FILE [--k 5,10,25,50] [--preset P,...] [--presets-file F]
 * [--baseline P [--compare METRIC] [--min-helps N]] [--learned-fusion P] [--fusion-weights F] [--out DIR]
 * [--keep-data] [--json]`: the
 * LoCoMo retrieval evaluation on a fresh data directory, every figure overall, per category and
 * per conversation; with `--baseline`, every other preset's per-conversation delta against it
 * and whether it helps in at least N conversations; with `--learned-fusion`, a logistic-regression
 * fusion over a preset's channel ranks and scores, scored leave-one-conversation-out (see
 * `runLocomoEval` in `eval.run.ts`; that module, with the recall engine and the benchmark code,
 * loads only when the command runs). Writes `report.json`, `report.md` and `questions.jsonl` to
 * `--out` (default `./eval-out/<timestamp>`), prints a table, and with `--json` prints the summary as
 * the last stdout line. The embedder is chosen by `MEMFABRIC_EMBEDDER` (default USE lite).
 */
export function registerEval(program: Command, output: () => Output, options: EvalCommandOptions = {}): void {
  const evalCommand = program.command('eval').description('evaluate retrieval quality on a benchmark');
  evalCommand
    .command('locomo')
    .description('LoCoMo retrieval evaluation (recall@k, complete-evidence recall@k, NDCG@10, MRR per preset, category and conversation) on a fresh data directory')
    .argument('<file>', 'a file in the LoCoMo layout (JSON array of conversations with qa)')
    .option('--k <list>', 'recall cut-offs, comma-separated, each 1..100', DEFAULT_EVAL_K.join(','))
    .option('--preset <list>', 'recall presets to run, comma-separated (default: every preset the recall engine knows)')
    .option('--out <dir>', 'where the reports go (default ./eval-out/<timestamp>)')
    .option('--keep-data', 'keep the temporary data directory (with --data-dir it is always kept)')
    .option('--presets-file <file>', 'JSON array of extra presets (ablation variants) the recall engine should know, by name')
    .option('--baseline <preset>', 'compare every other preset with this one, per conversation (run first, added to --preset if missing)')
    .option('--compare <metric>', 'metric compared with --baseline, e.g. recall@5, completeRecall@10, ndcg@10, mrr (default recall@10)')
    .option('--min-helps <n>', 'conversations a variant must help on to be kept, with --baseline (default: 80% of them, rounded up: 4 of 5)')
    .option(
      '--learned-fusion <preset>',
      'also evaluate a learned fusion over this preset leave-one-conversation-out (preset learned-fusion-loco: each conversation scored with a model trained on the others) and write learned-fusion.json, trained on every conversation',
    )
    .option('--fusion-objective <objective>', 'with --learned-fusion: pairwise (one example per evidence/other pair of a question, the default) or pointwise (one per candidate)')
    .option('--fusion-weights <file>', 'evaluate a learned-fusion weights file (learned-fusion.json) as preset learned-fusion-file')
    .action(async (file: string, opts: EvalLocomoOptions, command: Command) => {
      const { evalLocomo } = await import('./eval.run.js');
      await evalLocomo(file, opts, command, output, options);
    });
}
