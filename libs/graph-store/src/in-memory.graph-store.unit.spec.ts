import { describe, expect, it } from 'vitest';
import { graphStoreContract } from './testing/index.js';
import { InMemoryGraphStore } from './in-memory.graph-store.js';

graphStoreContract('in-memory', () => {
  const store = new InMemoryGraphStore();
  return Promise.resolve({ store, teardown: () => store.close() });
});

// The contract's assertions live in `graphStoreContract`; this checks the empty state it starts from.
describe('in-memory graph store, empty', () => {
  it('counts nothing for a tenant it has never seen', async () => {
    const store = new InMemoryGraphStore();
    expect(await store.counts('nobody')).toEqual({ entities: 0, facts: 0, invalidatedFacts: 0, mentions: 0, events: 0 });
    await store.close();
  });
});
