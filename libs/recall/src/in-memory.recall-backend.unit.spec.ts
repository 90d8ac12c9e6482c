import { describe, expect, it } from 'vitest';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { NlpExtractor } from '@memfabric/extraction/nlp';
import { describeRecallBackendContract, IN_MEMORY_PROJECTIONS, InMemoryRecallBackend } from './testing/index.js';

describeRecallBackendContract('in-memory doubles (ExactVectorIndex, InMemoryLexicalIndex, InMemoryGraphStore, InMemoryMemoryUnits)', () => {
  const backend = new InMemoryRecallBackend({ extractor: new NlpExtractor() });
  return Promise.resolve({
    backend,
    extracts: true,
    append: async (events) => {
      const stored = await backend.append(events);
      return stored.filter((e) => e.type !== 'facts.extracted');
    },
    close: () => Promise.resolve(),
  });
});

describe('InMemoryRecallBackend progress', () => {
  it('reports its read models, and a checkpoint past the end of its log as not reached', async () => {
    const backend = new InMemoryRecallBackend();
    await backend.append([interaction(uniqueTenant(), 's', 'one turn')]);
    expect(backend.progress.names).toEqual(Object.values(IN_MEMORY_PROJECTIONS));
    expect(await backend.progress.reached(IN_MEMORY_PROJECTIONS.vectors, { 0: 1 })).toBe(true);
    expect(await backend.progress.reached(IN_MEMORY_PROJECTIONS.vectors, { 0: 2 })).toBe(false);
  });
});
