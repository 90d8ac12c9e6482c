import type { RecallChannel } from '../channel.js';
import { READ_MODELS } from './read-models.js';

/**
 * Dense channel: the tenant's nearest units to the query embedding (cosine), from the vector
 * read model, under the plan's filter.
 */
export const denseChannel: RecallChannel = {
  name: 'dense',
  description: 'nearest units to the query embedding (cosine) in the dense index',
  stage: 'query',
  usesQueryVector: true,
  readModels: [READ_MODELS.vectors],
  content: true,
  defaults: {},
  async rank({ plan, backend, embedQuery }) {
    const index = backend.vectors();
    if (!index) return { items: [] };
    const hits = await index.search({
      tenant: plan.request.tenant,
      vector: await embedQuery(),
      k: plan.candidates,
      filter: plan.filter,
      modelId: backend.embedder.modelId,
    });
    return { items: hits };
  },
};
