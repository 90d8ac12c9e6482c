import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetterStore } from '../projection/dead-letter-store.js';
import type { GenerationStore } from '../projection/generation-store.js';
import type { DeadLetter } from '../projection/runtime.js';

/** What an adapter's test provides to {@link deadLetterStoreContract} (a fresh, empty store each time). */
export interface DeadLetterStoreFixture {
  readonly store: DeadLetterStore;
  teardown(): Promise<void>;
}

function letter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    projection: 'vectors', generation: 1, eventId: `e-${overrides.offset ?? 0}`, eventType: 'interaction.recorded',
    partition: 0, offset: 0, reason: 'Error: cannot embed', recordedAt: '2024-06-01T12:00:00.000Z', ...overrides,
  };
}

/** The contract of the {@link DeadLetterStore} port, which every adapter passes. */
export function deadLetterStoreContract(adapter: string, setup: () => Promise<DeadLetterStoreFixture>): void {
  describe(`DeadLetterStore contract: ${adapter}`, () => {
    let fixture: DeadLetterStoreFixture | undefined;
    const open = async () => (fixture = await setup()).store;
    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });

    it('records dead letters and lists one generation by offset, then partition, with a cursor and a limit', async () => {
      const store = await open();
      await store.record([letter({ offset: 7, partition: 1 }), letter({ offset: 3 }), letter({ offset: 7, partition: 0, eventId: 'e-7b' })]);
      await store.record([letter({ offset: 5, generation: 2 }), letter({ offset: 1, projection: 'graph' })]);
      expect((await store.list('vectors', 1)).map((l) => [l.offset, l.partition])).toEqual([[3, 0], [7, 0], [7, 1]]);
      expect((await store.list('vectors', 1, { afterOffset: 3 })).map((l) => l.eventId)).toEqual(['e-7b', 'e-7']);
      expect(await store.list('vectors', 1, { limit: 1 })).toEqual([letter({ offset: 3 })]);
      expect(await store.count('vectors', 1)).toBe(3);
      expect(await store.count('vectors', 2)).toBe(1);
      expect(await store.count('vectors', 3)).toBe(0);
    });

    it('is idempotent on projection, generation and event id: a redelivered batch records nothing twice', async () => {
      const store = await open();
      await store.record([letter({ offset: 4 })]);
      await store.record([letter({ offset: 4, reason: 'Error: again', recordedAt: '2024-06-02T00:00:00.000Z' }), letter({ offset: 6 })]);
      expect(await store.list('vectors', 1)).toEqual([letter({ offset: 4 }), letter({ offset: 6 })]);
    });
  });
}

/** What an adapter's test provides to {@link generationStoreContract} (a fresh, empty store each time). */
export interface GenerationStoreFixture {
  readonly store: GenerationStore;
  teardown(): Promise<void>;
}

/** The contract of the {@link GenerationStore} port, which every adapter passes. */
export function generationStoreContract(adapter: string, setup: () => Promise<GenerationStoreFixture>): void {
  describe(`GenerationStore contract: ${adapter}`, () => {
    let fixture: GenerationStoreFixture | undefined;
    const open = async () => (fixture = await setup()).store;
    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });
    const t0 = '2024-06-01T12:00:00.000Z';
    const t1 = '2024-06-01T13:00:00.000Z';

    it('registers generations, switches a building one in atomically and records the drop', async () => {
      const store = await open();
      const first = await store.create({ projection: 'vectors', generation: 1, version: 1, state: 'active', group: 'projection:vectors:g1', createdAt: t0 });
      expect(first).toEqual({ projection: 'vectors', generation: 1, version: 1, state: 'active', group: 'projection:vectors:g1', createdAt: t0, activatedAt: t0, retiredAt: null, droppedAt: null });
      await store.create({ projection: 'vectors', generation: 2, version: 2, state: 'building', group: 'projection:vectors:g2', createdAt: t0 });
      expect(await store.activate('vectors', 2, t1)).toBe(true);
      expect(await store.activate('vectors', 2, t1)).toBe(false);
      await store.markDropped('vectors', 1, t1);
      expect((await store.list('vectors')).map((r) => [r.generation, r.state, r.activatedAt, r.retiredAt, r.droppedAt])).toEqual([
        [1, 'retired', t0, t1, t1],
        [2, 'active', t1, null, null],
      ]);
      expect(await store.list('graph')).toEqual([]);
    });

    it('keeps at most one active and one building generation and never reuses a number', async () => {
      const store = await open();
      await store.create({ projection: 'graph', generation: 1, version: 1, state: 'active', group: 'projection:graph:g1', createdAt: t0 });
      await expect(store.create({ projection: 'graph', generation: 2, version: 1, state: 'active', group: 'projection:graph:g2', createdAt: t0 })).rejects.toMatchObject({ code: 'configuration_invalid' });
      await expect(store.create({ projection: 'graph', generation: 1, version: 1, state: 'building', group: 'projection:graph:g1', createdAt: t0 })).rejects.toMatchObject({ code: 'configuration_invalid' });
      await store.create({ projection: 'graph', generation: 2, version: 2, state: 'building', group: 'projection:graph:g2', createdAt: t0 });
      await expect(store.create({ projection: 'graph', generation: 3, version: 2, state: 'building', group: 'projection:graph:g3', createdAt: t0 })).rejects.toMatchObject({ code: 'configuration_invalid' });
      await store.abandon('graph', 2, t1);
      expect(await store.activate('graph', 2, t1)).toBe(false);
      expect((await store.list('graph')).map((r) => [r.generation, r.state, r.retiredAt])).toEqual([[1, 'active', null], [2, 'abandoned', t1]]);
    });
  });
}
