import type { RecallChannel } from '../channel.js';
import { READ_MODELS } from './read-models.js';

/** Recency channel: the visible candidates by world time, newest first (ties: later log offset first). */
export const recencyChannel: RecallChannel = {
  name: 'recency',
  description: 'the visible candidates by world time, newest first',
  stage: 'units',
  readModels: [READ_MODELS.memoryUnits],
  defaults: {},
  rank({ units }) {
    const byTime = [...units.values()].sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || b.createdOffset - a.createdOffset);
    return Promise.resolve({ items: byTime.map((u) => ({ id: u.id, score: Date.parse(u.time) })) });
  },
};
