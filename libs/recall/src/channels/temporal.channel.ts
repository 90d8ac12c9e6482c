import type { RecallChannel } from '../channel.js';
import { READ_MODELS } from './read-models.js';

/**
 * Temporal channel: when the query holds time expressions (resolved against the reference
 * time), the units whose world time falls in their span, ranked by dense similarity.
 */
export const temporalChannel: RecallChannel = {
  name: 'temporal',
  description: 'units whose world time falls in the query’s time expressions, by dense similarity',
  stage: 'query',
  usesQueryVector: true,
  readModels: [READ_MODELS.vectors],
  usesTimeExpressions: true,
  defaults: {},
  applies: (plan) => plan.windows.length > 0,
  async rank({ plan, backend, embedQuery }) {
    const index = backend.vectors();
    if (!index || plan.windows.length === 0) return { items: [] };
    const from = Math.min(...plan.windows.map((w) => Date.parse(w.from)));
    const to = Math.max(...plan.windows.map((w) => Date.parse(w.to))) - 1;
    const upper = plan.request.validAtMs === undefined ? to : Math.min(to, plan.request.validAtMs);
    if (upper < from) return { items: [] };
    const hits = await index.search({
      tenant: plan.request.tenant,
      vector: await embedQuery(),
      k: plan.candidates,
      filter: { ...plan.filter, worldTime: { from, to: upper } },
      modelId: backend.embedder.modelId,
    });
    return { items: hits };
  },
};
