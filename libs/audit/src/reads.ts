import type { QueryLogRow } from '@memfabric/analytics';
import { sha256Hex } from '@memfabric/events';

/** Preset recorded for a history read in the query log (recalls record their search preset). */
export const HISTORY_READ_PRESET = 'audit:history';

/** Preset recorded for a point-in-time state read. */
export const STATE_READ_PRESET = 'audit:state';

/** What a read of audited memory returned, to record in the query log. */
export interface AuditRead {
  /** Unique id of the read (UUIDv7). */
  readonly queryId: string;
  readonly tenantid: string;
  /** Who read (agent, user or service principal). */
  readonly caller: string;
  /** What was read: a memory unit's history, an entity's history, or a state. */
  readonly scope: { readonly kind: 'memory' | 'entity' | 'state'; readonly id: string };
  /** Ids returned: the memory's units, the entity id, or the state's unit ids. */
  readonly unitIds: readonly string[];
  readonly preset: string;
  /** How long the read took, ms. */
  readonly latencyMs: number;
  /** When it was answered (RFC 3339). */
  readonly at: string;
  /** Transaction-time bound of a state read (RFC 3339), when there was one. */
  readonly asOf?: string | null;
}

/**
 * The query-log row of an audited read, in the same table as recalls so `listQueries` answers
 * "who read what, when" for both. Like recalls, no query text is stored: the hash is over the
 * scope (`history:memory:<id>`).
 */
export function auditReadRow(read: AuditRead): QueryLogRow {
  return {
    queryId: read.queryId,
    tenantId: read.tenantid,
    caller: read.caller,
    queryHash: sha256Hex(`${read.preset}:${read.scope.kind}:${read.scope.id}`),
    k: read.unitIds.length,
    preset: read.preset,
    channelLatencyMs: { [read.scope.kind === 'state' ? 'state' : 'history']: Math.max(0, read.latencyMs) },
    totalLatencyMs: Math.max(0, read.latencyMs),
    unitIds: [...read.unitIds],
    asOf: read.asOf ?? null,
    validAt: null,
    at: read.at,
  };
}
