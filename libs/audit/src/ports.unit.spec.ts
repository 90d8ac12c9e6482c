import { describe, expect, it } from 'vitest';
import { InMemoryCheckpointStore } from './ports.js';
import { checkpointStoreContract } from './testing/index.js';

checkpointStoreContract('in memory', () => Promise.resolve({ store: new InMemoryCheckpointStore(), teardown: () => Promise.resolve() }));

describe('InMemoryCheckpointStore', () => {
  it('starts empty: the contract suite above begins from no checkpoints', async () => {
    const store = new InMemoryCheckpointStore();
    expect(await store.list()).toEqual([]);
    expect(await store.latest('any-tenant')).toBeUndefined();
  });
});
