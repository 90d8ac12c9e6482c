import { describe, expect, it } from 'vitest';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import { InMemoryMemoryUnits } from '@memfabric/projections';
import { asserted, corrected, memoryUnitStoreContract, retracted, subjectErased } from '@memfabric/projections/testing';
import { tempLog } from '../../test/helpers.js';
import { SqliteProjectionRuntime } from '../sqlite.projection-runtime.js';
import { memoryUnitsProjection } from './memory-units.projection.js';
import { SqliteMemoryUnitStore } from './sqlite.memory-unit-store.js';

memoryUnitStoreContract('SQLite projection', () => {
  const { log, cleanup } = tempLog();
  const runtime = SqliteProjectionRuntime.open({ log, handlers: [memoryUnitsProjection()], batchSize: 3 });
  return Promise.resolve({
    store: new SqliteMemoryUnitStore(log.db),
    async given(events: readonly NewEvent[]) {
      const results = await log.append(events);
      await runtime.runUntilCaughtUp();
      return Promise.all(results.map(async (r) => (await log.getEvent(r.id))!));
    },
    teardown: cleanup,
  });
});

describe('SQLite memory-unit projection', () => {
  it('holds exactly the units of the in-memory reference view folded over the same log', async () => {
    const { log, cleanup } = tempLog();
    try {
      const t = uniqueTenant();
      const first = await log.append([
        interaction(t, 's1', 'I adopted a cat', { subject: 'D1:1' }),
        asserted(t, 's1', 'Maya owns a cat', { data: { memorytype: 'fact', attributes: { pet: 'cat' }, confidence: 0.7 } }),
        interaction(t, 's2', 'my number is 555', { actor: 'leo' }),
      ]);
      await log.append([
        corrected(t, 's1', first[1]!.id, 'Maya owns two cats', { data: { attributes: { pets: 2 } } }),
        retracted(t, 's2', first[2]!.id),
        corrected(t, 's1', '01890000-0000-7000-8000-000000000000', 'dangling'),
        subjectErased(t, 'leo'),
        interaction(t, 's2', 'hi again', { actor: 'leo' }),
      ]);
      const runtime = SqliteProjectionRuntime.open({ log, handlers: [memoryUnitsProjection()], batchSize: 2 });
      const report = await runtime.runUntilCaughtUp();
      expect(report).toMatchObject({ processed: 8, deadLettered: 1 });

      const reference = new InMemoryMemoryUnits();
      const all: readonly StoredEvent[] = (await log.readAll({ limit: 100 })).events;
      reference.applyAll(all);
      const store = new SqliteMemoryUnitStore(log.db);
      expect(await store.listUnits(t, { limit: 100 })).toEqual(reference.all());
      expect(await runtime.deadLetters('memory-units')).toEqual([
        expect.objectContaining({ eventId: all[5]!.id, offset: 5, reason: reference.rejected[0]!.reason }),
      ]);
    } finally {
      await cleanup();
    }
  });

  it('answers with a retriable error before the projection ever ran', async () => {
    const { log, cleanup } = tempLog();
    try {
      await expect(new SqliteMemoryUnitStore(log.db).countUnits('t')).rejects.toMatchObject({ code: 'unavailable', retriable: true });
    } finally {
      await cleanup();
    }
  });
});
