import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@memfabric/errors';
import { checkEvent } from '@memfabric/events';
import { CO_OCCURS_WITH, MENTIONS, type ExtractedRelation } from '../port.js';
import { extractionInput, factsEvent } from '../testing/fixtures.js';
import { NLP_EXTRACTOR_NAME, NLP_EXTRACTOR_VERSION, NlpExtractor, truncateText } from './nlp.extractor.js';

const extractor = new NlpExtractor();

const EVENT_ID = '0188f5f0-8c2a-7b3e-9a41-5d2c7e1f0a01';

function run(text: string, speaker = 'Caroline', time = '2023-05-08T13:56:00Z') {
  return extractor.extractSync(extractionInput(text, { eventId: EVENT_ID, speaker, time }));
}

function statements(relations: readonly ExtractedRelation[]): ExtractedRelation[] {
  return relations.filter((r) => r.predicate !== MENTIONS && r.predicate !== CO_OCCURS_WITH);
}

describe('NlpExtractor entities', () => {
  it('finds people, places, organizations and things with UTF-16 offsets into the text', () => {
    const text = "Melanie's pottery class met in Boston with John Smith, who works at Google.";
    const { entities } = run(text);
    const byName = new Map(entities.map((e) => [e.name, e]));
    expect(byName.get('Melanie')).toMatchObject({ type: 'person', start: 0, end: 7 });
    expect(byName.get('pottery class')).toMatchObject({ type: 'thing', start: 10, end: 23 });
    expect(byName.get('Boston')?.type).toBe('place');
    expect(byName.get('John Smith')?.type).toBe('person');
    expect(byName.get('Google')?.type).toBe('organization');
    for (const e of entities) {
      expect(text.slice(e.start, e.end).replace(/\s+/g, ' ').toLowerCase()).toBe(e.name.toLowerCase());
    }
  });

  it('finds salient things and leaves out pronouns, determiners and generic words', () => {
    const names = run("I went to a LGBTQ support group yesterday and it was so powerful. I'm training for the Lisbon half marathon!").entities.map((e) => e.name);
    expect(names).toContain('LGBTQ support group');
    expect(names).toContain('Lisbon half marathon');
    expect(names).not.toContain('I');
    expect(names).not.toContain('it');
    expect(run('That is a great thing, and we had lots of time.').entities.filter((e) => e.type === 'thing')).toEqual([]);
  });

  it('recognises known names in any case and without a possessive', () => {
    const text = "hey melanie, Melanie's kids are lovely";
    const people = run(text).entities.filter((e) => e.type === 'person');
    expect(people.map((e) => [e.name, text.slice(e.start, e.end)])).toEqual([
      ['Melanie', 'melanie'],
      ['Melanie', 'Melanie'],
    ]);
  });

  it('types dates and numbers from wink-nlp and chrono-node', () => {
    const { entities } = run('We ran 2 hours on the 13th of October and paid $20 for 3 tickets.');
    const typed = entities.filter((e) => e.type === 'date' || e.type === 'quantity').map((e) => [e.name, e.type]);
    expect(typed).toEqual([
      ['2 hours', 'quantity'],
      ['13th of October', 'date'],
      ['$20', 'quantity'],
      ['3', 'quantity'],
    ]);
  });

  it('offsets count UTF-16 code units (emoji are two)', () => {
    const text = '😀😀 Caroline went to Paris';
    const paris = run(text, 'Melanie').entities.find((e) => e.name === 'Paris');
    expect(paris).toMatchObject({ start: 22, end: 27 });
    expect(text.slice(paris!.start, paris!.end)).toBe('Paris');
  });
});

describe('NlpExtractor times', () => {
  it('resolves "yesterday" in an event of 8 May 2023 13:56Z to the whole of 7 May (UTC)', () => {
    const { times } = run('I went to a LGBTQ support group yesterday and it was so powerful.');
    expect(times).toEqual([{ text: 'yesterday', start: '2023-05-07T00:00:00.000Z', end: '2023-05-08T00:00:00.000Z' }]);
  });
});

describe('NlpExtractor relations', () => {
  it('reads subject-verb-object with the first person resolved to the speaker and validfrom from the sentence', () => {
    const data = run('I started training for the Lisbon half marathon last week.', 'Leo');
    expect(statements(data.relations)).toEqual([
      { subject: 'Leo', predicate: 'started training for', object: 'Lisbon half marathon', validfrom: '2023-05-01T00:00:00.000Z' },
    ]);
  });

  it('resolves the second person to the one other known entity', () => {
    const data = extractor.extractSync(extractionInput('You work at Google. I love you.', { speaker: 'Melanie' }));
    expect(statements(data.relations)).toEqual([
      { subject: 'Caroline', predicate: 'works at', object: 'Google', singlevalued: true },
      { subject: 'Melanie', predicate: 'loves', object: 'Caroline' },
    ]);
  });

  it('does not resolve the second person when the addressee is ambiguous', () => {
    const data = extractor.extractSync(extractionInput('You work at Google.', { speaker: 'Melanie', knownEntities: ['Caroline', 'Melanie', 'Jon'] }));
    expect(statements(data.relations)).toEqual([]);
  });

  it('marks the documented predicates single-valued, canonicalised, only for affirmative statements', () => {
    const rel = (text: string) => statements(run(text).relations);
    expect(rel('I moved to Berlin last month.')).toEqual([
      { subject: 'Caroline', predicate: 'lives in', object: 'Berlin', validfrom: '2023-04-01T00:00:00.000Z', singlevalued: true },
    ]);
    expect(rel('I live in Paris.')).toEqual([{ subject: 'Caroline', predicate: 'lives in', object: 'Paris', singlevalued: true }]);
    expect(rel("I'm married to John.")).toEqual([{ subject: 'Caroline', predicate: 'is married to', object: 'John', singlevalued: true }]);
    expect(rel("I don't live in Paris anymore.")).toEqual([{ subject: 'Caroline', predicate: 'does not live in', object: 'Paris' }]);
    expect(rel('I will move to Rome.').every((r) => r.singlevalued !== true)).toBe(true);
    expect(rel('I lived in Rome.').every((r) => r.singlevalued !== true)).toBe(true);
  });

  it('skips statements whose subject is an unresolved pronoun, and questions', () => {
    expect(statements(run('She moved to Boston with John.').relations)).toEqual([]);
    expect(statements(run('Did you move to Boston?', 'Melanie').relations)).toEqual([]);
  });

  it('links the speaker to every entity with mentions, never to itself', () => {
    const data = run('Caroline here: I met Melanie in Boston yesterday.');
    const mentioned = data.relations.filter((r) => r.predicate === MENTIONS);
    expect(mentioned.map((r) => r.object)).toEqual(['Melanie', 'Boston', 'yesterday']);
    expect(mentioned.every((r) => r.subject === 'Caroline')).toBe(true);
  });

  it('emits co-occurrence once per unordered pair, independent of mention order, without dates or numbers', () => {
    const pairs = (text: string) => run(text).relations.filter((r) => r.predicate === CO_OCCURS_WITH);
    const a = pairs('Boston and Paris, then Boston again with 3 friends yesterday.');
    const b = pairs('Paris and Boston, then Paris again with 3 friends yesterday.');
    expect(a).toEqual(b);
    expect(a).toContainEqual({ subject: 'Boston', predicate: CO_OCCURS_WITH, object: 'Paris' });
    const keys = a.map((r) => [r.subject, r.object].sort().join('|'));
    expect(new Set(keys).size).toBe(keys.length);
    expect(a.every((r) => r.subject < r.object)).toBe(true);
    expect(a.some((r) => r.object === 'yesterday' || r.subject === '3' || r.object === '3')).toBe(false);
  });
});

describe('NlpExtractor output', () => {
  it('validates as a full facts.extracted event', () => {
    const data = run("Hey Caroline! I'm swamped with the kids & work. We moved to Boston two years ago and my husband works at Google.", 'Melanie');
    const event = factsEvent(data, '2023-05-08T13:56:00Z');
    expect(checkEvent(event)).toEqual([]);
    expect(event.data).toMatchObject({ extractor: { name: NLP_EXTRACTOR_NAME, version: NLP_EXTRACTOR_VERSION } });
  });

  it('is deterministic and orders entities by offset', () => {
    const text = 'Melanie and Caroline went to Paris, then to the Louvre with John last Saturday.';
    const first = run(text);
    expect(run(text)).toEqual(first);
    const starts = first.entities.map((e) => e.start ?? 0);
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
  });

  it('caps processing at maxTextLength and ignores the rest', () => {
    const small = new NlpExtractor({ maxTextLength: 40 });
    const text = 'Melanie went to Paris yesterday. Later Caroline visited Rome with John.';
    const data = small.extractSync(extractionInput(text, { speaker: 'Jon' }));
    expect(data.entities.map((e) => e.name)).toEqual(['Melanie', 'Paris', 'yesterday']);
  });

  it('rejects options out of range with a message naming the option', () => {
    expect(() => new NlpExtractor({ maxTextLength: 0 })).toThrow(ConfigurationError);
    expect(() => new NlpExtractor({ maxDataBytes: 100 })).toThrow(/maxDataBytes must be an integer between 4096 and 65536/);
    expect(() => new NlpExtractor({ maxKnownEntities: 1.5 })).toThrow(/maxKnownEntities/);
  });

  it('canonicalises the speaker name', () => {
    const data = run('I visited Paris.', '  caroline  ');
    expect(data.relations[0]).toMatchObject({ subject: 'Caroline', object: 'Paris' });
  });
});

describe('truncateText', () => {
  it('cuts at whitespace near the limit and never splits a surrogate pair', () => {
    expect(truncateText('short', 10)).toBe('short');
    expect(truncateText('hello wonderful world', 12)).toBe('hello');
    const emoji = 'ab😀';
    expect(truncateText(emoji, 3)).toBe('ab');
  });
});
