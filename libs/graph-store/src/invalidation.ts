import type { FactRecord, FactRevision, Recorded } from './model.js';

/**
 * The invalidation rule of the temporal graph, as pure functions.
 *
 * Source: Graphiti (getzep/graphiti, `graphiti_core/utils/maintenance/edge_operations.py`,
 * `resolve_edge_contradictions` and `resolve_extracted_edge`; Rasmussen et al. 2025,
 * arXiv:2501.13956 §2.2.2). A new fact that contradicts a valid one sets the old fact's
 * `invalid_at` to the new fact's `valid_at` and its `expired_at` to the transaction time; history
 * is never deleted. When the new fact is older than a fact already known (it arrived out of
 * world-time order) the new fact is the one that ends, at the later fact's `valid_at`.
 *
 * Here "contradicts" is structural instead of a model's judgement: two facts on the same subject
 * and single-valued predicate with different objects. The facts of one (subject, predicate) pair
 * form a timeline; a statement about it is decided against the timeline as follows
 * (`t` = the statement's valid-from, `e` = its stated valid-to or open):
 *
 * 1. `e <= t`: the interval is empty; the statement is skipped.
 * 2. **Repeat.** Single-valued: a fact with the same object that holds at `t`
 *    (`validFrom <= t < validTo`), so an object that comes back after another one is a new fact.
 *    Multi-valued, or a statement of unknown start ({@link OPEN_START}): a fact with the same
 *    object whose interval overlaps `[t, e)`. The statement becomes a supporting event of that
 *    fact (no duplicate). If it states an end inside the fact's interval, the fact is `ended`
 *    there. An earlier statement of a single-valued fact known from later on is not a repeat
 *    (it becomes a fact bounded by the later one, 3b), so the time between is covered.
 * 3. **New fact**, valid `[t, e)`. Single-valued only:
 *    a. every fact with another object that holds at `t` is `invalidated` with `validTo = t`
 *       (a fact starting exactly at `t` gets the empty interval `[t, t)`: the later transaction
 *       wins);
 *    b. out of world-time order: if a fact of the timeline (any object) starts after `t` and
 *       before `e`, the first such fact bounds the new one — the new fact is `invalidated` by it
 *       with `validTo` = its start. The new fact is then known from its transaction time on but was
 *       never current.
 *
 * Every revision is recorded at the transaction time of the statement that caused it, so a query
 * "as of" an earlier transaction time sees the belief of that time. Applying statements in log
 * order makes the outcome deterministic.
 */

/**
 * Valid-from of a statement that only says when a fact ended (a `validto` at or before the event's
 * world time and no `validfrom`): the smallest time a JavaScript `Date` holds, ms. Such a statement
 * matches a known fact by overlap and ends it; it creates a fact "valid since an unknown time" only
 * when there is none.
 */
export const OPEN_START = -8_640_000_000_000_000;

/** The part of a fact the rule reads. */
export interface TimelineFact {
  readonly id: string;
  readonly objectId: string;
  /** In ms, inclusive. */
  readonly validFrom: number;
  /** Current end of validity in ms (exclusive), `null` when open. */
  readonly validTo: number | null;
}

/** A relation as one event states it, resolved to entity ids and times. */
export interface TimelineStatement {
  /** Id the fact gets if the statement creates one. */
  readonly factId: string;
  readonly objectId: string;
  readonly singleValued: boolean;
  /** Valid-from in ms: the relation's `validfrom`, else the event's world time. */
  readonly validFrom: number;
  /** The relation's `validto` in ms, or `null`. */
  readonly validTo: number | null;
}

/** A change of validity the decision asks for. */
export interface ValidityChange {
  readonly factId: string;
  /** New end of validity, ms (exclusive). */
  readonly validTo: number;
  /** The fact that causes an invalidation. */
  readonly byFactId: string;
}

/** What a statement does to its timeline. */
export type StatementDecision =
  | { readonly kind: 'skip'; readonly reason: 'empty_interval' }
  | {
      readonly kind: 'support';
      readonly factId: string;
      /** Set when the statement gives the fact an end inside its current interval. */
      readonly endAt?: number;
    }
  | {
      readonly kind: 'add';
      /** Facts the new one invalidates (3a). */
      readonly invalidates: readonly ValidityChange[];
      /** The later fact that bounds the new one (3b), when it arrived out of order. */
      readonly boundedBy?: ValidityChange;
    };

function holdsAt(fact: TimelineFact, t: number): boolean {
  return fact.validFrom <= t && (fact.validTo === null || t < fact.validTo);
}

function overlaps(fact: TimelineFact, from: number, to: number | null): boolean {
  return (fact.validTo === null || from < fact.validTo) && (to === null || fact.validFrom < to);
}

function byValidFrom(a: TimelineFact, b: TimelineFact): number {
  return a.validFrom - b.validFrom || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Decides one statement against the current facts of its (subject, predicate) timeline; see the
 * module comment for the rule. Pure: the caller records the decision.
 * @param timeline - every fact of the pair, invalidated ones included, with their current validity.
 * @param statement - the new statement.
 */
export function decideStatement(timeline: readonly TimelineFact[], statement: TimelineStatement): StatementDecision {
  const t = statement.validFrom;
  const e = statement.validTo;
  if (e !== null && e <= t) return { kind: 'skip', reason: 'empty_interval' };
  const ordered = [...timeline].sort(byValidFrom);

  const byOverlap = !statement.singleValued || t === OPEN_START;
  const repeat = ordered.find((fact) => fact.objectId === statement.objectId && (byOverlap ? overlaps(fact, t, e) : holdsAt(fact, t)));
  if (repeat) {
    const endsInside = e !== null && e > repeat.validFrom && (repeat.validTo === null || e < repeat.validTo);
    return endsInside ? { kind: 'support', factId: repeat.id, endAt: e } : { kind: 'support', factId: repeat.id };
  }
  if (!statement.singleValued) return { kind: 'add', invalidates: [] };

  const invalidates = ordered
    .filter((fact) => fact.objectId !== statement.objectId && holdsAt(fact, t))
    .map((fact) => ({ factId: fact.id, validTo: t, byFactId: statement.factId }));
  const successor = ordered.find((fact) => fact.validFrom > t && (e === null || fact.validFrom < e));
  return successor
    ? { kind: 'add', invalidates, boundedBy: { factId: statement.factId, validTo: successor.validFrom, byFactId: successor.id } }
    : { kind: 'add', invalidates };
}

/** The validity of a fact as believed at some transaction time. */
export interface FactValidity {
  /** End of validity in ms (exclusive), `null` when open. */
  readonly validTo: number | null;
  /** Transaction time of the first invalidation, ms, or `null`. */
  readonly expiredAt: number | null;
  /** The fact whose invalidation sets `validTo`, or `null`. */
  readonly invalidatedBy: string | null;
}

/**
 * A fact's validity from its stated end and a set of its revisions: `validTo` is the minimum of
 * the stated end and every revision's end; `expiredAt` the earliest transaction time of an
 * invalidation; `invalidatedBy` the fact of the invalidation with the smallest end (the earliest
 * recorded on a tie). Pass only the revisions known at a transaction time to get the belief of
 * that time (a bi-temporal "as of" read).
 */
export function deriveValidity(statedValidTo: number | null, revisions: readonly (Pick<FactRevision, 'kind' | 'validTo' | 'byFactId'> & Recorded)[]): FactValidity {
  let validTo = statedValidTo;
  let expiredAt: number | null = null;
  let binding: (Pick<FactRevision, 'validTo' | 'byFactId'> & Recorded) | undefined;
  for (const revision of revisions) {
    if (validTo === null || revision.validTo < validTo) validTo = revision.validTo;
    if (revision.kind !== 'invalidated') continue;
    if (expiredAt === null || revision.recordedAt < expiredAt) expiredAt = revision.recordedAt;
    if (
      !binding ||
      revision.validTo < binding.validTo ||
      (revision.validTo === binding.validTo && (revision.recordedAt < binding.recordedAt || (revision.recordedAt === binding.recordedAt && revision.offset < binding.offset)))
    ) {
      binding = revision;
    }
  }
  return { validTo, expiredAt, invalidatedBy: binding?.byFactId ?? null };
}

/** A fact with its current validity recomputed from all of its revisions. */
export function deriveFactState(fact: FactRecord, revisions: readonly FactRevision[]): FactRecord {
  return { ...fact, ...deriveValidity(fact.statedValidTo, revisions.filter((r) => r.factId === fact.id)) };
}
