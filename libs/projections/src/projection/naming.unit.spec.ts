import { describe, expect, it } from 'vitest';
import { assertProjectionName, consumerGroupOf, generationTable, parseConsumerGroup } from './naming.js';

describe('projection naming', () => {
  it('names one consumer group per projection generation and parses it back', () => {
    expect(consumerGroupOf('memory-units', 3)).toBe('projection:memory-units:g3');
    expect(parseConsumerGroup('projection:memory-units:g3')).toEqual({ projection: 'memory-units', generation: 3 });
    expect(parseConsumerGroup('ingest')).toBeUndefined();
    expect(parseConsumerGroup('projection:x:g0')).toBeUndefined();
  });

  it('builds generation table names that are safe SQL identifiers', () => {
    expect(generationTable('memory_units', 12)).toBe('memory_units_g12');
    expect(() => generationTable('units; DROP TABLE events', 1)).toThrow(/table base/);
    expect(() => generationTable('units', 0)).toThrow(/positive integer/);
  });

  it('rejects projection names that would not make a clean group name', () => {
    expect(() => assertProjectionName('Memory Units')).toThrow(/lower-case letters/);
    expect(() => assertProjectionName('')).toThrow();
    expect(() => assertProjectionName('vectors')).not.toThrow();
  });
});
