import { normalizeEvent, type FactsExtracted, type NewEvent } from '@memfabric/events';
import type { ExtractionInput } from '../port.js';

/** World time of the fixtures' event: Monday 8 May 2023, 13:56 UTC (a LoCoMo session date). */
export const FIXTURE_TIME = '2023-05-08T13:56:00.000Z';

/** Event id the fixtures extract from. */
export const FIXTURE_EVENT_ID = '0188f5f0-8c2a-7b3e-9a41-5d2c7e1f0a01';

let counter = 0;

/**
 * An {@link ExtractionInput} for `text` said by Caroline to Melanie at {@link FIXTURE_TIME},
 * with overridable fields. Each call gets a fresh UUIDv7-shaped `eventId` unless one is given.
 */
export function extractionInput(text: string, overrides: Partial<ExtractionInput> = {}): ExtractionInput {
  counter += 1;
  return {
    eventId: `0188f5f0-8c2a-7b3e-9a41-${counter.toString(16).padStart(12, '0')}`,
    text,
    time: FIXTURE_TIME,
    speaker: 'Caroline',
    knownEntities: ['Caroline', 'Melanie'],
    ...overrides,
  };
}

/**
 * Wraps extraction output in a full `facts.extracted` envelope and validates it with
 * `normalizeEvent` (envelope and data schema, 64 KiB event limit).
 *
 * @throws ValidationError naming every field that does not match the schema.
 */
export function factsEvent(data: FactsExtracted, time: string = FIXTURE_TIME): NewEvent {
  return normalizeEvent({
    source: 'urn:memfabric:extraction:test',
    type: 'facts.extracted',
    time,
    tenantid: 'extraction-test',
    streamid: 'conversation-1',
    actor: `extractor:${data.extractor.name}`,
    causationid: data.sourceevent,
    data,
  });
}

/** Turns in the style of LoCoMo conversations (Caroline and Melanie), for smoke tests. */
export const SAMPLE_TURNS: readonly string[] = [
  'I went to a LGBTQ support group yesterday and it was so powerful.',
  "Hey Caroline! Good to see you! I'm swamped with the kids & work. What's up with you? Anything new?",
  'Melanie, I started a pottery class last week and I finished my first bowl on Saturday!',
  "I'm keen on counseling or working in mental health - I'd love to support those with similar issues.",
  'We moved to Boston two years ago; my husband works at Google and the kids love the Boston Public Library.',
  'Yeah, I painted that lake sunrise last year! It means a lot to me. 😀',
];
