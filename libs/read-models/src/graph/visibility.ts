import type { EntityMention, GraphFact, Neighbourhood } from '@memfabric/graph-store';
import type { MemoryUnitStore } from '@memfabric/projections';

/** Options of the {@link GraphVisibility} reads. */
export interface GraphVisibilityOptions {
  /** Log offset (inclusive): visibility at that position (the memory-unit view's `asOf`). Default: now. */
  readonly asOf?: number;
}

/**
 * Graph reads filtered by the memory-unit lifecycle: the graph store keeps the facts and
 * mentions of units a rollback hid (a rollback never deletes), and readers pass what the store
 * returned through these filters, so the graph follows the same decision as every other read
 * model:
 * - a fact stays while at least one of its source units is `active` (another turn may state it
 *   too); a fact whose every source is hidden is left out;
 * - a mention of a hidden unit is left out;
 * - in a neighbourhood, entities no remaining fact or mention touches are left out, seeds kept.
 *
 * A source event that is not a memory unit of the tenant (none of the built-in extractors
 * produce one) counts as hidden. Not undone: invalidations caused by a hidden fact (a fact it
 * contradicted stays invalidated). Erasure, in contrast, purges and replays the timelines.
 */
export class GraphVisibility {
  constructor(private readonly units: Pick<MemoryUnitStore, 'getUnits'>) {}

  /** Of `sourceEventIds`, those whose unit is not `active` (now, or at `options.asOf`). */
  async hidden(tenant: string, sourceEventIds: readonly string[], options: GraphVisibilityOptions = {}): Promise<Set<string>> {
    const ids = [...new Set(sourceEventIds)];
    const visible = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const units = await this.units.getUnits(tenant, ids.slice(i, i + 500), options.asOf === undefined ? {} : { asOf: options.asOf });
      for (const unit of units) if (unit.status === 'active') visible.add(unit.id);
    }
    return new Set(ids.filter((id) => !visible.has(id)));
  }

  /** `facts` without those whose every source unit is hidden. */
  async visibleFacts(tenant: string, facts: readonly GraphFact[], options: GraphVisibilityOptions = {}): Promise<GraphFact[]> {
    const hidden = await this.hidden(tenant, facts.flatMap((f) => f.sourceEvents), options);
    return facts.filter((f) => f.sourceEvents.length === 0 || f.sourceEvents.some((id) => !hidden.has(id)));
  }

  /** `mentions` without those of hidden units. */
  async visibleMentions(tenant: string, mentions: readonly EntityMention[], options: GraphVisibilityOptions = {}): Promise<EntityMention[]> {
    const hidden = await this.hidden(tenant, mentions.map((m) => m.sourceEventId), options);
    return mentions.filter((m) => !hidden.has(m.sourceEventId));
  }

  /** A neighbourhood without hidden facts and mentions, and without entities only they reached (`seedIds` are kept). */
  async visibleNeighbourhood(tenant: string, neighbourhood: Neighbourhood, seedIds: readonly string[], options: GraphVisibilityOptions = {}): Promise<Neighbourhood> {
    const facts = await this.visibleFacts(tenant, neighbourhood.facts, options);
    const mentions = await this.visibleMentions(tenant, neighbourhood.mentions, options);
    const touched = new Set<string>(seedIds);
    for (const f of facts) touched.add(f.subjectId).add(f.objectId);
    for (const m of mentions) touched.add(m.entityId);
    return { entities: neighbourhood.entities.filter((e) => touched.has(e.id)), facts, mentions };
  }
}
