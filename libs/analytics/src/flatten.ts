import type { StoredEvent } from '@memfabric/events';
import type { FlatEvent } from './port.js';

/**
 * Length of an event's text content in UTF-16 code units: `data.content` when it is a string
 * (`interaction.recorded`, `memory.asserted`, `memory.corrected`), else 0. An erased event has
 * `data: null` and so counts 0.
 */
export function contentChars(data: StoredEvent['data']): number {
  if (data === null || typeof data !== 'object') return 0;
  const content = data['content'];
  return typeof content === 'string' ? content.length : 0;
}

/**
 * Flattens a stored event for analytics: the envelope, transaction time, log position and batch,
 * the content's length and whether it was erased. The content itself, and every other field of
 * `data`, stays out: analytics must not hold a copy of personal content.
 *
 * Pure; does not validate (the store validates on insert).
 */
export function flattenEvent(event: StoredEvent): FlatEvent {
  return {
    eventId: event.id,
    tenantId: event.tenantid,
    streamId: event.streamid,
    streamPosition: event.streamposition,
    type: event.type,
    dataschema: event.dataschema,
    source: event.source,
    actor: event.actor,
    datasubject: event.datasubject,
    worldTime: event.time,
    recordedAt: event.recordedat,
    partition: event.partition,
    offset: event.offset,
    batchId: event.batchid,
    contentChars: contentChars(event.data),
    erased: event.erased === true,
  };
}
