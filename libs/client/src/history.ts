/**
 * One version of a memory in its history: what one event did to it. The audit service defines
 * the full shape (it also carries the memory's `state` after the event and a `diff` against the
 * previous version); the client only checks that each version is a JSON object, so the members
 * below are optional and everything else passes through.
 */
export interface MemoryVersion {
  /** 1-based version number. */
  readonly version?: number;
  /** The event that made this version. */
  readonly eventId?: string;
  /** Its event type (`memory.asserted`, `memory.corrected`, `memory.retracted`, `rollback.applied`, ...). */
  readonly type?: string;
  /** What the event did: `created`, `corrected`, `retracted`, `rolled_back`, `rollback_reverted`, `erased`. */
  readonly change?: string;
  /** Log position of the event (transaction-time order). */
  readonly position?: { readonly partition: number; readonly offset: number };
  /** Transaction time of the event (RFC 3339). */
  readonly recordedAt?: string;
  /** World time of the event (RFC 3339). */
  readonly time?: string;
  /** Who wrote the event. */
  readonly actor?: string;
  /** Status of the memory after the event (`active`, `superseded`, `retracted`, `erased`, `rolled_back`). */
  readonly status?: string;
  /** Text of the memory after the event; null once erased. */
  readonly text?: string | null;
  readonly [field: string]: unknown;
}

/**
 * The answer of `GET /v1/tenants/{tenant}/memories/{unitId}/history`: every event that touched a
 * memory unit (its creation, corrections, retraction, rollbacks, erasure), oldest first, as
 * versions. The client checks `unitId` and `versions` and passes every other member through.
 */
export interface MemoryHistory {
  /** The memory unit (the id of the event that created it). */
  readonly unitId: string;
  /** The versions, oldest first. */
  readonly versions: readonly MemoryVersion[];
  readonly [field: string]: unknown;
}

/** True when `value` has the minimal {@link MemoryHistory} shape. */
export function isMemoryHistory(value: unknown): value is MemoryHistory {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.unitId === 'string' && Array.isArray(v.versions) && v.versions.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
}
