import type { NormalizedFilter, UnitPayload, UnitStatus } from '@memfabric/vector-index';

/** Payload field names of a unit point in Qdrant. */
export const FIELDS = {
  tenant: 'tenant',
  unitId: 'unit_id',
  stream: 'stream',
  actor: 'actor',
  worldTime: 'world_time',
  txTime: 'tx_time',
  offset: 'log_offset',
  status: 'status',
  text: 'text',
} as const;

/** A point's payload as stored. */
export interface UnitPointPayload {
  tenant: string;
  unit_id: string;
  stream: string;
  actor: string;
  world_time: number;
  tx_time: number;
  log_offset: number;
  status: UnitStatus;
  text: string;
}

/** The stored payload of a unit. */
export function toPointPayload(p: UnitPayload): UnitPointPayload {
  return {
    tenant: p.tenant,
    unit_id: p.id,
    stream: p.stream,
    actor: p.actor,
    world_time: p.worldTime,
    tx_time: p.txTime,
    log_offset: p.offset,
    status: p.status,
    text: p.text,
  };
}

/** A unit from a stored payload. */
export function fromPointPayload(p: UnitPointPayload): UnitPayload {
  return {
    id: p.unit_id,
    tenant: p.tenant,
    stream: p.stream,
    actor: p.actor,
    worldTime: p.world_time,
    txTime: p.tx_time,
    offset: p.log_offset,
    status: p.status,
    text: p.text,
  };
}

/** A Qdrant filter condition (the subset memfabric uses). */
export type QdrantCondition =
  | { key: string; match: { value: string } | { any: string[] } }
  | { key: string; range: { gte?: number; lte?: number } }
  | { has_id: string[] }
  | { has_vector: string };

/** A Qdrant filter whose conditions must all hold. */
export interface QdrantFilter {
  must: QdrantCondition[];
}

/** The condition every request carries: the tenant (served by the `is_tenant` keyword index). */
export function tenantCondition(tenant: string): QdrantCondition {
  return { key: FIELDS.tenant, match: { value: tenant } };
}

/**
 * The Qdrant filter of a search: tenant, then status, stream, actor (keyword `match`), world
 * and transaction time and log offset (integer `range`, inclusive bounds).
 */
export function toQdrantFilter(tenant: string, f: NormalizedFilter, extra: QdrantCondition[] = []): QdrantFilter {
  const must: QdrantCondition[] = [tenantCondition(tenant), { key: FIELDS.status, match: { any: [...f.statuses] } }];
  if (f.streams) must.push({ key: FIELDS.stream, match: { any: [...f.streams] } });
  if (f.actors) must.push({ key: FIELDS.actor, match: { any: [...f.actors] } });
  const range = (key: string, gte: number | undefined, lte: number | undefined) => {
    if (gte === undefined && lte === undefined) return;
    must.push({ key, range: { ...(gte === undefined ? {} : { gte }), ...(lte === undefined ? {} : { lte }) } });
  };
  range(FIELDS.worldTime, f.worldFrom, f.worldTo);
  range(FIELDS.txTime, f.txFrom, f.txTo);
  range(FIELDS.offset, undefined, f.maxOffset);
  must.push(...extra);
  return { must };
}
