import { UnavailableError } from '@memfabric/errors';
import type { StoredEvent } from '@memfabric/events';
import type { MemoryUnitStatus } from './memory-unit.js';
import { MEMORY_UNIT_EVENT_TYPES } from './rules.js';

/**
 * One unit whose lifecycle an event changed, resolved to its id: the unit was created with
 * `status` (`created: true`), or its status is now `status` (superseded, retracted, rolled back,
 * active again after a revert, erased). Content never appears here, so a decision outlives an
 * erasure.
 */
export interface UnitTransition {
  /** Memory unit id (= the id of the event that created it). */
  readonly id: string;
  /** The unit's status after the event. */
  readonly status: MemoryUnitStatus;
  /** True when the event created the unit. */
  readonly created?: true;
}

/**
 * What the memory-unit rules decided for one event, as the memory-unit projection recorded it
 * when it applied the event: the units it created or moved (in the order they changed), or the
 * reason it was rejected (the event is dead-lettered by the memory-unit projection, and other
 * read models write nothing for it). Every event of a {@link MEMORY_UNIT_EVENT_TYPES} type
 * gets a decision, an empty one when it changed nothing.
 *
 * This is the single lifecycle decision of the fabric: the vector, lexical and graph read
 * models write their status fields, deletions and skips from it instead of folding the
 * lifecycle again. A decision never changes once recorded (the rules are deterministic over
 * the log), so a read model may consume it at any later time, during a rebuild too.
 */
export interface UnitDecision {
  readonly eventId: string;
  readonly tenantid: string;
  readonly transitions: readonly UnitTransition[];
  /** Set when the rules rejected the event: why. */
  readonly rejected?: string;
}

/**
 * Where read models read the memory-unit decisions from (the memory-unit projection's active
 * generation). Implemented by the SQLite memory-unit projection's table and by
 * {@link InMemoryUnitDecisions}; the contract is `describeUnitDecisionSourceContract` in
 * `@memfabric/projections/testing`.
 */
export interface UnitDecisionSource {
  /**
   * The decisions of `events` that concern memory units (other event types are left out),
   * keyed by event id.
   * @throws UndecidedEventsError (retriable) when the memory-unit projection has not applied
   *   one of them yet: the caller's batch is retried later.
   */
  decisions(events: readonly StoredEvent[]): Promise<ReadonlyMap<string, UnitDecision>>;
}

/** Event types a decision is recorded for. */
export const DECIDED_EVENT_TYPES: ReadonlySet<string> = new Set(MEMORY_UNIT_EVENT_TYPES);

/** True when the memory-unit rules record a decision for `event`'s type. */
export function isDecidedType(event: Pick<StoredEvent, 'type'>): boolean {
  return DECIDED_EVENT_TYPES.has(event.type);
}

/**
 * Thrown when a read model asks for the decision of an event the memory-unit projection has
 * not applied yet (it runs behind, or is not running). Retriable: nothing of the batch is
 * committed and the runtime tries again after its backoff.
 */
export class UndecidedEventsError extends UnavailableError {
  constructor(readonly eventIds: readonly string[]) {
    super(
      `memory-unit decisions of ${eventIds.length} event(s) are not recorded yet (first ${eventIds[0] ?? '?'}): the memory-units projection must apply them first`,
    );
  }
}

/**
 * The decisions of `events` from `lookup`, or {@link UndecidedEventsError} naming the missing
 * ones. Shared by the implementations of {@link UnitDecisionSource}.
 */
export function collectDecisions(events: readonly StoredEvent[], lookup: (eventId: string) => UnitDecision | undefined): Map<string, UnitDecision> {
  const found = new Map<string, UnitDecision>();
  const missing: string[] = [];
  for (const event of events) {
    if (!isDecidedType(event)) continue;
    const decision = lookup(event.id);
    if (decision) found.set(event.id, decision);
    else missing.push(event.id);
  }
  if (missing.length > 0) throw new UndecidedEventsError(missing);
  return found;
}

/** An in-memory {@link UnitDecisionSource} (filled by `InMemoryMemoryUnits`, or by hand in tests). */
export class InMemoryUnitDecisions implements UnitDecisionSource {
  private readonly byEvent = new Map<string, UnitDecision>();

  /** Records a decision (the latest for an event id wins; decisions are deterministic, so equal). */
  record(decision: UnitDecision): void {
    this.byEvent.set(decision.eventId, decision);
  }

  /** The decision recorded for `eventId`, if any. */
  get(eventId: string): UnitDecision | undefined {
    return this.byEvent.get(eventId);
  }

  decisions(events: readonly StoredEvent[]): Promise<ReadonlyMap<string, UnitDecision>> {
    try {
      return Promise.resolve(collectDecisions(events, (id) => this.byEvent.get(id)));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
