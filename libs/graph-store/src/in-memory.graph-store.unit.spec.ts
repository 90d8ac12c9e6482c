import { graphStoreContract } from './testing/index.js';
import { InMemoryGraphStore } from './in-memory.graph-store.js';

graphStoreContract('in-memory', () => {
  const store = new InMemoryGraphStore();
  return Promise.resolve({ store, teardown: () => store.close() });
});
