import { createHash } from 'node:crypto';

/** Namespace of memfabric's UUIDv5 point ids (a fixed random UUID). */
export const POINT_ID_NAMESPACE = '6f1c2f0e-9a47-4c53-9d1e-3b8f6c2a7e15';

/**
 * A name-based UUID, version 5 (SHA-1), as RFC 9562 section 5.5 (formerly RFC 4122 4.3)
 * defines it: SHA-1 over the namespace's 16 bytes and the UTF-8 name, version and variant bits
 * set, formatted as 8-4-4-4-12 lower-case hex.
 */
export function uuidV5(name: string, namespace = POINT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new RangeError(`namespace ${namespace} is not a UUID`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The Qdrant point id of a unit: UUIDv5 of `tenant NUL unitId`. Deterministic (replays and
 * other writers address the same point) and distinct per tenant, so two tenants that use the
 * same unit id never share a point.
 */
export function pointId(tenant: string, unitId: string): string {
  return uuidV5(`${tenant}\u0000${unitId}`);
}

/** Id of the reserved point that records the collection's embedding model. */
export const MODEL_POINT_ID = uuidV5('memfabric:reserved:embedding-model');
