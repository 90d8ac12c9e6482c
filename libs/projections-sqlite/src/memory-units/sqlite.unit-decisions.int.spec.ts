import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { InMemoryMemoryUnits, MEMORY_UNITS_PROJECTION, UndecidedEventsError } from '@memfabric/projections';
import { asserted, corrected, retracted, rollbackApplied, rollbackReverted, subjectErased } from '@memfabric/projections/testing';
import { SqliteProjectionRuntime } from '../sqlite.projection-runtime.js';
import { memoryUnitsProjection } from './memory-units.projection.js';
import { SqliteUnitDecisions } from './sqlite.unit-decisions.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-decisions-'));
  const log = SqliteEventLog.open({ path: path.join(dir, 'fabric.db'), masterKey: randomBytes(32), synchronous: 'NORMAL' });
  const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize: 4 });
  cleanups.push(async () => {
    await runtime.stop();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { log, runtime, decisions: new SqliteUnitDecisions(log.db) };
}

describe('memory-unit decisions (SQLite)', () => {
  it('records for every memory-unit event the same decision as the in-memory rules: creations, supersession, retraction, rollback, revert, erasure, rejections', async () => {
    const { log, runtime, decisions } = setup();
    const t = uniqueTenant();
    const base = await log.append([
      interaction(t, 'a', 'alpha one', { actor: 'maya' }),
      interaction(t, 'a', 'alpha two', { actor: 'leo', datasubject: 'leo' }),
      asserted(t, 'b', 'beta fact'),
    ]);
    const [rollback] = await log.append([rollbackApplied(t, { streamid: 'a' })]);
    await log.append([
      corrected(t, 'b', base[2]!.id, 'beta fact fixed'),
      retracted(t, 'b', '01890000-0000-7000-8000-000000000000'),
      rollbackReverted(t, rollback!.id),
      subjectErased(t, 'leo'),
    ]);
    await runtime.runUntilCaughtUp();
    const events = (await log.readAll({ limit: 100 })).events;
    const reference = new InMemoryMemoryUnits();
    reference.applyAll(events);

    const recorded = decisions.decisionsSync(events);
    expect(recorded.size).toBe(events.length);
    for (const event of events) expect(recorded.get(event.id), event.type).toEqual(reference.decisions.get(event.id));
    // spot checks of the shape
    const byType = (type: string) => recorded.get(events.find((e) => e.type === type)!.id)!;
    expect(byType('rollback.applied').transitions).toEqual([
      { id: base[0]!.id, status: 'rolled_back' },
      { id: base[1]!.id, status: 'rolled_back' },
    ]);
    expect(byType('memory.corrected').transitions).toEqual([
      { id: expect.any(String), status: 'active', created: true },
      { id: base[2]!.id, status: 'superseded' },
    ]);
    expect(byType('memory.retracted')).toMatchObject({ transitions: [], rejected: expect.stringMatching(/.+/) });
    expect(byType('subject.erased').transitions).toEqual([{ id: base[1]!.id, status: 'erased' }]);
    expect(JSON.stringify([...recorded.values()])).not.toContain('alpha');
  });

  it('refuses to answer for an event the memory units have not applied (retriable), and finds the decisions of a generation being rebuilt', async () => {
    const { log, runtime, decisions } = setup();
    const t = uniqueTenant();
    await log.append([interaction(t, 'a', 'one')]);
    await runtime.runUntilCaughtUp();
    await log.append([interaction(t, 'a', 'two')]);
    const events = (await log.readAll({ limit: 10 })).events;
    const error = await decisions.decisions(events).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UndecidedEventsError);
    expect(error).toMatchObject({ retriable: true, eventIds: [events[1]!.id] });

    await runtime.runUntilCaughtUp();
    await runtime.rebuild(MEMORY_UNITS_PROJECTION);
    expect([...decisions.decisionsSync(events).keys()]).toEqual(events.map((e) => e.id));
  });
});
