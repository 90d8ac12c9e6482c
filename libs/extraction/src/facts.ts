import { ValidationError, type FieldProblem } from '@memfabric/errors';
import type { FactsExtracted } from '@memfabric/events';
import type { ExtractedEntity, ExtractedRelation, ExtractedTime, ExtractionInput } from './port.js';

/**
 * The bounds `facts.extracted` v1 puts on its data (see
 * `schemas/events/data/facts.extracted.v1.schema.json`). Lengths are in UTF-16 code units.
 */
export const FACTS_SCHEMA_LIMITS = {
  maxEntities: 512,
  maxTimes: 128,
  maxRelations: 512,
  maxEntityName: 512,
  maxTimeText: 512,
  maxRelationSubject: 512,
  maxRelationPredicate: 256,
  maxRelationObject: 512,
  maxExtractorName: 128,
  maxExtractorVersion: 64,
} as const;

/**
 * Largest serialized `data` (UTF-8 JSON bytes) an extractor emits by default. The log accepts
 * events of at most 64 KiB (`EVENT_LIMITS.maxEventBytes`), envelope included, so the data keeps
 * 16 KiB of headroom for the envelope.
 */
export const DEFAULT_MAX_DATA_BYTES = 48 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Checks an {@link ExtractionInput} and returns its reference instant.
 *
 * @returns the event's world time as a `Date` (UTC instant).
 * @throws ValidationError naming each bad field: `/eventId` not a UUID, `/time` not an RFC 3339
 *   timestamp with a zone, `/text` not a string, `/speaker` or `/knownEntities` of the wrong type.
 */
export function checkExtractionInput(input: ExtractionInput): Date {
  const problems: FieldProblem[] = [];
  const raw = input as unknown as Record<string, unknown>;
  if (typeof raw.eventId !== 'string' || !UUID.test(raw.eventId)) {
    problems.push({ pointer: '/eventId', detail: 'must be the source event id, a UUID' });
  }
  if (typeof raw.text !== 'string') problems.push({ pointer: '/text', detail: 'must be a string' });
  let reference = new Date(Number.NaN);
  if (typeof raw.time === 'string' && RFC3339.test(raw.time)) reference = new Date(raw.time);
  if (Number.isNaN(reference.getTime())) {
    problems.push({ pointer: '/time', detail: 'must be an RFC 3339 timestamp with a zone, e.g. 2023-05-08T13:56:00Z' });
  }
  if (raw.speaker !== undefined && typeof raw.speaker !== 'string') {
    problems.push({ pointer: '/speaker', detail: 'must be a string when present' });
  }
  if (raw.knownEntities !== undefined && (!Array.isArray(raw.knownEntities) || !raw.knownEntities.every((e) => typeof e === 'string'))) {
    problems.push({ pointer: '/knownEntities', detail: 'must be an array of strings when present' });
  }
  if (problems.length > 0) throw new ValidationError('extraction input is invalid', problems);
  return reference;
}

function byteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

function fits(value: string, max: number): boolean {
  return value.length > 0 && value.length <= max;
}

/**
 * Brings extraction output within the bounds of `facts.extracted` v1 and a byte budget,
 * dropping (never truncating) what does not fit. Useful to any {@link Extractor}, for example
 * one whose output comes from a language model.
 *
 * Drops, in this order: strings longer than the schema allows (the whole item goes); items past
 * the schema's `maxItems` (the tail goes, so put the most important items first); then, while the
 * serialized data exceeds `maxDataBytes`, relations from the end, then entities from the end,
 * then times from the end.
 *
 * @param data - the output to bound; not modified.
 * @param maxDataBytes - budget for `JSON.stringify(data)` in UTF-8 bytes; default
 *   {@link DEFAULT_MAX_DATA_BYTES}.
 * @returns a new object that satisfies the schema's length and count limits and the budget.
 */
export function boundFacts(data: FactsExtracted, maxDataBytes: number = DEFAULT_MAX_DATA_BYTES): FactsExtracted {
  const L = FACTS_SCHEMA_LIMITS;
  const entities: ExtractedEntity[] = data.entities.filter((e) => fits(e.name, L.maxEntityName)).slice(0, L.maxEntities);
  const times: ExtractedTime[] = data.times.filter((t) => t.text.length <= L.maxTimeText).slice(0, L.maxTimes);
  const relations: ExtractedRelation[] = data.relations
    .filter(
      (r) =>
        fits(r.subject, L.maxRelationSubject) && fits(r.predicate, L.maxRelationPredicate) && fits(r.object, L.maxRelationObject),
    )
    .slice(0, L.maxRelations);
  const out: FactsExtracted = {
    sourceevent: data.sourceevent,
    extractor: { name: data.extractor.name, version: data.extractor.version },
    entities,
    times,
    relations,
  };
  let excess = byteLength(out) - maxDataBytes;
  // Each array item costs its JSON plus one separator.
  for (const list of [relations, entities, times] as unknown[][]) {
    while (excess > 0 && list.length > 0) {
      excess -= byteLength(list.pop()) + 1;
    }
  }
  return out;
}
