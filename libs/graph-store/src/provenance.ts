import { ValidationError } from '@memfabric/errors';
import type { FactsExtracted, StoredEvent } from '@memfabric/events';
import type { ExtractionInput } from './port.js';

/** The event type this projection consumes. */
export const FACTS_EXTRACTED = 'facts.extracted';

/**
 * The input of `applyExtraction` carried by a stored `facts.extracted` event: tenant from
 * `tenantid`, world time from `time`, transaction time from `recordedat`, position from
 * `partition`/`offset`, source event from `data.sourceevent`.
 * @returns `undefined` for another event type, or when the event's data subject was erased (`data` is null).
 * @throws ValidationError when `time`/`recordedat` do not parse or `data` lacks its arrays.
 */
export function extractionFromEvent(event: StoredEvent): ExtractionInput | undefined {
  if (event.type !== FACTS_EXTRACTED || event.data === null || event.erased === true) return undefined;
  const data = event.data as unknown as FactsExtracted;
  const worldTime = Date.parse(event.time);
  const recordedAt = Date.parse(event.recordedat);
  const problems = [
    ...(Number.isFinite(worldTime) ? [] : [{ pointer: '/time', detail: 'must be an RFC 3339 date-time' }]),
    ...(Number.isFinite(recordedAt) ? [] : [{ pointer: '/recordedat', detail: 'must be an RFC 3339 date-time' }]),
    ...(typeof data.sourceevent === 'string' ? [] : [{ pointer: '/data/sourceevent', detail: 'is required' }]),
    ...(Array.isArray(data.entities) && Array.isArray(data.relations) && Array.isArray(data.times)
      ? []
      : [{ pointer: '/data', detail: 'entities, times and relations must be arrays' }]),
  ];
  if (problems.length > 0) throw new ValidationError(`facts.extracted event ${event.id} is malformed`, problems, { context: { eventId: event.id } });
  return {
    tenant: event.tenantid,
    extraction: data,
    provenance: {
      eventId: event.id,
      sourceEventId: data.sourceevent,
      worldTime,
      recordedAt,
      partition: event.partition,
      offset: event.offset,
    },
  };
}
