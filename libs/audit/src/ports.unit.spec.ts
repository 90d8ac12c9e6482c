import { InMemoryCheckpointStore } from './ports.js';
import { checkpointStoreContract } from './testing/index.js';

checkpointStoreContract('in memory', () => Promise.resolve({ store: new InMemoryCheckpointStore(), teardown: () => Promise.resolve() }));
