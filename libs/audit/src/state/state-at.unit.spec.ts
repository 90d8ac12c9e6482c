import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@memfabric/events';
import { advance, type EventLog, type ReadAllOptions, type ReadPage } from '@memfabric/event-log';
import { interaction } from '@memfabric/event-log/testing';
import { InMemoryMemoryUnits } from '@memfabric/projections';
import { asserted, corrected, retracted, rollbackApplied, rollbackReverted, stampEvents } from '@memfabric/projections/testing';
import { stateAt } from './state-at.js';

/** Only `readAll` over an array: what `stateAt` reads. */
function arrayLog(events: readonly StoredEvent[]): EventLog {
  const readAll = (options: ReadAllOptions = {}): Promise<ReadPage> => {
    const start = options.from?.[0] ?? 0;
    const page = events.filter((e) => e.offset >= start && (options.tenantid === undefined || e.tenantid === options.tenantid)).slice(0, options.limit ?? 1000);
    return Promise.resolve({ events: page, next: advance(options.from ?? {}, page) });
  };
  return { readAll } as unknown as EventLog;
}

describe('state at a point', () => {
  const base = stampEvents([
    asserted('t', 's', 'Maya is vegetarian'),
    interaction('t', 's2', 'hello'),
    interaction('u', 's', 'another tenant'),
  ]);
  const [a] = base;
  const more = stampEvents([corrected('t', 's', a!.id, 'Maya is vegan'), interaction('t', 's', 'third')], 3);
  const [rb] = stampEvents([rollbackApplied('t', { streamid: 's2' })], 5);
  const tail = stampEvents([retracted('t', 's', more[0]!.id), rollbackReverted('t', rb!.id)], 6);
  const events = [...base, ...more, rb!, ...tail];

  it('at every position, the units equal what the memory-unit view answers asOf that position', async () => {
    const view = new InMemoryMemoryUnits();
    view.applyAll(events);
    for (let p = 0; p < events.length; p += 1) {
      const state = await stateAt(arrayLog(events), 't', { position: p });
      const expected = await view.listUnits('t', { asOf: p, limit: 10_000 });
      expect(state.units.map((u) => [u.id, u.status, u.text]), `position ${p}`).toEqual(expected.map((u) => [u.id, u.status, u.text]));
    }
  });

  it('reports the rollbacks in force, the counts and the stream scope', async () => {
    const atRollback = await stateAt(arrayLog(events), 't', { position: 5 });
    expect(atRollback.rollbacks).toEqual([{ id: rb!.id, offset: 5, unitIds: [base[1]!.id] }]);
    expect(atRollback.counts).toMatchObject({ total: 4, active: 2, superseded: 1, rolled_back: 1 });
    expect(atRollback.units.map((u) => u.text)).toEqual(['Maya is vegan', 'third']);
    const end = await stateAt(arrayLog(events), 't', { position: 100 });
    expect(end.rollbacks).toEqual([]);
    expect(end.position).toBe(7);
    expect(end.units.map((u) => u.text)).toEqual(['hello', 'third']);
    const stream = await stateAt(arrayLog(events), 't', { position: 100, streamid: 's2' });
    expect(stream.units.map((u) => u.text)).toEqual(['hello']);
  });

  it('by transaction time: the last event recorded at or before the instant', async () => {
    // stampEvents records event i at 2024-01-01T00:00:00Z + i s
    const state = await stateAt(arrayLog(events), 't', { at: '2024-01-01T00:00:03.500Z' });
    expect(state.position).toBe(3);
    expect(state.units.map((u) => u.text)).toEqual(['hello', 'Maya is vegan']);
    const before = await stateAt(arrayLog(events), 't', { at: '2023-12-31T00:00:00Z' });
    expect(before).toMatchObject({ position: null, units: [], eventsRead: 0 });
  });

  it('rejects a point with both or neither of position and at', async () => {
    await expect(stateAt(arrayLog(events), 't', {})).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(stateAt(arrayLog(events), 't', { position: 1, at: '2024-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(stateAt(arrayLog(events), 't', { at: 'yesterday' })).rejects.toMatchObject({ problems: [{ pointer: '/at' }] });
    for (const at of ['2023-02-30T00:00:00Z', '2023-04-31T00:00:00Z', '2024-01-01T24:00:00Z', '2016-12-31T23:59:60Z', '2024-01-01t00:00:00z']) {
      await expect(stateAt(arrayLog(events), 't', { at }), at).rejects.toMatchObject({ problems: [{ pointer: '/at' }] });
    }
    await expect(stateAt(arrayLog(events), 't', { position: -1 })).rejects.toMatchObject({ problems: [{ pointer: '/position' }] });
  });

  it('refuses a tenant whose events are in two partitions: offsets of different partitions order nothing', async () => {
    const [first, second] = stampEvents([interaction('t', 's', 'one'), interaction('t', 's3', 'two')]);
    const spread = [first!, { ...second!, partition: 1, offset: 0 }];
    await expect(stateAt(arrayLog(spread), 't', { position: 5 })).rejects.toMatchObject({ code: 'configuration_invalid', message: expect.stringContaining('partitions 0 and 1') as unknown });
  });
});
