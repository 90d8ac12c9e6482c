import { derivedEventId, normalizeEvent, type InteractionRecorded, type NewEvent, type StoredEvent } from '@memfabric/events';
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
 * The id of the facts.extracted event for one source event and extractor: the UUIDv5 of its
 * idempotency key ({@link factsKey}: extractor name and version, source event id), so a
 * replay, a rebuild or a second extractor instance appends the same event with the same id.
 */
export function factsEventId(sourceEventId: string, extractor: Pick<Extractor, 'name' | 'version'>): string {
  return derivedEventId(factsKey(sourceEventId, extractor));
}

/**
 * The extraction stage: reads interaction.recorded events, runs the extractor on each turn
 * (entities, time expressions resolved against the event's own time, relations) and appends
 * the result to the log as a facts.extracted event, so replays and rebuilds of the graph never
 * re-run a model. The output event keeps the source's tenant, stream, world time and data
 * subject (it is derived from that person's content, so erasing the subject shreds it too),
 * names the source as its causation, and carries an idempotency key of (extractor, source): a
 * crash between the append and the checkpoint, or a rebuild, appends nothing twice; its id is
 * derived from that key ({@link factsEventId}).
 *
 * The output is a pure function of the log: the known entities passed to the extractor for an
 * event are the speakers of its stream's interactions up to and including the event's stream
 * position, in order of first appearance ({@link StreamSpeakers}), never the speakers of
 * whatever batch the event arrived in. Any batch size, any number of runs or processes give
 * the same facts for the same log.
 */
export function extractionProcessor(log: EventLog, extractor: Extractor): SqliteProjectionHandler {
  const speakers = new StreamSpeakers(log);
  return {
    ...extractionBase(extractor),
    createSchema: () => undefined,
    dropSchema: () => undefined,
    async prepare(events) {
      await appendFacts(log, extractor, speakers, events);
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
  const speakers = new StreamSpeakers(log);
  return {
    ...extractionBase(extractor),
    apply: (events) => appendFacts(log, extractor, speakers, events),
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

/**
 * Runs the extractor over `events` and appends the facts.extracted events (500 per append), in
 * the order of `events`. The known entities are read in order (they are a prefix function of
 * each stream); the extractions are started together, so an extractor with worker threads
 * (`WorkerPoolExtractor`) runs a batch on several cores, off the calling thread.
 */
async function appendFacts(log: EventLog, extractor: Extractor, speakers: StreamSpeakers, events: readonly StoredEvent[]): Promise<void> {
  const known: string[][] = [];
  for (const e of events) known.push(await speakers.through(e));
  const out = await Promise.all(events.map((e, i) => factsEvent(e, extractor, known[i]!)));
  for (let i = 0; i < out.length; i += 500) await log.append(out.slice(i, i + 500));
}

/** Streams whose speakers are kept in memory (least recently used dropped first). */
const MAX_CACHED_STREAMS = 10_000;
/** Events per `readStream` call. */
const STREAM_PAGE = 1_000;

interface StreamState {
  /** Every event of the stream up to this stream position has been read. */
  through: number;
  /** Speaker -> stream position of their first interaction. */
  readonly firstSeen: Map<string, number>;
}

/** The speaker of an interaction (`data.speaker`, else the actor; the actor when the data was erased). */
function speakerOf(event: StoredEvent): string {
  return (event.data as unknown as InteractionRecorded | null)?.speaker ?? event.actor;
}

/**
 * The speakers of a stream's interactions up to a stream position: a pure function of the
 * stream's log prefix, read from the log (`readStream`) and cached per stream, so the result
 * does not depend on which events a batch holds, how many batches or processes came before,
 * or whether the cache is warm.
 */
export class StreamSpeakers {
  private readonly streams = new Map<string, StreamState>();

  constructor(private readonly log: Pick<EventLog, 'readStream'>) {}

  /**
   * Speakers of `event`'s stream's `interaction.recorded` events at stream positions 1 ..
   * `event.streamposition`, in order of first appearance (the event's own speaker included).
   */
  async through(event: StoredEvent): Promise<string[]> {
    const key = `${event.tenantid}\u0000${event.streamid}`;
    let state = this.streams.get(key);
    if (state) this.streams.delete(key);
    state ??= { through: 0, firstSeen: new Map() };
    this.streams.set(key, state); // most recently used last
    if (this.streams.size > MAX_CACHED_STREAMS) this.streams.delete(this.streams.keys().next().value!);
    while (state.through < event.streamposition) {
      const page = await this.log.readStream(event.tenantid, event.streamid, { fromStreamPosition: state.through + 1, limit: STREAM_PAGE });
      for (const e of page) {
        if (e.streamposition <= state.through) continue;
        if (e.type === 'interaction.recorded') {
          const speaker = speakerOf(e);
          if (!state.firstSeen.has(speaker)) state.firstSeen.set(speaker, e.streamposition);
        }
        state.through = e.streamposition;
      }
      if (page.length < STREAM_PAGE && state.through < event.streamposition) {
        // the log did not return the event itself (should not happen): count it alone
        const speaker = speakerOf(event);
        const seen = state.firstSeen.get(speaker);
        if (seen === undefined || seen > event.streamposition) state.firstSeen.set(speaker, event.streamposition);
        break;
      }
    }
    return [...state.firstSeen]
      .filter(([, position]) => position <= event.streamposition)
      .sort((a, b) => a[1] - b[1])
      .map(([speaker]) => speaker);
  }
}

async function factsEvent(event: StoredEvent, extractor: Extractor, knownEntities: string[]): Promise<NewEvent> {
  const data = event.data as unknown as InteractionRecorded;
  const speaker = data.speaker ?? event.actor;
  const facts = await extractor.extract({ eventId: event.id, text: data.content, time: event.time, speaker, knownEntities });
  return normalizeEvent({
    id: factsEventId(event.id, extractor),
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
