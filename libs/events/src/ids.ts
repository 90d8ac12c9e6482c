import { v7 as uuidv7 } from 'uuid';

/** A new event id: a UUIDv7 (RFC 9562), time-ordered so ids sort roughly by creation. */
export function newEventId(): string {
  return uuidv7();
}
