import type { MemoryUnit } from '@memfabric/projections';
import type { ChannelResult, OptionProblem, RecallChannel } from '../channel.js';
import { lexicalQueryText } from '../query-terms.js';
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

/** Options of the lexical channel (`RecallPreset.options.lexical`). */
export interface LexicalOptions {
  readonly propagation: Propagation;
}

/** Plain BM25. */
export const NO_PROPAGATION: Propagation = { seeds: 0, answer: 0, following: 0, preceding: 0 };

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
  defaults: { propagation: NO_PROPAGATION },
  applies: (_plan, options, step) => step === 'rank' || options.propagation.seeds > 0,
  validateOptions(value) {
    const problems: OptionProblem[] = [];
    const options = objectOptions(value, problems);
    problems.push(...unknownKeys(options, ['propagation']));
    if (options['propagation'] !== undefined) {
      const p = (options['propagation'] ?? {}) as Partial<Record<keyof Propagation, unknown>>;
      if (!intInRange(p.seeds, 0, 1000)) problems.push({ pointer: '/propagation/seeds', detail: 'must be an integer from 0 to 1000' });
      for (const key of ['answer', 'following', 'preceding'] as const) {
        if (!inRange(p[key], 0, 10)) problems.push({ pointer: `/propagation/${key}`, detail: 'must be a number from 0 to 10' });
      }
    }
    return problems;
  },
  async rank({ plan, backend }) {
    const index = backend.lexical();
    if (!index) return { items: [] };
    const hits = await index.search({ tenant: plan.request.tenant, text: lexicalQueryText(plan.request.query), k: plan.candidates, filter: plan.filter });
    return { items: hits };
  },
  async refine(input, result) {
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

/** Does this turn ask something (a question mark in any script: `?`, `？`, `؟`)? */
function asksQuestion(unit: MemoryUnit): boolean {
  return unit.text !== null && /[?？؟]/u.test(unit.text);
}
