import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';

/** A new event id: a UUIDv7 (RFC 9562), time-ordered so ids sort roughly by creation. */
export function newEventId(): string {
  return uuidv7();
}

/**
 * Namespace of the name-based event ids memfabric derives (a fixed UUID, never to change: every
 * derived id in every log depends on it).
 */
export const MEMFABRIC_ID_NAMESPACE = '6f1b3a52-2c1e-4f8e-9d57-0c4f5e0b7a91';

/**
 * A name-based event id: the UUIDv5 (RFC 9562 §5.5, SHA-1 in {@link MEMFABRIC_ID_NAMESPACE}) of
 * `name`. The same name always gives the same id, so an event a process derives from the log
 * (a facts.extracted event from its source, an imported turn from its idempotency key) gets
 * the same id in a replay, a second process or a second import, and the log's idempotency
 * check recognises it. Names must be unique per event: include everything that distinguishes
 * two events (tenant, source id, producer version).
 */
export function derivedEventId(name: string): string {
  return uuidv5(name, MEMFABRIC_ID_NAMESPACE);
}
