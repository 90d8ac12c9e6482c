import { DEFAULT_STATUSES, type SearchFilter, type UnitPayload, type UnitStatus } from './types.js';

/**
 * A validated {@link SearchFilter} with its defaults applied. Adapters translate it into their
 * backend's filter language; {@link matchesFilter} is the reference semantics.
 */
export interface NormalizedFilter {
  /** Allowed streams, or undefined for any. Never empty. */
  readonly streams?: readonly string[];
  /** Allowed actors, or undefined for any. Never empty. */
  readonly actors?: readonly string[];
  /** Allowed statuses (default `['active']`), deduplicated, never empty. */
  readonly statuses: readonly UnitStatus[];
  /** Inclusive world-time bounds in ms. */
  readonly worldFrom?: number;
  readonly worldTo?: number;
  /** Inclusive transaction-time bounds in ms. */
  readonly txFrom?: number;
  readonly txTo?: number;
  /** Largest log offset allowed (inclusive). */
  readonly maxOffset?: number;
}

/** The filter of a search that names no conditions: active units only. */
export const DEFAULT_FILTER: NormalizedFilter = { statuses: DEFAULT_STATUSES };

/**
 * Applies defaults to an already validated filter (see `validateFilter` for the checks).
 * Empty arrays are not accepted by validation, so they never reach here.
 */
export function normalizeFilter(filter: SearchFilter | undefined): NormalizedFilter {
  if (!filter) return DEFAULT_FILTER;
  const out: {
    -readonly [K in keyof NormalizedFilter]: NormalizedFilter[K];
  } = { statuses: filter.statuses ? [...new Set(filter.statuses)] : DEFAULT_STATUSES };
  if (filter.streams) out.streams = [...new Set(filter.streams)];
  if (filter.actors) out.actors = [...new Set(filter.actors)];
  if (filter.worldTime?.from !== undefined) out.worldFrom = filter.worldTime.from;
  if (filter.worldTime?.to !== undefined) out.worldTo = filter.worldTime.to;
  if (filter.txTime?.from !== undefined) out.txFrom = filter.txTime.from;
  if (filter.txTime?.to !== undefined) out.txTo = filter.txTime.to;
  if (filter.maxOffset !== undefined) out.maxOffset = filter.maxOffset;
  return out;
}

/** True when `payload` passes every condition of `filter` (the reference semantics of filtering). */
export function matchesFilter(payload: Omit<UnitPayload, 'id' | 'tenant' | 'text'>, filter: NormalizedFilter): boolean {
  if (!filter.statuses.includes(payload.status)) return false;
  if (filter.streams && !filter.streams.includes(payload.stream)) return false;
  if (filter.actors && !filter.actors.includes(payload.actor)) return false;
  if (filter.worldFrom !== undefined && payload.worldTime < filter.worldFrom) return false;
  if (filter.worldTo !== undefined && payload.worldTime > filter.worldTo) return false;
  if (filter.txFrom !== undefined && payload.txTime < filter.txFrom) return false;
  if (filter.txTo !== undefined && payload.txTime > filter.txTo) return false;
  if (filter.maxOffset !== undefined && payload.offset > filter.maxOffset) return false;
  return true;
}

/** True when the filter only restricts statuses to `active` (the cheapest case for an index). */
export function isDefaultFilter(filter: NormalizedFilter): boolean {
  return (
    filter.statuses.length === 1 &&
    filter.statuses[0] === 'active' &&
    !filter.streams &&
    !filter.actors &&
    filter.worldFrom === undefined &&
    filter.worldTo === undefined &&
    filter.txFrom === undefined &&
    filter.txTo === undefined &&
    filter.maxOffset === undefined
  );
}
