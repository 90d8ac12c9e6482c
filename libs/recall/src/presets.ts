import { ValidationError } from '@memfabric/errors';
import type { RecallPreset } from './types.js';

/** RRF constant of Cormack, Clarke & Büttcher (SIGIR 2009). */
export const DEFAULT_RRF_K = 60;

const context = { seeds: 3, before: 2, after: 2 } as const;
const noContext = { seeds: 0, before: 0, after: 0 } as const;

/**
 * Weights of the hybrid presets, chosen on the LoCoMo dev split (ablation in
 * `docs/benchmarks.md`, "Retrieval quality"): BM25 over speaker-keyed turns is the strongest
 * single channel there, and the other channels help as lighter evidence — weighted equally
 * with it, the offline USE-lite dense channel and the graph channel pull good lexical hits down.
 * Recency is off by default (it did not help there); give it a weight per request to use it.
 */
const HYBRID_WEIGHTS = { lexical: 1, graph: 0.15, temporal: 0.2, dense: 0.1, context: 0.3 } as const;

/**
 * The presets every recaller knows. Data, not code: an evaluation runs several in one pass and
 * compares them (`memfabric eval locomo --preset hybrid-rrf,dense-only,lexical-only`).
 *
 * - `hybrid-rrf`: lexical, graph, temporal, dense and context channels, weighted RRF ({@link HYBRID_WEIGHTS});
 * - `hybrid-mmr`: the same with MMR diversification (λ = 0.7);
 * - `dense-only`, `lexical-only`, `graph-only`: one channel, for baselines and ablations.
 */
export const BUILTIN_PRESETS: readonly RecallPreset[] = [
  {
    name: 'hybrid-rrf',
    description: 'lexical (BM25) first, with graph, temporal, dense and context channels as weighted RRF evidence (k = 60); two turns either side of the top 3 hits',
    weights: HYBRID_WEIGHTS,
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    graphHops: 0,
    context,
  },
  {
    name: 'hybrid-mmr',
    description: 'hybrid-rrf followed by maximal marginal relevance (λ = 0.7, token-set similarity)',
    weights: HYBRID_WEIGHTS,
    rrfK: DEFAULT_RRF_K,
    mmrLambda: 0.7,
    candidates: 50,
    graphHops: 0,
    context,
  },
  {
    name: 'dense-only',
    description: 'dense (vector) channel alone',
    weights: { dense: 1 },
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    graphHops: 0,
    context: noContext,
  },
  {
    name: 'lexical-only',
    description: 'lexical (BM25) channel alone',
    weights: { lexical: 1 },
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    graphHops: 0,
    context: noContext,
  },
  {
    name: 'graph-only',
    description: 'graph channel alone: units mentioning the query’s entities and their neighbours',
    weights: { graph: 1 },
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    graphHops: 0,
    context: noContext,
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
