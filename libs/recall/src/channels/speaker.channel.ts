import type { MemoryUnit } from '@memfabric/projections';
import type { RecallChannel } from '../channel.js';
import type { FusedItem } from '../fusion.js';
import { noOptions } from './options.js';
import { READ_MODELS } from './read-models.js';

/**
 * The speakers of `units` that `query` names: a speaker is named when its whole display name, or
 * its first word, is a word of the query (case-insensitive; a possessive `'s` is dropped, so
 * `"Caroline's"` names Caroline).
 *
 * @returns speaker display names as stored on the units (`MemoryUnit.speaker`).
 */
export function namedSpeakers(query: string, units: Iterable<MemoryUnit>): Set<string> {
  const words = new Set((query.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).map((w) => w.replace(/['’]s$/u, '').toLowerCase()));
  const text = ` ${[...words].join(' ')} `;
  const named = new Set<string>();
  for (const unit of units) {
    const speaker = unit.speaker?.trim();
    if (!speaker || named.has(speaker)) continue;
    const lower = speaker.toLowerCase();
    const first = lower.split(/\s+/u)[0]!;
    if (words.has(first) || text.includes(` ${lower} `)) named.add(speaker);
  }
  return named;
}

/**
 * Speaker channel: the first fusion's candidates spoken by a person the query names, in fused
 * order. In a conversation, what a person did, likes or plans is mostly in that person's own
 * turns ("What video games does Nate play?" is answered by Nate's turns); this channel gives them
 * a weighted RRF share on top of the other channels. It abstains (returns nothing) when the
 * query names no speaker of the candidates, or every one of them (the prior would not tell turns
 * apart).
 */
export const speakerChannel: RecallChannel = {
  name: 'speaker',
  description: 'the fused candidates spoken by a person the query names',
  stage: 'fused',
  readModels: [READ_MODELS.memoryUnits],
  defaults: {},
  validateOptions: noOptions,
  rank({ plan, fused, units }) {
    const named = namedSpeakers(plan.request.query, units.values());
    const speakers = new Set([...units.values()].map((u) => u.speaker?.trim()).filter((s): s is string => !!s));
    if (named.size === 0 || named.size >= speakers.size) return Promise.resolve({ items: [] });
    const items = fused
      .filter((item: FusedItem) => {
        const speaker = units.get(item.id)?.speaker?.trim();
        return speaker !== undefined && named.has(speaker);
      })
      .map((item) => ({ id: item.id, score: item.score }));
    return Promise.resolve({ items });
  },
};
