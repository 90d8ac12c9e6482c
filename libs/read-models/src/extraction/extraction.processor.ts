import { normalizeEvent, type InteractionRecorded, type NewEvent, type StoredEvent } from '@memfabric/events';
import type { EventLog } from '@memfabric/event-log';
import type { Extractor } from '@memfabric/extraction';
import type { AsyncProjectionHandler } from '@memfabric/projections';
import type { SqliteProjectionHandler } from '@memfabric/projections-sqlite';

/** Name of the extraction stage (consumer groups `projection:extraction:g<N>`). */
export const EXTRACTION_PROCESSOR = 'extraction';

/** The idempotency key of the facts.extracted event for one source event and extractor. */
export function factsKey(sourceEventId: string, extractor: Pick<Extractor, 'name' | 'version'>): string {
  return `facts:${extractor.name}@${extractor.version}:${sourceEventId}`;
}

/**
 * The extraction stage: reads interaction.recorded events, runs the extractor on each turn
 * (entities, time expressions resolved against the event's own time, relations) and appends
 * the result to the log as a facts.extracted event, so replays and rebuilds of the graph never
 * re-run a model. The output event keeps the source's tenant, stream, world time and data
 * subject (it is derived from that person's content, so erasing the subject shreds it too),
 * names the source as its causation, and carries an idempotency key of (extractor, source): a
 * crash between the append and the checkpoint, or a rebuild, appends nothing twice. Known
 * entities passed to the extractor are the speakers seen in the batch's streams.
 */
export function extractionProcessor(log: EventLog, extractor: Extractor): SqliteProjectionHandler {
  return {
    ...extractionBase(extractor),
    createSchema: () => undefined,
    dropSchema: () => undefined,
    async prepare(events) {
      await appendFacts(log, extractor, events);
      return undefined;
    },
    apply: () => undefined,
  };
}

/**
 * The extraction stage for the asynchronous runtime (a projector process on Kafka): the same
 * events as {@link extractionProcessor}, appended in `apply`, so the consumer group's offset is
 * committed only after the log acknowledged them; the idempotency keys make a batch delivered
 * twice append nothing twice.
 */
export function asyncExtractionProcessor(log: EventLog, extractor: Extractor): AsyncProjectionHandler {
  return {
    ...extractionBase(extractor),
    apply: (events) => appendFacts(log, extractor, events),
  };
}

function extractionBase(extractor: Extractor) {
  return {
    name: EXTRACTION_PROCESSOR,
    version: 1,
    kind: 'processor' as const,
    description: `${extractor.name}@${extractor.version}: interaction.recorded -> facts.extracted events`,
    accepts: (e: StoredEvent) => e.type === 'interaction.recorded' && e.data !== null,
  };
}

/** Runs the extractor over `events` and appends the facts.extracted events (500 per append). */
async function appendFacts(log: EventLog, extractor: Extractor, events: readonly StoredEvent[]): Promise<void> {
  const speakers = new Map<string, Set<string>>();
  for (const e of events) {
    const key = `${e.tenantid}/${e.streamid}`;
    const set = speakers.get(key) ?? new Set<string>();
    set.add((e.data as unknown as InteractionRecorded).speaker ?? e.actor);
    speakers.set(key, set);
  }
  const out: NewEvent[] = [];
  for (const e of events) out.push(await factsEvent(e, extractor, [...(speakers.get(`${e.tenantid}/${e.streamid}`) ?? [])]));
  for (let i = 0; i < out.length; i += 500) await log.append(out.slice(i, i + 500));
}

async function factsEvent(event: StoredEvent, extractor: Extractor, knownEntities: string[]): Promise<NewEvent> {
  const data = event.data as unknown as InteractionRecorded;
  const speaker = data.speaker ?? event.actor;
  const facts = await extractor.extract({ eventId: event.id, text: data.content, time: event.time, speaker, knownEntities });
  return normalizeEvent({
    source: `urn:memfabric:extractor:${extractor.name}`,
    type: 'facts.extracted',
    subject: event.id,
    time: event.time,
    tenantid: event.tenantid,
    streamid: event.streamid,
    actor: `memfabric:extractor:${extractor.name}`,
    datasubject: event.datasubject,
    causationid: event.id,
    ...(event.correlationid ? { correlationid: event.correlationid } : {}),
    idempotencykey: factsKey(event.id, extractor),
    data: facts as unknown as Record<string, unknown>,
  });
}
