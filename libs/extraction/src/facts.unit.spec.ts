import { describe, expect, it } from 'vitest';
import { ValidationError } from '@memfabric/errors';
import type { FactsExtracted } from '@memfabric/events';
import { boundFacts, checkExtractionInput, FACTS_SCHEMA_LIMITS } from './facts.js';

const base: FactsExtracted = {
  sourceevent: '0188f5f0-8c2a-7b3e-9a41-5d2c7e1f0a01',
  extractor: { name: 'test', version: '1' },
  entities: [],
  times: [],
  relations: [],
};

describe('checkExtractionInput', () => {
  it('returns the reference instant of a valid input', () => {
    const ref = checkExtractionInput({ eventId: base.sourceevent, text: 'hi', time: '2023-05-08T15:56:00+02:00' });
    expect(ref.toISOString()).toBe('2023-05-08T13:56:00.000Z');
  });

  it('names every bad field', () => {
    try {
      checkExtractionInput({ eventId: 'x', text: 3 as unknown as string, time: 'yesterday', speaker: 1 as unknown as string, knownEntities: 'a' as unknown as string[] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map((p) => p.pointer)).toEqual(['/eventId', '/text', '/time', '/speaker', '/knownEntities']);
    }
  });
});

describe('boundFacts', () => {
  it('drops items past maxItems and strings longer than the schema allows', () => {
    const data: FactsExtracted = {
      ...base,
      entities: [{ name: 'x'.repeat(513), type: 'thing' }, ...Array.from({ length: 600 }, (_, i) => ({ name: `e${i}`, type: 'thing' as const }))],
      times: Array.from({ length: 200 }, () => ({ text: 'today', start: '2023-05-08T00:00:00Z' })),
      relations: [
        { subject: 'a', predicate: 'p'.repeat(257), object: 'b' },
        { subject: '', predicate: 'p', object: 'b' },
        ...Array.from({ length: 600 }, (_, i) => ({ subject: 'a', predicate: 'p', object: `o${i}` })),
      ],
    };
    const out = boundFacts(data, 1_000_000);
    expect(out.entities).toHaveLength(FACTS_SCHEMA_LIMITS.maxEntities);
    expect(out.entities[0]!.name).toBe('e0');
    expect(out.times).toHaveLength(FACTS_SCHEMA_LIMITS.maxTimes);
    expect(out.relations).toHaveLength(FACTS_SCHEMA_LIMITS.maxRelations);
    expect(out.relations[0]!.object).toBe('o0');
    expect(data.entities).toHaveLength(601); // input untouched
  });

  it('fits a byte budget by dropping relations first, then entities, then times', () => {
    const data: FactsExtracted = {
      ...base,
      entities: Array.from({ length: 100 }, (_, i) => ({ name: `entity number ${i}`, type: 'thing' as const, start: i, end: i + 1 })),
      times: [{ text: 'yesterday', start: '2023-05-07T00:00:00.000Z', end: '2023-05-08T00:00:00.000Z' }],
      relations: Array.from({ length: 100 }, (_, i) => ({ subject: 'Caroline', predicate: 'mentions', object: `entity number ${i}` })),
    };
    const budget = 9000;
    const out = boundFacts(data, budget);
    expect(new TextEncoder().encode(JSON.stringify(out)).length).toBeLessThanOrEqual(budget);
    expect(out.entities).toHaveLength(100);
    expect(out.relations.length).toBeLessThan(100);
    expect(out.relations[0]!.object).toBe('entity number 0');
    const tiny = boundFacts(data, 400);
    expect(tiny.relations).toEqual([]);
    expect(new TextEncoder().encode(JSON.stringify(tiny)).length).toBeLessThanOrEqual(400);
  });
});
