import { ValidationError } from '@memfabric/errors';
import type { RecallPreset } from './types.js';

/** RRF constant of Cormack, Clarke & Büttcher (SIGIR 2009). */
export const DEFAULT_RRF_K = 60;

const context = { seeds: 5, before: 1, after: 1 } as const;
const noContext = { seeds: 0, before: 0, after: 0 } as const;

/**
 * The presets every recaller knows. Data, not code: an evaluation runs several in one pass and
 * compares them (`memfabric eval locomo --preset hybrid-rrf,dense-only,lexical-only`).
 *
 * - `hybrid-rrf`: every channel, weighted RRF, context expansion around the top hits;
 * - `hybrid-mmr`: the same with MMR diversification (λ = 0.7);
 * - `dense-only`, `lexical-only`, `graph-only`: one channel, for baselines and ablations.
 */
export const BUILTIN_PRESETS: readonly RecallPreset[] = [
  {
    name: 'hybrid-rrf',
    description: 'dense + lexical + graph + temporal + weak recency, weighted RRF (k = 60), neighbouring turns of the top hits',
    weights: { dense: 1, lexical: 1, graph: 0.5, temporal: 0.5, recency: 0.1, context: 0.4 },
    rrfK: DEFAULT_RRF_K,
    mmrLambda: null,
    candidates: 50,
    graphHops: 0,
    context,
  },
  {
    name: 'hybrid-mmr',
    description: 'hybrid-rrf followed by maximal marginal relevance (λ = 0.7, token-set similarity)',
    weights: { dense: 1, lexical: 1, graph: 0.5, temporal: 0.5, recency: 0.1, context: 0.4 },
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
