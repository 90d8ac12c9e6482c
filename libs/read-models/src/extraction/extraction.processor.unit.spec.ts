import { describe, expect, it } from 'vitest';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import type { EventLog } from '@memfabric/event-log';
import { LazyNlpExtractor, type ExtractionInput, type Extractor } from '@memfabric/extraction';
import { asyncExtractionProcessor, factsEventId, factsKey, StreamSpeakers } from './extraction.processor.js';

const turn = (streamid: string, streamposition: number, speaker: string, offset: number): StoredEvent =>
  ({
    id: `00000000-0000-7000-8000-${String(offset).padStart(12, '0')}`,
    type: 'interaction.recorded',
    source: 'urn:test',
    specversion: '1.0',
    tenantid: 't',
    streamid,
    streamposition,
    offset,
    partition: 0,
    actor: speaker,
    datasubject: speaker,
    time: '2023-05-08T13:56:00.000Z',
    recordedat: '2026-12-04T00:00:00.000Z',
    data: { kind: 'message', role: 'user', content: `${speaker} says hi`, speaker },
  }) as unknown as StoredEvent;

/** A log holding `events` (readStream only) that records what is appended. */
function fakeLog(events: StoredEvent[]): EventLog & { appended: NewEvent[] } {
  const appended: NewEvent[] = [];
  return {
    appended,
    readStream: (tenantid: string, streamid: string, options: { fromStreamPosition?: number; limit?: number } = {}) =>
      Promise.resolve(
        events
          .filter((e) => e.tenantid === tenantid && e.streamid === streamid && e.streamposition >= (options.fromStreamPosition ?? 1))
          .slice(0, options.limit ?? 1000),
      ),
    append: (batch: readonly NewEvent[]) => {
      appended.push(...batch);
      return Promise.resolve([]);
    },
  } as unknown as EventLog & { appended: NewEvent[] };
}

const stream = [turn('s1', 1, 'Ana', 1), turn('s1', 2, 'Ben', 2), turn('s2', 1, 'Cy', 3), turn('s1', 3, 'Ana', 4), turn('s1', 4, 'Dee', 5)];

describe('StreamSpeakers', () => {
  it('gives the speakers of the stream up to the position, in order of first appearance, warm or cold', async () => {
    const speakers = new StreamSpeakers(fakeLog(stream));
    expect(await speakers.through(stream[4]!)).toEqual(['Ana', 'Ben', 'Dee']);
    // the cache has read past these positions: the answer is still the prefix's
    expect(await speakers.through(stream[0]!)).toEqual(['Ana']);
    expect(await speakers.through(stream[1]!)).toEqual(['Ana', 'Ben']);
    expect(await speakers.through(stream[3]!)).toEqual(['Ana', 'Ben']);
    expect(await speakers.through(stream[2]!)).toEqual(['Cy']);
    expect(await new StreamSpeakers(fakeLog(stream)).through(stream[3]!)).toEqual(['Ana', 'Ben']);
  });
});

describe('extraction processor', () => {
  const nlp = new LazyNlpExtractor();
  const seen: ExtractionInput[] = [];
  const extractor: Extractor = {
    name: nlp.name,
    version: nlp.version,
    extract(input: ExtractionInput) {
      seen.push(input);
      return nlp.extract(input);
    },
  };

  it('appends the same facts events (ids, known entities) whatever the batching', async () => {
    const run = async (batches: StoredEvent[][]) => {
      seen.length = 0;
      const log = fakeLog(stream);
      const handler = asyncExtractionProcessor(log, extractor);
      for (const batch of batches) await handler.apply(batch, {} as never);
      return { known: seen.map((i) => [i.eventId, i.knownEntities]), ids: log.appended.map((e) => [e.id, e.idempotencykey]) };
    };
    const whole = await run([stream]);
    expect(await run(stream.map((e) => [e]))).toEqual(whole);
    expect(await run([stream.slice(0, 2), stream.slice(2)])).toEqual(whole);
    expect(whole.known[1]).toEqual([stream[1]!.id, ['Ana', 'Ben']]);
    expect(whole.ids[0]).toEqual([factsEventId(stream[0]!.id, extractor), factsKey(stream[0]!.id, extractor)]);
    expect(whole.ids[0]![0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5/);
  });

  it('starts the extractions of a batch together and appends their facts in the batch order', async () => {
    let inFlight = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const slow: Extractor = {
      name: nlp.name,
      version: nlp.version,
      async extract(input: ExtractionInput) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => releases.push(resolve));
        inFlight -= 1;
        return nlp.extract(input);
      },
    };
    const log = fakeLog(stream);
    const applied = asyncExtractionProcessor(log, slow).apply(stream, {} as never);
    for (let turn = 0; turn < 100 && releases.length < stream.length; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(most).toBe(stream.length);
    for (const release of releases.reverse()) release(); // finish in reverse order
    await applied;
    expect(log.appended.map((e) => e.causationid)).toEqual(stream.map((e) => e.id));
  });
});
