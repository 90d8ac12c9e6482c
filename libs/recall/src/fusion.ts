import type { ChannelName } from './types.js';

/** One channel's ranked list: unit ids best first, with the channel's own scores. */
export interface ChannelRanking {
  readonly channel: ChannelName;
  readonly weight: number;
  /** Best first; ids unique. */
  readonly items: readonly { readonly id: string; readonly score: number }[];
}

/** One fused candidate. */
export interface FusedItem {
  readonly id: string;
  /** Σ over channels of weight / (k + rank). */
  readonly score: number;
  /** Per channel that ranked it: 1-based rank, the channel's score, weight and contribution. */
  readonly channels: Record<ChannelName, { rank: number; score: number; weight: number; contribution: number }>;
}

/**
 * Weighted reciprocal rank fusion: score(d) = Σ_c w_c / (k + rank_c(d)), summed over the
 * channels that ranked d (Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms
 * Condorcet and individual Rank Learning Methods", SIGIR 2009; weights as in the weighted
 * variant used by hybrid search engines). Ties are broken by the best single-channel rank, then
 * by id, so the order is deterministic.
 *
 * @param rankings - channel lists (ranks are positions in `items`, from 1).
 * @param k - the RRF constant (60 in the paper); must be > 0.
 * @returns every id ranked by any channel with a positive weight, best first.
 */
export function weightedRrf(rankings: readonly ChannelRanking[], k: number): FusedItem[] {
  const fused = new Map<string, { score: number; best: number; channels: FusedItem['channels'] }>();
  for (const ranking of rankings) {
    if (!(ranking.weight > 0)) continue;
    ranking.items.forEach((item, index) => {
      const rank = index + 1;
      const contribution = ranking.weight / (k + rank);
      const entry = fused.get(item.id) ?? { score: 0, best: Number.POSITIVE_INFINITY, channels: {} };
      if (entry.channels[ranking.channel]) return;
      entry.score += contribution;
      entry.best = Math.min(entry.best, rank);
      entry.channels[ranking.channel] = { rank, score: item.score, weight: ranking.weight, contribution };
      fused.set(item.id, entry);
    });
  }
  return [...fused.entries()]
    .sort(([idA, a], [idB, b]) => b.score - a.score || a.best - b.best || (idA < idB ? -1 : idA > idB ? 1 : 0))
    .map(([id, e]) => ({ id, score: e.score, channels: e.channels }));
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein, SIGIR 1998): greedily picks the item
 * maximising λ·rel(d) − (1 − λ)·max_{s ∈ selected} sim(d, s), where rel is the fused score
 * scaled to [0, 1] by the best score.
 *
 * @param items - candidates best first (fused order).
 * @param similarity - similarity of two candidates in [0, 1].
 * @param lambda - trade-off in [0, 1]; 1 keeps the fused order.
 * @param limit - how many to select.
 * @returns the selected items in MMR order.
 */
export function mmr<T extends { readonly score: number }>(
  items: readonly T[],
  similarity: (a: T, b: T) => number,
  lambda: number,
  limit: number,
): T[] {
  const top = items[0]?.score ?? 0;
  const relevance = (item: T) => (top > 0 ? item.score / top : 0);
  const remaining = [...items];
  const selected: T[] = [];
  while (selected.length < limit && remaining.length > 0) {
    let bestIndex = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    remaining.forEach((candidate, index) => {
      const redundancy = selected.reduce((max, s) => Math.max(max, similarity(candidate, s)), 0);
      const value = lambda * relevance(candidate) - (1 - lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        bestIndex = index;
      }
    });
    selected.push(remaining.splice(bestIndex, 1)[0]!);
  }
  return selected;
}

/** Lower-case word tokens of a text (Unicode letters and digits). */
export function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** Jaccard similarity |A ∩ B| / |A ∪ B| of two token sets, in [0, 1] (0 for two empty sets). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const token of a) if (b.has(token)) shared += 1;
  return shared / (a.size + b.size - shared);
}
