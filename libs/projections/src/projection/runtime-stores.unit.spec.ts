import { describe, expect, it } from 'vitest';
import { deadLetterStoreContract, generationStoreContract } from '../testing/index.js';
import { InMemoryDeadLetterStore } from './dead-letter-store.js';
import { InMemoryGenerationStore } from './generation-store.js';

deadLetterStoreContract('in memory', () => Promise.resolve({ store: new InMemoryDeadLetterStore(), teardown: () => Promise.resolve() }));
generationStoreContract('in memory', () => Promise.resolve({ store: new InMemoryGenerationStore(), teardown: () => Promise.resolve() }));

describe('InMemoryDeadLetterStore', () => {
  it('keeps a letter as recorded: the caller changing its object afterwards changes nothing stored', async () => {
    const store = new InMemoryDeadLetterStore();
    const letter = { projection: 'p', generation: 1, eventId: 'e1', eventType: 'interaction.recorded', partition: 0, offset: 3, reason: 'bad', recordedAt: '2024-01-01T00:00:00.000Z' };
    await store.record([letter]);
    letter.reason = 'changed';
    expect((await store.list('p', 1))[0]?.reason).toBe('bad');
  });
});
