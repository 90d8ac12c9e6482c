import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { checkEvent, type FactsExtracted } from '@memfabric/events';
import { FACTS_SCHEMA_LIMITS } from '../facts.js';
import { CO_OCCURS_WITH, MENTIONS, type Extractor } from '../port.js';
import { extractionInput, factsEvent, FIXTURE_TIME, SAMPLE_TURNS } from './fixtures.js';

/** What an extractor's test provides to the contract suite. */
export interface ExtractorFixture {
  readonly extractor: Extractor;
  /** Releases everything the fixture created (a model server, a connection). */
  teardown(): Promise<void>;
}

/** Options of the contract suite. */
export interface ExtractorContractOptions {
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
  /** Per-test timeout in ms (default 30,000; model-backed extractors need more). */
  readonly timeoutMs?: number;
  /**
   * Whether the same input must give the same output (default true). A sampling model may set
   * false; the offline extractor must be deterministic.
   */
  readonly deterministic?: boolean;
}

function expectValid(data: FactsExtracted): void {
  expect(() => factsEvent(data)).not.toThrow();
  expect(data.entities.length).toBeLessThanOrEqual(FACTS_SCHEMA_LIMITS.maxEntities);
  expect(data.times.length).toBeLessThanOrEqual(FACTS_SCHEMA_LIMITS.maxTimes);
  expect(data.relations.length).toBeLessThanOrEqual(FACTS_SCHEMA_LIMITS.maxRelations);
}

/** Odd inputs that must never make an extractor reject. */
const ODD_TEXTS: readonly string[] = [
  '',
  '   \n\t  ',
  '😀😀😀 🎉',
  '\u0000\u0001\u0007 control \u001b[31m characters',
  'lone surrogate \ud800 here and \udc00 there',
  '!!!???...,,,;;;',
  'مرحبا بالعالم שלום עולם 你好世界',
  '<script>alert("x")</script> <b>bold</b> &amp; {"json": [1, 2]}',
  'a'.repeat(5000),
  'Melanie '.repeat(3000),
  'https://example.com/path?q=1 user@example.com #hashtag @mention',
];

/**
 * The contract every {@link Extractor} passes (the emmett-tests pattern of one shared suite per
 * port): output validates as a `facts.extracted` event, "yesterday" resolves against the
 * event's world time, known people are found and linked to the speaker with `mentions`,
 * co-occurrence is unordered and unique, offsets lie inside the text, odd text never rejects,
 * bad ids and times reject with `validation_failed`, and (unless disabled) output is
 * deterministic and independent of concurrency.
 *
 * @param name - the implementation's name, shown in the suite title.
 * @param setup - creates the extractor (once per suite).
 */
export function extractorContract(name: string, setup: () => Promise<ExtractorFixture>, options: ExtractorContractOptions = {}): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${name}] extractor contract skipped: ${options.skipReason}`);

  suite(`Extractor contract: ${name}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: ExtractorFixture;
    let extractor: Extractor;
    beforeAll(async () => {
      fixture = await setup();
      extractor = fixture.extractor;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('names itself within the schema bounds', () => {
      expect(extractor.name.length).toBeGreaterThan(0);
      expect(extractor.name.length).toBeLessThanOrEqual(FACTS_SCHEMA_LIMITS.maxExtractorName);
      expect(extractor.version.length).toBeGreaterThan(0);
      expect(extractor.version.length).toBeLessThanOrEqual(FACTS_SCHEMA_LIMITS.maxExtractorVersion);
    });

    it('returns data that validates as a facts.extracted event, with its source and extractor recorded', async () => {
      for (const text of SAMPLE_TURNS) {
        const input = extractionInput(text);
        const data = await extractor.extract(input);
        expectValid(data);
        expect(checkEvent({ ...factsEvent(data) })).toEqual([]);
        expect(data.sourceevent).toBe(input.eventId);
        expect(data.extractor).toEqual({ name: extractor.name, version: extractor.version });
      }
    });

    it('resolves "yesterday" to the whole previous day of the event time (UTC)', async () => {
      const data = await extractor.extract(extractionInput('I went to a LGBTQ support group yesterday and it was so powerful.'));
      const yesterday = data.times.find((t) => /yesterday/i.test(t.text));
      expect(yesterday).toBeDefined();
      expect(Date.parse(yesterday!.start)).toBe(Date.parse('2023-05-07T00:00:00Z'));
      expect(Date.parse(yesterday!.end ?? '')).toBe(Date.parse('2023-05-08T00:00:00Z'));
    });

    it('finds a known person and links the speaker to every entity with mentions', async () => {
      const data = await extractor.extract(extractionInput('I had lunch with Melanie at the pottery studio yesterday.'));
      expect(data.entities).toContainEqual(expect.objectContaining({ name: 'Melanie', type: 'person' }));
      expect(data.relations).toContainEqual(expect.objectContaining({ subject: 'Caroline', predicate: MENTIONS, object: 'Melanie' }));
      const mentioned = new Set(data.relations.filter((r) => r.predicate === MENTIONS).map((r) => r.object));
      for (const e of data.entities) if (e.name !== 'Caroline') expect(mentioned.has(e.name)).toBe(true);
    });

    it('keeps offsets inside the text and relations free of self-loops and duplicates', async () => {
      for (const text of SAMPLE_TURNS) {
        const data = await extractor.extract(extractionInput(text));
        for (const e of data.entities) {
          if (e.start === undefined) continue;
          expect(e.start).toBeGreaterThanOrEqual(0);
          expect(e.end ?? e.start).toBeGreaterThanOrEqual(e.start);
          expect(e.end ?? e.start).toBeLessThanOrEqual(text.length);
        }
        const keys = data.relations.map((r) => `${r.subject}|${r.predicate}|${r.object}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const r of data.relations) expect(r.subject).not.toBe(r.object);
        const pairs = data.relations.filter((r) => r.predicate === CO_OCCURS_WITH).map((r) => [r.subject, r.object].sort().join('|'));
        expect(new Set(pairs).size).toBe(pairs.length);
      }
    });

    it('gives empty output for empty text', async () => {
      const data = await extractor.extract(extractionInput(''));
      expect(data.entities).toEqual([]);
      expect(data.times).toEqual([]);
      expect(data.relations).toEqual([]);
      expectValid(data);
    });

    it('never rejects on odd text, and its output still validates', async () => {
      for (const text of ODD_TEXTS) {
        const data = await extractor.extract(extractionInput(text));
        expectValid(data);
      }
    });

    it('works without a speaker or known entities', async () => {
      const data = await extractor.extract(extractionInput('Melanie moved to Boston last month.', { speaker: undefined, knownEntities: undefined }));
      expectValid(data);
      expect(data.relations.every((r) => r.predicate !== MENTIONS)).toBe(true);
    });

    it('rejects an event id that is not a UUID and a time that is not RFC 3339 with validation_failed', async () => {
      for (const bad of [{ eventId: 'not-a-uuid' }, { time: '8 May 2023' }, { time: '2023-05-08' }]) {
        const error: unknown = await extractor.extract(extractionInput('Hello Melanie', bad)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
      }
    });

    it.runIf(options.deterministic !== false)('is deterministic and independent of concurrency', async () => {
      const inputs = SAMPLE_TURNS.map((text, i) => extractionInput(text, { eventId: `0188f5f0-8c2a-7b3e-9a41-0000000000${(i + 10).toString(16).padStart(2, '0')}` }));
      const sequential: FactsExtracted[] = [];
      for (const input of inputs) sequential.push(await extractor.extract(input));
      const again = await Promise.all(inputs.map((input) => extractor.extract(input)));
      expect(again).toEqual(sequential);
      expect(JSON.stringify(again)).toBe(JSON.stringify(sequential));
    });

    it('stays within the schema bounds and the event size limit on a long, entity-dense text', async () => {
      const names = Array.from({ length: 700 }, (_, i) => `Person${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26) % 26)}son`);
      const text = names.map((n, i) => `${n} met ${names[(i + 1) % names.length]!} at the ${i}th pottery class yesterday.`).join(' ');
      const data = await extractor.extract(extractionInput(text, { time: FIXTURE_TIME, knownEntities: names }));
      expectValid(data);
    });
  });
}
