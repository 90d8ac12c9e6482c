import type { MemoryUnit } from '@memfabric/projections';
import { MAX_K, splitWords } from '@memfabric/vector-index';
import type { ChannelInput, ChannelResult, OptionProblem, RecallChannel } from '../channel.js';
import { isLexicalStopWord, lexicalQueryText } from '../query-terms.js';
import { inRange, intInRange, objectOptions, unknownKeys } from './options.js';
import { READ_MODELS } from './read-models.js';

/**
 * Lexical neighbour propagation over the top `seeds` BM25 hits. A unit scores its own BM25
 * divided by the query's best (so in [0, 1]) plus a share of its neighbours' scores: the turn
 * just before it in its stream gives `answer` of its score when it asks a question (holds a
 * question mark) and `following` otherwise; the turn just after it gives `preceding`. In a
 * dialogue the answer rarely repeats the question's words: propagation lets it rank with the
 * turn that asked. `seeds` 0 = plain BM25. A query-time form of the context-augmented keys of
 * LongMemEval (Wu et al., 2024): the neighbour's text is not copied into the index, so erasing a
 * turn leaves nothing of it in another turn's key.
 */
export interface Propagation {
  readonly seeds: number;
  readonly answer: number;
  readonly following: number;
  readonly preceding: number;
}

/**
 * Pseudo-relevance feedback in the manner of RM3 (Abdul-Jaleel et al., "UMass at TREC 2004";
 * Lavrenko & Croft, SIGIR 2001): the `terms` words with the highest relevance-model weight
 * Σ_d score(d) · tf(w, d) / |d| over the top `docs` BM25 hits (scores scaled by the best; only
 * words of at least 3 letters found in two or more of those hits, neither function words nor query
 * words) are searched as a second BM25 query, and each candidate's score becomes
 * (1 − `weight`) · own + `weight` · expanded (both scaled by their best). It re-ranks the
 * candidates already visible; it does not add new ones. `docs` 0 = off.
 */
export interface Feedback {
  readonly docs: number;
  readonly terms: number;
  readonly weight: number;
}

/** Options of the lexical channel (`RecallPreset.options.lexical`). */
export interface LexicalOptions {
  readonly propagation: Propagation;
  readonly feedback: Feedback;
}

/** Plain BM25. */
export const NO_PROPAGATION: Propagation = { seeds: 0, answer: 0, following: 0, preceding: 0 };

/** No pseudo-relevance feedback. */
export const NO_FEEDBACK: Feedback = { docs: 0, terms: 0, weight: 0 };

/**
 * Lexical channel: BM25 matches of the query's terms in the tenant's lexical index (speaker-keyed
 * turns), optionally re-ranked by neighbour propagation ({@link Propagation}) once the visible
 * candidates are known.
 */
export const lexicalChannel: RecallChannel<LexicalOptions> = {
  name: 'lexical',
  description: 'BM25 over the speaker-keyed texts, with optional neighbour propagation',
  stage: 'query',
  readModels: [READ_MODELS.vectors],
  content: true,
  defaults: { propagation: NO_PROPAGATION, feedback: NO_FEEDBACK },
  applies: (_plan, options, step) => step === 'rank' || options.propagation.seeds > 0 || options.feedback.docs > 0,
  validateOptions(value) {
    const problems: OptionProblem[] = [];
    const options = objectOptions(value, problems);
    problems.push(...unknownKeys(options, ['propagation', 'feedback']));
    if (options['propagation'] !== undefined) {
      const p = (options['propagation'] ?? {}) as Partial<Record<keyof Propagation, unknown>>;
      if (!intInRange(p.seeds, 0, 1000)) problems.push({ pointer: '/propagation/seeds', detail: 'must be an integer from 0 to 1000' });
      for (const key of ['answer', 'following', 'preceding'] as const) {
        if (!inRange(p[key], 0, 10)) problems.push({ pointer: `/propagation/${key}`, detail: 'must be a number from 0 to 10' });
      }
    }
    if (options['feedback'] !== undefined) {
      const f = (options['feedback'] ?? {}) as Partial<Record<keyof Feedback, unknown>>;
      if (!intInRange(f.docs, 0, 100)) problems.push({ pointer: '/feedback/docs', detail: 'must be an integer from 0 to 100' });
      if (!intInRange(f.terms, 0, 50)) problems.push({ pointer: '/feedback/terms', detail: 'must be an integer from 0 to 50' });
      if (!inRange(f.weight, 0, 1)) problems.push({ pointer: '/feedback/weight', detail: 'must be a number from 0 to 1' });
    }
    return problems;
  },
  async rank({ plan, backend }) {
    const index = backend.lexical();
    if (!index) return { items: [] };
    const hits = await index.search({ tenant: plan.request.tenant, text: lexicalQueryText(plan.request.query), k: plan.candidates, filter: plan.filter });
    return { items: hits };
  },
  async refine(input, ranked) {
    const result = await withFeedback(input, ranked);
    const { seeds: count, answer, following, preceding } = input.options.propagation;
    if (count <= 0 || result.items.length === 0) return result;
    const visible = result.items.filter((h) => input.units.has(h.id));
    const best = visible[0] !== undefined && visible[0].score > 0 ? visible[0].score : 1;
    const own = new Map(visible.map((h) => [h.id, h.score / best]));
    const scores = new Map(own);
    const seeds = visible.slice(0, count).map((h) => input.units.get(h.id)!);
    const lists = await input.neighbourhoods(seeds, { before: 1, after: 1 });
    const bestGift = new Map<string, number>();
    const evidence = new Map<string, { expandedFrom: string }>();
    lists.forEach((neighbours, i) => {
      const seed = seeds[i]!;
      const credit = own.get(seed.id)!;
      for (const unit of neighbours) {
        if (unit.id === seed.id || !input.admit(unit)) continue;
        const gift = (unit.createdOffset < seed.createdOffset ? preceding : asksQuestion(seed) ? answer : following) * credit;
        scores.set(unit.id, (scores.get(unit.id) ?? 0) + gift);
        if (!own.has(unit.id) && gift > (bestGift.get(unit.id) ?? 0)) {
          bestGift.set(unit.id, gift);
          evidence.set(unit.id, { expandedFrom: seed.id });
        }
      }
    });
    const items = [...scores].sort(([a, x], [b, y]) => y - x || (own.get(b) ?? 0) - (own.get(a) ?? 0)).map(([id, score]) => ({ id, score }));
    return { items, evidence } satisfies ChannelResult;
  },
};

/** The BM25 result re-ranked by pseudo-relevance feedback ({@link Feedback}); unchanged when off or when no word qualifies. */
async function withFeedback(input: ChannelInput<LexicalOptions>, result: ChannelResult): Promise<ChannelResult> {
  const { docs, terms, weight } = input.options.feedback;
  const index = input.backend.lexical();
  if (docs <= 0 || terms <= 0 || weight <= 0 || !index) return result;
  const visible = result.items.filter((h) => input.units.has(h.id));
  const best = visible[0] !== undefined && visible[0].score > 0 ? visible[0].score : 1;
  const queryWords = new Set(splitWords(input.plan.request.query));
  const model = new Map<string, { weight: number; docs: number }>();
  for (const hit of visible.slice(0, docs)) {
    const words = splitWords(input.units.get(hit.id)!.text ?? '');
    const counts = new Map<string, number>();
    for (const w of words) if (w.length >= 3 && !/^\p{N}+$/u.test(w) && !queryWords.has(w) && !isLexicalStopWord(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const [w, tf] of counts) {
      const entry = model.get(w) ?? { weight: 0, docs: 0 };
      entry.weight += (hit.score / best) * (tf / words.length);
      entry.docs += 1;
      model.set(w, entry);
    }
  }
  const expansion = [...model]
    .filter(([, e]) => e.docs >= 2)
    .sort(([a, x], [b, y]) => y.weight - x.weight || (a < b ? -1 : 1))
    .slice(0, terms)
    .map(([w]) => w);
  if (expansion.length === 0) return result;
  const expanded = await index.search({ tenant: input.plan.request.tenant, text: expansion.join(' '), k: Math.min(MAX_K, input.plan.candidates * 3), filter: input.plan.filter });
  const bestExpanded = expanded[0] !== undefined && expanded[0].score > 0 ? expanded[0].score : 1;
  const expandedScore = new Map(expanded.map((h) => [h.id, h.score / bestExpanded]));
  const items = visible
    .map((h) => ({ id: h.id, score: (1 - weight) * (h.score / best) + weight * (expandedScore.get(h.id) ?? 0) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return { ...result, items };
}

/** Does this turn ask something (a question mark in any script: `?`, `？`, `؟`)? */
function asksQuestion(unit: MemoryUnit): boolean {
  return unit.text !== null && /[?？؟]/u.test(unit.text);
}
