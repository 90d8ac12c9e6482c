import type { OptionProblem, RecallChannel } from '../channel.js';
import { intInRange, objectOptions, unknownKeys } from './options.js';
import { READ_MODELS } from './read-models.js';

/** Options of the context channel (`RecallPreset.options.context`). */
export interface ContextOptions {
  /** How many of the top fused hits get their neighbours added. */
  readonly seeds: number;
  /** Turns before each seed in its stream. */
  readonly before: number;
  /** Turns after each seed in its stream. */
  readonly after: number;
}

/**
 * Context channel: the neighbouring turns (same stream, just before and after) of the top fused
 * hits, ranked in the order of the hit they neighbour. Neighbours pass the same rules as every
 * candidate.
 */
export const contextChannel: RecallChannel<ContextOptions> = {
  name: 'context',
  description: 'the turns around the top fused hits in their streams',
  stage: 'fused',
  readModels: [READ_MODELS.memoryUnits],
  defaults: { seeds: 0, before: 0, after: 0 },
  applies: (_plan, options) => options.seeds > 0,
  validateOptions(value) {
    const problems: OptionProblem[] = [];
    const options = objectOptions(value, problems);
    problems.push(...unknownKeys(options, ['seeds', 'before', 'after']));
    for (const key of ['seeds', 'before', 'after'] as const) {
      if (options[key] !== undefined && !intInRange(options[key], 0, 50)) problems.push({ pointer: `/${key}`, detail: 'must be an integer from 0 to 50' });
    }
    return problems;
  },
  async rank({ options, fused, units, admit, neighbourhoods }) {
    if (options.seeds <= 0 || fused.length === 0) return { items: [] };
    const seeds = fused.slice(0, options.seeds);
    const lists = await neighbourhoods(
      seeds.map((seed) => units.get(seed.id)!),
      { before: options.before, after: options.after },
    );
    const items: { id: string; score: number }[] = [];
    const evidence = new Map<string, { expandedFrom: string }>();
    lists.forEach((neighbours, i) => {
      const seed = seeds[i]!;
      for (const unit of neighbours) {
        if (evidence.has(unit.id) || unit.id === seed.id || !admit(unit)) continue;
        evidence.set(unit.id, { expandedFrom: seed.id });
        items.push({ id: unit.id, score: seed.score });
      }
    });
    return { items, evidence };
  },
};
