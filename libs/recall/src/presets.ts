import { MemfabricError, ValidationError } from '@memfabric/errors';
import type { RecallChannel } from './channel.js';
import { BUILTIN_CHANNELS } from './channels/index.js';
import { LOCOMO_DEV_FUSION_MODEL } from './learned-fusion.dev-model.js';
import { parseLearnedFusionModel } from './learned-fusion.js';
import type { PresetFusion, RecallPreset } from './types.js';

/** RRF constant of Cormack, Clarke & Büttcher (SIGIR 2009). */
export const DEFAULT_RRF_K = 60;

const context = { seeds: 3, before: 2, after: 2 } as const;

/**
 * Lexical neighbour propagation of the hybrid presets (see `Propagation` of the lexical channel): the
 * turn after a matching question takes 0.7 of its score, the turn after another match or
 * before one 0.2, over the top 50 BM25 hits (LoCoMo dev split ablation: +0.05 recall@5,
 * +0.06 recall@10 over plain BM25 in the fused preset).
 */
const HYBRID_PROPAGATION = { seeds: 50, answer: 0.7, following: 0.2, preceding: 0.2 } as const;

/** Channel options of the hybrid presets, by channel name. */
const HYBRID_OPTIONS = { lexical: { propagation: HYBRID_PROPAGATION }, graph: { hops: 0 }, context } as const;

/**
 * Weights of the hybrid presets, chosen on the LoCoMo dev split (ablation in
 * `docs/benchmarks.md`, "Retrieval quality"): BM25 over speaker-keyed turns with neighbour
 * propagation ({@link HYBRID_PROPAGATION}) is the strongest single channel there, and the
 * other channels help as lighter evidence — weighted equally with it, the offline USE-lite
 * dense channel and the graph channel pull good lexical hits down. The context channel weighs
 * less since propagation already brings the answering turns. The speaker channel, at 0.1, lifts
 * the turns of a person the query names (+0.009 recall@10, better in each of the 5 dev
 * conversations; heavier, it costs the questions that name the wrong person). Recency,
 * session-spread and lexical pseudo-relevance feedback are off by default (they did not help
 * there, conversation by conversation); give them a weight or options per request or preset.
 */
const HYBRID_WEIGHTS = { lexical: 1, graph: 0.15, temporal: 0.2, dense: 0.1, context: 0.15, speaker: 0.1 } as const;

/**
 * The presets every recaller knows. Data, not code: an evaluation runs several in one pass and
 * compares them (`memfabric eval locomo --preset hybrid-rrf,dense-only,lexical-only`).
 *
 * - `hybrid-rrf`: lexical (with {@link HYBRID_PROPAGATION}), graph, temporal, dense, context and speaker channels, weighted RRF ({@link HYBRID_WEIGHTS});
 * - `hybrid-mmr`: the same with MMR diversification (λ = 0.7);
 * - `learned-fusion`: hybrid-rrf's first 50 candidates re-ordered by a logistic-regression model
 *   over the channels' ranks and scores ({@link LOCOMO_DEV_FUSION_MODEL}, trained on the LoCoMo
 *   dev split; scored leave-one-conversation-out there it helps recall@10 in 4 of 5
 *   conversations, see `docs/benchmarks.md`, "Learned fusion");
 * - `dense-only`, `lexical-only`, `graph-only`: one channel, for baselines and ablations.
 */
export const BUILTIN_PRESETS: readonly RecallPreset[] = [
  {
    name: 'hybrid-rrf',
    description:
      'lexical (BM25 with neighbour propagation) first, with graph, temporal, dense, context and speaker channels as weighted RRF evidence (k = 60); two turns either side of the top 3 hits',
    weights: HYBRID_WEIGHTS,
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    options: HYBRID_OPTIONS,
  },
  {
    name: 'hybrid-mmr',
    description: 'hybrid-rrf followed by maximal marginal relevance (λ = 0.7, token-set similarity)',
    weights: HYBRID_WEIGHTS,
    rrfK: DEFAULT_RRF_K,
    mmrLambda: 0.7,
    candidates: 50,
    options: HYBRID_OPTIONS,
  },
  {
    name: 'learned-fusion',
    description:
      'hybrid-rrf, then its first 50 candidates re-ordered by a pairwise logistic-regression model over each channel’s presence, reciprocal rank and scaled score (trained on the LoCoMo dev split)',
    weights: HYBRID_WEIGHTS,
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    options: HYBRID_OPTIONS,
    fusion: { kind: 'learned', model: LOCOMO_DEV_FUSION_MODEL },
  },
  {
    name: 'dense-only',
    description: 'dense (vector) channel alone',
    weights: { dense: 1 },
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    options: {},
  },
  {
    name: 'lexical-only',
    description: 'lexical (BM25) channel alone',
    weights: { lexical: 1 },
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    options: {},
  },
  {
    name: 'graph-only',
    description: 'graph channel alone: units mentioning the query’s entities and their neighbours',
    weights: { graph: 1 },
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    options: {},
  },
];

/** Name of the preset used when a request names none. */
export const DEFAULT_PRESET = 'hybrid-rrf';

/**
 * The preset called `name` among `presets`.
 * @throws ValidationError (pointer `/preset`) naming the known presets when there is none of that name.
 */
export function findPreset(presets: readonly RecallPreset[], name: string): RecallPreset {
  const preset = presets.find((p) => p.name === name);
  if (!preset) {
    throw new ValidationError('invalid recall request', [
      { pointer: '/preset', detail: `unknown preset "${name}"; known presets: ${presets.map((p) => p.name).join(', ')}` },
    ]);
  }
  return preset;
}

/**
 * Checks presets read from a file (an evaluation's ablation variants) against the
 * {@link RecallPreset} shape; each channel checks its own options.
 * @param value - parsed JSON: an array of presets.
 * @param channels - the channels presets may name; default {@link BUILTIN_CHANNELS}.
 * @returns the presets, typed (defaults filled in: `rrfK` 60, `mmrLambda` null, `candidates` 50, `options` {};
 *   `fusion`, when given, must be `{"kind": "learned", "model": <weights file>}`, see `parseLearnedFusionModel`).
 * @throws ValidationError naming every bad field (`/0/weights/dense`, `/1/options/context/seeds`, ...).
 */
export function validatePresets(value: unknown, channels: readonly RecallChannel[] = BUILTIN_CHANNELS): RecallPreset[] {
  const problems: { pointer: string; detail: string }[] = [];
  if (!Array.isArray(value) || value.length === 0) throw new ValidationError('invalid presets', [{ pointer: '', detail: 'must be a non-empty array of presets' }]);
  const number = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
  const byName = new Map(channels.map((c) => [c.name, c]));
  const known = channels.map((c) => c.name).join(', ');
  const names = new Set<string>();
  value.forEach((raw: unknown, i) => {
    const p = (raw ?? {}) as Partial<Record<keyof RecallPreset, unknown>>;
    const at = (field: string) => `/${i}/${field}`;
    if (typeof p.name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(p.name)) problems.push({ pointer: at('name'), detail: 'must be 1-64 letters, digits, ".", "_" or "-"' });
    else if (names.has(p.name)) problems.push({ pointer: at('name'), detail: `"${p.name}" is repeated` });
    else names.add(p.name);
    if (p.description !== undefined && typeof p.description !== 'string') problems.push({ pointer: at('description'), detail: 'must be a string' });
    if (typeof p.weights !== 'object' || p.weights === null || Array.isArray(p.weights)) problems.push({ pointer: at('weights'), detail: 'must be an object of channel weights' });
    else {
      for (const [channel, weight] of Object.entries(p.weights)) {
        if (!byName.has(channel)) problems.push({ pointer: at(`weights/${channel}`), detail: `is not a channel; channels: ${known}` });
        else if (!number(weight, 0, 100)) problems.push({ pointer: at(`weights/${channel}`), detail: 'must be a number from 0 to 100' });
      }
    }
    if (p.rrfK !== undefined && !number(p.rrfK, 1, 10_000)) problems.push({ pointer: at('rrfK'), detail: 'must be a number from 1 to 10000' });
    if (p.mmrLambda !== undefined && p.mmrLambda !== null && !number(p.mmrLambda, 0, 1)) problems.push({ pointer: at('mmrLambda'), detail: 'must be null or a number from 0 to 1' });
    if (p.candidates !== undefined && !(Number.isSafeInteger(p.candidates) && number(p.candidates, 1, 1000))) problems.push({ pointer: at('candidates'), detail: 'must be an integer from 1 to 1000' });
    if (p.options !== undefined) {
      if (typeof p.options !== 'object' || p.options === null || Array.isArray(p.options)) problems.push({ pointer: at('options'), detail: 'must be an object of channel options by channel name' });
      else {
        for (const [name, options] of Object.entries(p.options)) {
          const channel = byName.get(name);
          if (!channel) problems.push({ pointer: at(`options/${name}`), detail: `is not a channel; channels: ${known}` });
          else if (typeof options !== 'object' || options === null || Array.isArray(options)) problems.push({ pointer: at(`options/${name}`), detail: 'must be an object of channel options' });
          else for (const problem of channel.validateOptions?.(options) ?? []) problems.push({ pointer: at(`options/${name}${problem.pointer}`), detail: problem.detail });
        }
      }
    }
    if (p.fusion !== undefined) {
      const fusion = (p.fusion ?? {}) as { kind?: unknown; model?: unknown };
      if (typeof p.fusion !== 'object' || p.fusion === null || fusion.kind !== 'learned') problems.push({ pointer: at('fusion/kind'), detail: 'must be "learned" (absent: weighted RRF)' });
      else {
        try {
          const model = parseLearnedFusionModel(fusion.model);
          for (const channel of model.channels) if (!byName.has(channel)) problems.push({ pointer: at('fusion/model/channels'), detail: `"${channel}" is not a channel; channels: ${known}` });
        } catch (error) {
          if (!(MemfabricError.is(error) && error instanceof ValidationError)) throw error;
          for (const problem of error.problems) problems.push({ pointer: at(`fusion/model${problem.pointer}`), detail: problem.detail });
        }
      }
    }
  });
  if (problems.length > 0) throw new ValidationError('invalid presets', problems);
  return (value as Partial<RecallPreset>[]).map((p) => ({
    name: p.name!,
    description: p.description ?? '',
    weights: p.weights!,
    rrfK: p.rrfK ?? DEFAULT_RRF_K,
    mmrLambda: p.mmrLambda ?? null,
    candidates: p.candidates ?? 50,
    options: p.options ?? {},
    ...(p.fusion ? { fusion: { kind: 'learned', model: parseLearnedFusionModel(p.fusion.model) } satisfies PresetFusion } : {}),
  }));
}
