import type { RecallChannel } from '../channel.js';
import { noOptions } from './options.js';
import { READ_MODELS } from './read-models.js';

/**
 * Session-spread channel: the first fusion's candidates reordered round-robin over their streams
 * (sessions): the best candidate of every stream in fused order, then the second best of every
 * stream, and so on. With a small weight it lifts the best hit of a session the top of the
 * ranking does not cover yet: questions about several events ("What video games does Nate
 * play?") have their evidence in several sessions, while the context channel and neighbour
 * propagation pile up turns of one session. A rank-level form of diversification (compare MMR,
 * Carbonell & Goldstein, SIGIR 1998, with same-session as the redundancy).
 */
export const sessionSpreadChannel: RecallChannel = {
  name: 'session-spread',
  description: 'the fused candidates round-robin over their sessions (streams)',
  stage: 'fused',
  readModels: [READ_MODELS.memoryUnits],
  defaults: {},
  validateOptions: noOptions,
  rank({ fused, units }) {
    const seen = new Map<string, number>();
    const placed = fused.flatMap((item, order) => {
      const stream = units.get(item.id)?.streamid;
      if (stream === undefined) return [];
      const round = seen.get(stream) ?? 0;
      seen.set(stream, round + 1);
      return [{ id: item.id, score: item.score, round, order }];
    });
    placed.sort((a, b) => a.round - b.round || a.order - b.order);
    return Promise.resolve({ items: placed.map(({ id, score }) => ({ id, score })) });
  },
};
