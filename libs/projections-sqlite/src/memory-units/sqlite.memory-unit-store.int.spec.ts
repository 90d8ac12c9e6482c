import { describe, expect, it } from 'vitest';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import { InMemoryMemoryUnits } from '@memfabric/projections';
import { asserted, corrected, memoryUnitStoreContract, retracted, rollbackApplied, rollbackReverted, subjectErased } from '@memfabric/projections/testing';
import { tempLog } from '../../test/helpers.js';
import { SqliteProjectionRuntime } from '../sqlite.projection-runtime.js';
import { memoryUnitsProjection } from './memory-units.projection.js';
import { SqliteMemoryUnitStore } from './sqlite.memory-unit-store.js';

memoryUnitStoreContract('SQLite projection', () => {
  const { log, cleanup } = tempLog();
  const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize: 3 });
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
      const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize: 2 });
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

  it('with rollbacks and reverts, the incremental view, a rebuild and the in-memory reference agree', async () => {
    const { log, cleanup } = tempLog();
    try {
      const t = uniqueTenant();
      const first = await log.append([
        interaction(t, 's1', 'one', { time: '2024-01-01T10:00:00Z' }),
        interaction(t, 's1', 'two', { actor: 'leo', time: '2024-01-02T10:00:00Z' }),
        asserted(t, 's2', 'fact'),
      ]);
      const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize: 2 });
      await runtime.runUntilCaughtUp();
      const [r1] = await log.append([rollbackApplied(t, { from: '2024-01-01T00:00:00Z', to: '2024-01-02T00:00:00Z' })]);
      await runtime.runUntilCaughtUp();
      const [r2] = await log.append([rollbackApplied(t, { batchid: (await log.getEvent(first[0]!.id))!.batchid }, first[1]!.offset)]);
      await log.append([corrected(t, 's2', first[2]!.id, 'fact v2'), rollbackReverted(t, r1!.id), rollbackApplied(t, { streamid: 's2' })]);
      await log.append([rollbackReverted(t, r2!.id), rollbackApplied(t, {}, undefined, { data: { filter: { tenantid: 'another' } } })]);
      await runtime.runUntilCaughtUp();

      const reference = new InMemoryMemoryUnits();
      reference.applyAll((await log.readAll({ limit: 100 })).events);
      const store = new SqliteMemoryUnitStore(log.db);
      const incremental = await store.listUnits(t, { limit: 100 });
      expect(incremental).toEqual(reference.all());
      expect(incremental.map((u) => [u.text, u.status, u.rollbacks.length])).toEqual([
        ['one', 'active', 2],
        ['two', 'active', 1],
        ['fact', 'superseded', 0],
        ['fact v2', 'rolled_back', 1],
      ]);
      expect(reference.rejected.map((r) => r.reason)).toEqual(['data.filter.tenantid ("another") must be the event\'s tenant ' + t]);
      for (let asOf = 0; asOf < 10; asOf += 1) {
        expect(await store.listUnits(t, { asOf, limit: 100 })).toEqual(await reference.listUnits(t, { asOf, limit: 100 }));
        expect(await store.countUnits(t, { asOf })).toEqual(await reference.countUnits(t, { asOf }));
      }
      await runtime.rebuild('memory-units');
      expect(await store.listUnits(t, { limit: 100 })).toEqual(incremental);
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
