import { deadLetterStoreContract, generationStoreContract } from '../testing/index.js';
import { InMemoryDeadLetterStore } from './dead-letter-store.js';
import { InMemoryGenerationStore } from './generation-store.js';

deadLetterStoreContract('in memory', () => Promise.resolve({ store: new InMemoryDeadLetterStore(), teardown: () => Promise.resolve() }));
generationStoreContract('in memory', () => Promise.resolve({ store: new InMemoryGenerationStore(), teardown: () => Promise.resolve() }));
