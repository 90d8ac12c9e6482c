import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '@memfabric/errors';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { interaction, uniqueTenant, waitFor } from '@memfabric/event-log/testing';
import type { NewEvent } from '@memfabric/events';
import { InMemoryMemoryUnits, type RunProgress } from '@memfabric/projections';
import { asserted, corrected, retracted, subjectErased } from '@memfabric/projections/testing';
import { MEMORY_UNITS_VERSION, memoryUnitsProjection, memoryUnitsTable, SqliteMemoryUnitStore, SqliteProjectionRuntime, type SqliteProjectionHandler } from '../src/index.js';
import { counted, countingProjection, tableExists, tempLog } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function fixture() {
  const made = tempLog();
  cleanups.push(made.cleanup);
  return made;
}

function conversation(tenant: string, n: number, from = 0): NewEvent[] {
  return Array.from({ length: n }, (_, i) => interaction(tenant, `s${(from + i) % 3}`, `turn ${from + i}`, { actor: `speaker-${(from + i) % 2}` }));
}

/** A log with interactions, assertions, corrections, retractions, a dangling correction and an erasure. */
async function mixedHistory(log: SqliteEventLog, tenant: string): Promise<void> {
  const a = await log.append([...conversation(tenant, 7), asserted(tenant, 's0', 'Maya is vegetarian', { data: { memorytype: 'preference' } })]);
  const b = await log.append([corrected(tenant, 's0', a[7]!.id, 'Maya is vegan'), retracted(tenant, 's1', a[1]!.id), ...conversation(tenant, 5, 7)]);
  await log.append([
    corrected(tenant, 's0', a[7]!.id, 'Maya is vegan since 2020', { data: { validfrom: '2020-01-01T00:00:00Z' } }),
    corrected(tenant, 's0', '01890000-0000-7000-8000-000000000000', 'dangling'),
    subjectErased(tenant, 'speaker-1'),
    retracted(tenant, 's0', b[0]!.id),
    ...conversation(tenant, 4, 12),
  ]);
}

function rowsOf(db: Database.Database, table: string): unknown[] {
  return db.prepare(`SELECT * FROM ${table} ORDER BY created_offset`).all();
}

describe('projection runtime: exactly once', () => {
  it('commits the writes and the checkpoint together: a failure between them leaves no duplicate', async () => {
    const { log } = fixture();
    const counting = countingProjection();
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [counting, memoryUnitsProjection()], batchSize: 10 });
    await log.append(conversation(uniqueTenant(), 30));

    // The handlers write, then the checkpoint write of the second batch fails inside the
    // transaction (the first batch inserts the group's row, the second updates it).
    log.db.exec(`CREATE TEMP TRIGGER fail_second_commit BEFORE UPDATE ON projection_checkpoints WHEN NEW.grp = 'projection:counting:g1'
      BEGIN SELECT RAISE(ABORT, 'simulated crash between write and checkpoint'); END`);
    await expect(runtime.runUntilCaughtUp()).rejects.toThrow(/simulated crash/);
    expect(counted(log.db, counting.table(1))).toEqual({ rows: 10, distinct: 10 });
    expect((await runtime.status())[0]).toMatchObject({
      checkpoint: { 0: 10 }, lag: 20, deadLetters: 0, lastError: { message: expect.stringMatching(/simulated crash/) as unknown },
    });

    log.db.exec('DROP TRIGGER temp.fail_second_commit');
    const report = await runtime.runUntilCaughtUp();
    expect(report.processed).toBe(20 + 30);
    expect(counted(log.db, counting.table(1))).toEqual({ rows: 30, distinct: 30 });
    expect(await new SqliteMemoryUnitStore(log.db).countUnits((await log.readAll({ limit: 1 })).events[0]!.tenantid)).toMatchObject({ total: 30 });
    const status = await runtime.status();
    expect(status.map((s) => [s.name, s.lag, s.deadLetters, s.lastError])).toEqual([['counting', 0, 0, undefined], ['memory-units', 0, 0, undefined]]);
  });

  it('a second runtime on the same file (another process) never applies a batch twice', async () => {
    const { log, file, masterKey } = fixture();
    await log.append(conversation(uniqueTenant(), 200));
    const other = SqliteEventLog.open({ path: file, masterKey });
    cleanups.push(() => other.close());
    // An async prepare stage makes the two runtimes interleave between read and commit.
    const [ha, hb] = [countingProjection({ prepareFails: () => false }), countingProjection({ prepareFails: () => false })];
    const prepared = [vi.spyOn(ha, 'prepare'), vi.spyOn(hb, 'prepare')];
    const a = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [ha], batchSize: 7 });
    const b = SqliteProjectionRuntime.open({ log: other, db: other.db, handlers: [hb], batchSize: 7 });
    const [ra, rb] = await Promise.all([a.runUntilCaughtUp(), b.runUntilCaughtUp()]);
    // both read and prepared the same batches; only one commit per batch went through
    expect(prepared[0]!.mock.calls.length + prepared[1]!.mock.calls.length).toBeGreaterThan(Math.ceil(200 / 7) + 5);
    expect(ra.processed + rb.processed).toBe(200);
    expect(counted(log.db, 'applied_counting_g1')).toEqual({ rows: 200, distinct: 200 });
  });
});

describe('projection runtime: failures', () => {
  it('dead-letters a poison event in its own savepoint and keeps every other event of the batch', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const counting = countingProjection({ poison: (e) => e.data?.content === 'poison' });
    const runtime = SqliteProjectionRuntime.open({
      log,
      db: log.db,
      handlers: [counting, memoryUnitsProjection()],
      clock: () => new Date('2024-06-01T12:00:00.000Z'),
    });
    const stored = await log.append([...conversation(t, 3), interaction(t, 's0', 'poison'), ...conversation(t, 3, 3)]);
    await log.append([corrected(t, 's0', stored[0]!.id, 'fixed'), retracted(t, 's0', '01890000-0000-7000-8000-000000000000')]);

    const report = await runtime.runUntilCaughtUp();
    expect(report).toMatchObject({ processed: 18, deadLettered: 2 });
    // The poison event's own row was rolled back with its savepoint; the six others stay.
    expect(counted(log.db, counting.table(1))).toEqual({ rows: 8, distinct: 8 });
    expect(log.db.prepare(`SELECT COUNT(*) AS n FROM ${counting.table(1)} WHERE id = ?`).get(stored[3]!.id)).toEqual({ n: 0 });
    expect(await runtime.deadLetters('counting')).toEqual([
      {
        projection: 'counting', generation: 1, eventId: stored[3]!.id, eventType: 'interaction.recorded', partition: 0, offset: 3,
        reason: 'Error: poison event at offset 3', recordedAt: '2024-06-01T12:00:00.000Z',
      },
    ]);
    // A rule rejection of the memory-unit projection (retraction of an unknown memory).
    expect(await runtime.deadLetters('memory-units')).toEqual([
      expect.objectContaining({ eventType: 'memory.retracted', offset: 8, reason: expect.stringMatching(/is not a memory unit/) as unknown }),
    ]);
    const store = new SqliteMemoryUnitStore(log.db);
    expect(await store.countUnits(t)).toEqual({ total: 8, active: 7, superseded: 1, retracted: 0, rolled_back: 0, erased: 0 });
    expect((await runtime.status()).map((s) => [s.name, s.lag, s.deadLetters])).toEqual([['counting', 0, 1], ['memory-units', 0, 1]]);

    // the projections continue past the poison event
    await log.append(conversation(t, 2, 10));
    await runtime.runUntilCaughtUp();
    expect(counted(log.db, counting.table(1))).toEqual({ rows: 10, distinct: 10 });
  });

  it('dead-letters an event whose prepare stage fails and passes prepared values to apply', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const counting = countingProjection({ prepareFails: (e) => e.data?.content === 'turn 2' });
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [counting] });
    const stored = await log.append(conversation(t, 5));
    expect(await runtime.runUntilCaughtUp()).toMatchObject({ processed: 5, deadLettered: 1 });
    expect((await runtime.deadLetters('counting')).map((d) => [d.offset, d.reason])).toEqual([[2, `Error: cannot prepare ${stored[2]!.id}`]]);
    expect(log.db.prepare(`SELECT "offset", prepared FROM ${counting.table(1)} ORDER BY "offset"`).all()).toEqual(
      [0, 1, 3, 4].map((offset) => ({ offset, prepared: `prepared:${offset}` })),
    );
  });

  it('rolls back and retries a batch that fails with a retriable error, without dead-lettering it', async () => {
    const { log } = fixture();
    let down = true;
    const errors: unknown[] = [];
    const counting = countingProjection({ failure: () => (down ? new UnavailableError('embedding service unreachable') : undefined) });
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [counting], onError: (e) => errors.push(e) });
    await log.append(conversation(uniqueTenant(), 4));
    await expect(runtime.runUntilCaughtUp()).rejects.toMatchObject({ code: 'unavailable', retriable: true });
    expect((await runtime.status())[0]).toMatchObject({ lag: 4, deadLetters: 0, lastError: { code: 'unavailable', message: 'embedding service unreachable' } });
    expect(errors).toHaveLength(1);
    down = false;
    expect(await runtime.runUntilCaughtUp()).toMatchObject({ processed: 4, deadLettered: 0 });
    expect((await runtime.status())[0]!.lastError).toBeUndefined();
  });

  it('stops with a configuration error (no dead letters) when apply is asynchronous', async () => {
    const { log } = fixture();
    const base = countingProjection();
    const broken: SqliteProjectionHandler = {
      name: 'broken', version: 1, kind: 'read-model', createSchema: () => undefined, dropSchema: () => undefined,
      // the mistake under test: apply must be synchronous
      // eslint-disable-next-line @typescript-eslint/no-misused-promises, @typescript-eslint/require-await
      apply: async () => void base.name,
    };
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [broken] });
    await log.append(conversation(uniqueTenant(), 2));
    await expect(runtime.runUntilCaughtUp()).rejects.toMatchObject({ code: 'configuration_invalid', message: expect.stringMatching(/must be synchronous/) as unknown });
    expect(await runtime.deadLetters('broken')).toEqual([]);
  });

  it('validates its options and says what to fix', async () => {
    const { log } = fixture();
    const make = () =>
      SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection({ name: 'Bad Name' }), countingProjection({ version: 0 }), countingProjection()], batchSize: 0 });
    expect(make).toThrow(/projection name "Bad Name" is invalid/);
    expect(make).toThrow(/version must be a positive integer, got 0/);
    expect(make).toThrow(/"counting" is registered twice/);
    expect(make).toThrow(/batchSize must be an integer from 1 to 10000, got 0/);
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection()] });
    await expect(runtime.requestRebuild('nope')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('projection runtime: status and lag', () => {
  it('reports active generation, checkpoint, lag against the log end and dead letters', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize: 4 });
    expect(await runtime.status()).toEqual([
      expect.objectContaining({ name: 'memory-units', kind: 'read-model', version: MEMORY_UNITS_VERSION, activeGeneration: 1, checkpoint: {}, lag: 0, deadLetters: 0, frozen: false, end: { 0: 0 } }),
    ]);
    const appended = await log.append(conversation(t, 10));
    expect((await runtime.status())[0]).toMatchObject({ checkpoint: {}, lag: 10, end: { 0: 10 } });
    expect(await runtime.reached('memory-units', { 0: appended[9]!.offset + 1 })).toBe(false);

    const progress: RunProgress[] = [];
    await runtime.runUntilCaughtUp((p) => progress.push(p));
    expect(progress.map((p) => [p.processed, p.total])).toEqual([[4, 10], [8, 10], [10, 10]]);
    expect((await runtime.status())[0]).toMatchObject({ checkpoint: { 0: 10 }, lag: 0 });
    expect(await runtime.reached('memory-units', { 0: 10 })).toBe(true);

    await log.append([...conversation(t, 2, 10), corrected(t, 's0', '01890000-0000-7000-8000-000000000000', 'x')]);
    expect((await runtime.status())[0]).toMatchObject({ checkpoint: { 0: 10 }, lag: 3, deadLetters: 0 });
    await runtime.runUntilCaughtUp();
    expect((await runtime.status())[0]).toMatchObject({ checkpoint: { 0: 13 }, lag: 0, deadLetters: 1 });
    expect((await runtime.status())[0]!.building).toBeUndefined();
  });
});

describe('projection runtime: checkpoints of its own', () => {
  it('keeps its consumer-group checkpoints in projection_checkpoints, not in the log', async () => {
    const { log } = fixture();
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection()], batchSize: 4 });
    await log.append(conversation(uniqueTenant(), 6));
    await runtime.runUntilCaughtUp();
    expect(log.db.prepare('SELECT grp, partition, next_offset FROM projection_checkpoints').all()).toEqual([
      { grp: 'projection:counting:g1', partition: 0, next_offset: 6 },
    ]);
    expect(await log.committed('projection:counting:g1')).toEqual({});
  });

  it('adopts the checkpoints an earlier version committed into the log once: an existing data directory applies nothing again', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const first = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection(), memoryUnitsProjection()], batchSize: 4 });
    await log.append(conversation(t, 9));
    await first.runUntilCaughtUp();
    // The layout of a data directory written before projection_checkpoints existed: the same
    // registry and tables, the checkpoints in the log's consumer groups.
    for (const row of log.db.prepare<[], { grp: string; partition: number; next_offset: number }>('SELECT * FROM projection_checkpoints').all()) {
      log.commitSync(row.grp, { [row.partition]: row.next_offset });
    }
    log.db.exec('DELETE FROM projection_checkpoints');
    await log.append(conversation(t, 2, 9));

    const counting = countingProjection();
    const reopened = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [counting, memoryUnitsProjection()], batchSize: 4 });
    expect((await reopened.status()).map((s) => [s.name, s.checkpoint, s.lag])).toEqual([['counting', { 0: 9 }, 2], ['memory-units', { 0: 9 }, 2]]);
    const report = await reopened.runUntilCaughtUp();
    expect(report.processed).toBe(2 + 2);
    expect(counted(log.db, counting.table(1))).toEqual({ rows: 11, distinct: 11 });
    expect(await new SqliteMemoryUnitStore(log.db).countUnits(t)).toMatchObject({ total: 11 });

    // once the table holds checkpoints, the log's (now stale) ones are never read again
    log.commitSync('projection:counting:g1', { 0: 0 });
    const again = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection()] });
    expect((await again.status())[0]).toMatchObject({ checkpoint: { 0: 11 }, lag: 0 });
  });

  it('reports the declared kind of each handler and refuses a handler without one', () => {
    const { log } = fixture();
    const processor = { ...countingProjection({ name: 'extracting' }), kind: 'processor' as const };
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection(), processor] });
    expect(runtime.names.map((n) => [n, runtime.kindOf(n)])).toEqual([['counting', 'read-model'], ['extracting', 'processor']]);
    expect(() => runtime.kindOf('nope')).toThrow(/no projection "nope"/);
    const unkinded = { ...countingProjection(), kind: undefined } as unknown as SqliteProjectionHandler;
    expect(() => SqliteProjectionRuntime.open({ log, db: log.db, handlers: [unkinded] })).toThrow(/kind must be 'read-model' or 'processor'/);
    expect(() => SqliteProjectionRuntime.open({ log, db: undefined as unknown as Database.Database, handlers: [countingProjection()] })).toThrow(/db must be an open better-sqlite3 Database/);
  });
});

describe('projection runtime: generations and rebuild', () => {
  it('a rebuild from offset 0 yields exactly the rows of the incrementally built view', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize: 3 });
    // Built incrementally: appends and runs interleaved, odd batch boundaries.
    await mixedHistory(log, t);
    await runtime.runUntilCaughtUp();
    await log.append(conversation(t, 4, 40));
    await runtime.runUntilCaughtUp();
    const incremental = rowsOf(log.db, memoryUnitsTable(1));
    expect(incremental.length).toBeGreaterThan(20);

    const rebuilt = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize: 64 });
    const report = await rebuilt.rebuild('memory-units');
    expect(report.switched).toEqual([{ projection: 'memory-units', from: 1, to: 2 }]);
    expect(rowsOf(log.db, memoryUnitsTable(2))).toEqual(incremental);
    expect(tableExists(log.db, memoryUnitsTable(1))).toBe(false);

    // and both equal the pure in-memory fold of the same log
    const reference = new InMemoryMemoryUnits();
    reference.applyAll((await log.readAll({ limit: 1000 })).events);
    expect(await new SqliteMemoryUnitStore(log.db).listUnits(t, { limit: 1000 })).toEqual(reference.all());
    expect((await rebuilt.deadLetters('memory-units')).map((d) => d.offset)).toEqual(reference.rejected.map((r) => r.offset));
  });

  it('serves reads from the old generation during a rebuild and switches atomically when it caught up', async () => {
    const { log, file } = fixture();
    const t = uniqueTenant();
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize: 5 });
    await mixedHistory(log, t);
    await runtime.runUntilCaughtUp();
    const store = new SqliteMemoryUnitStore(log.db);
    // a reader on its own connection, as another process would have
    const reader = new Database(file, { readonly: true });
    cleanups.push(() => {
      reader.close();
      return Promise.resolve();
    });
    const otherStore = new SqliteMemoryUnitStore(reader);
    const before = await store.listUnits(t, { limit: 1000 });

    const building = await runtime.requestRebuild('memory-units');
    expect(building).toMatchObject({ generation: 2, state: 'building', version: MEMORY_UNITS_VERSION, group: 'projection:memory-units:g2' });
    expect(await runtime.requestRebuild('memory-units')).toEqual(building);
    expect((await runtime.status())[0]).toMatchObject({ activeGeneration: 1, lag: 0, building: { generation: 2, checkpoint: {}, lag: 23 } });

    const seen: { active: number | undefined; g1: number; g2: number; reads: number }[] = [];
    let appendedDuringRebuild = false;
    const report = await runtime.runUntilCaughtUp((p) => {
      if (p.generation !== 2) return;
      const count = (table: string) => (log.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      seen.push({
        active: runtime.activeGeneration('memory-units'),
        g1: count(memoryUnitsTable(1)),
        g2: count(memoryUnitsTable(2)),
        reads: (reader.prepare(`SELECT COUNT(*) AS n FROM ${memoryUnitsTable(1)} WHERE tenantid = ?`).get(t) as { n: number }).n,
      });
      if (!appendedDuringRebuild) {
        // writes keep arriving during the rebuild: the active generation takes them, and the
        // new generation must have them too before it may switch
        appendedDuringRebuild = true;
        void log.append(conversation(t, 3, 100));
      }
    });
    expect(report.switched).toEqual([{ projection: 'memory-units', from: 1, to: 2 }]);
    // during the rebuild: reads came from the complete generation 1 while generation 2 filled up
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((s) => s.active === 1 && s.reads >= before.length)).toBe(true);
    expect(seen[0]!.g2).toBeLessThan(seen[0]!.g1);

    // afterwards: generation 2 serves, generation 1's tables are gone, the registry tells the story
    expect(runtime.activeGeneration('memory-units')).toBe(2);
    expect(await otherStore.listUnits(t, { limit: 1000 })).toEqual(await store.listUnits(t, { limit: 1000 }));
    const after = await store.listUnits(t, { limit: 1000 });
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((u) => u.text)).toEqual(['turn 100', 'turn 101', 'turn 102']);
    expect(tableExists(log.db, memoryUnitsTable(1))).toBe(false);
    const generations = await runtime.generations('memory-units');
    expect(generations.map((g) => [g.generation, g.state, g.droppedAt !== null])).toEqual([[1, 'retired', true], [2, 'active', false]]);
    expect(log.db.prepare("SELECT COUNT(*) AS n FROM projection_generations WHERE state = 'active'").get()).toEqual({ n: 1 });
    expect((await runtime.status())[0]).toMatchObject({ activeGeneration: 2, lag: 0 });
  });

  it('a handler version bump rebuilds: the old generation is served frozen until the switch; older code then stands aside', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const v1 = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection({ version: 1 })] });
    await log.append(conversation(t, 6));
    await v1.runUntilCaughtUp();

    const v2 = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection({ version: 2 })] });
    await log.append(conversation(t, 2, 6));
    expect((await v2.status())[0]).toMatchObject({ version: 2, activeGeneration: 1, frozen: true, lag: 2, building: { generation: 2, version: 2, lag: 8 } });
    expect(await v2.runUntilCaughtUp()).toMatchObject({ processed: 8, switched: [{ projection: 'counting', from: 1, to: 2 }] });
    expect((await v2.generations('counting')).map((g) => [g.generation, g.version, g.state])).toEqual([[1, 1, 'retired'], [2, 2, 'active']]);
    expect(counted(log.db, 'applied_counting_g2')).toEqual({ rows: 8, distinct: 8 });

    // a process still running version 1 must not fight back with a rebuild of its own
    await expect(v1.runUntilCaughtUp()).rejects.toMatchObject({ code: 'configuration_invalid', message: expect.stringMatching(/older than version 2/) as unknown });
    const stale = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection({ version: 1 })] });
    expect((await stale.status())[0]).toMatchObject({ activeGeneration: 2, frozen: true, lastError: { code: 'configuration_invalid' } });
    expect((await v2.generations('counting')).map((g) => g.generation)).toEqual([1, 2]);
  });

  it('drops the tables of a switched-out generation left behind by a crash on the next open', async () => {
    const { log } = fixture();
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection({ dropFailsOnce: true })] });
    await log.append(conversation(uniqueTenant(), 3));
    await runtime.runUntilCaughtUp();
    await expect(runtime.rebuild('counting')).rejects.toThrow(/before the old generation was dropped/);
    expect(runtime.activeGeneration('counting')).toBe(2);
    expect(tableExists(log.db, 'applied_counting_g1')).toBe(true);

    SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection()] });
    expect(tableExists(log.db, 'applied_counting_g1')).toBe(false);
    expect((await runtime.generations('counting'))[0]).toMatchObject({ state: 'retired', droppedAt: expect.any(String) as unknown });
  });
});

/** `handler` whose prepare stage waits until `release()` is called (a batch being embedded elsewhere). */
function gated(handler: SqliteProjectionHandler<Map<string, string>>): { handler: SqliteProjectionHandler<Map<string, string>>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { handler: { ...handler, prepare: () => gate.then(() => new Map<string, string>()) }, release };
}

describe('projection runtime: continuous mode', () => {
  it('follows new appends, picks up a requested rebuild and stops cleanly', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection(), countingProjection()], pollIntervalMs: 10 });
    const store = new SqliteMemoryUnitStore(log.db);
    runtime.start();
    runtime.start();
    try {
      await log.append(conversation(t, 5));
      await waitFor(async () => (await store.countUnits(t)).total === 5, '5 units');
      await log.append(conversation(t, 5, 5));
      runtime.notify();
      await waitFor(async () => (await store.countUnits(t)).total === 10, '10 units');

      await runtime.requestRebuild('memory-units');
      await waitFor(() => runtime.activeGeneration('memory-units') === 2, 'generation 2 to be switched in');
      expect(await store.countUnits(t)).toMatchObject({ total: 10, active: 10 });
      await waitFor(async () => (await runtime.status()).every((s) => s.lag === 0), 'lag 0');
    } finally {
      await runtime.stop();
    }
    await log.append(conversation(t, 1, 10));
    expect((await runtime.status()).map((s) => s.lag)).toEqual([1, 1]);
  });

  it('runs each projection as its own lane: a batch waiting in prepare does not hold up the others', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const slow = countingProjection({ name: 'slow' });
    // registered first: run in turn, every other projection would wait for its batch
    const { handler: waiting, release } = gated(slow);
    const fast = countingProjection({ name: 'fast' });
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [waiting, fast, memoryUnitsProjection()], batchSize: 5, pollIntervalMs: 5 });
    const store = new SqliteMemoryUnitStore(log.db);
    await log.append(conversation(t, 12));
    runtime.start();
    try {
      // one batch each per round: the fast lanes commit theirs while the slow one is prepared
      await waitFor(async () => (await store.countUnits(t)).total === 5, 'the first batch of units while the slow batch is prepared');
      await waitFor(() => counted(log.db, fast.table(1)).rows === 5, 'the fast projection\'s first batch');
      expect(counted(log.db, slow.table(1)).rows).toBe(0);
      release();
      await waitFor(async () => (await runtime.status()).every((s) => s.lag === 0), 'every lane caught up');
      expect(counted(log.db, slow.table(1))).toEqual({ rows: 12, distinct: 12 });
      expect(counted(log.db, fast.table(1))).toEqual({ rows: 12, distinct: 12 });
    } finally {
      release();
      await runtime.stop();
    }
  });

  it('lets timers and I/O run between batches while it catches up (a server keeps answering)', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const fast = countingProjection({ name: 'fast' });
    await log.append(conversation(t, 400));
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [fast], batchSize: 1, pollIntervalMs: 5 });
    const seenByTimer = new Promise<number>((resolve) => setTimeout(() => resolve(counted(log.db, fast.table(1)).rows), 1));
    runtime.start();
    try {
      // a loop that chained its batches on the microtask queue would run all 400 before the timer
      expect(await seenByTimer).toBeLessThan(400);
      await waitFor(() => counted(log.db, fast.table(1)).rows === 400, 'caught up');
    } finally {
      await runtime.stop();
    }
  });

  it('never hands a projection an event its upstream has not applied, however far behind the upstream is', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const upstream = countingProjection({ name: 'upstream' });
    const { handler: slowUpstream, release } = gated(upstream);
    const seen = (offset: number) => log.db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM ${upstream.table(1)} WHERE "offset" = ?`).get(offset)!.n > 0;
    const dependent = countingProjection({ name: 'dependent' });
    const checking: SqliteProjectionHandler<Map<string, string>> = {
      ...dependent,
      upstream: ['upstream'],
      apply(events, context) {
        for (const e of events) if (!seen(e.offset)) throw new Error(`event at ${e.offset} handed over before its upstream applied it`);
        dependent.apply(events, context);
      },
    };
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [slowUpstream, checking], batchSize: 4, pollIntervalMs: 5 });
    runtime.start();
    try {
      await log.append(conversation(t, 10));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(counted(log.db, dependent.table(1)).rows).toBe(0);
      release();
      await waitFor(async () => (await runtime.status()).every((s) => s.lag === 0), 'both caught up');
      expect(counted(log.db, dependent.table(1))).toEqual({ rows: 10, distinct: 10 });
      expect((await runtime.status()).map((s) => s.deadLetters)).toEqual([0, 0]);
    } finally {
      release();
      await runtime.stop();
    }
    // in one catch-up call as well: the dependent stops at its upstream's checkpoint
    const report = await SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection({ name: 'upstream' }), checking] }).runUntilCaughtUp(undefined, { projections: ['dependent'] });
    expect(report.processed).toBe(0);
  });

  it('refuses an upstream that is not registered before the projection', () => {
    const { log } = fixture();
    const dependent = { ...countingProjection({ name: 'dependent' }), upstream: ['memory-units'] };
    expect(() => SqliteProjectionRuntime.open({ log, db: log.db, handlers: [dependent, memoryUnitsProjection()] })).toThrow(
      /projection "dependent": upstream "memory-units" must be registered before it/,
    );
  });

  it('backs off a failing projection without holding up the others', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    let down = true;
    const failing = countingProjection({ name: 'flaky', failure: () => (down ? new UnavailableError('backend down') : undefined) });
    const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [failing, memoryUnitsProjection()], pollIntervalMs: 5, retryInitialMs: 5, retryMaxMs: 20 });
    const store = new SqliteMemoryUnitStore(log.db);
    runtime.start();
    try {
      await log.append(conversation(t, 3));
      await waitFor(async () => (await store.countUnits(t)).total === 3, 'memory units despite the failing projection');
      await waitFor(async () => (await runtime.status())[0]!.lastError?.code === 'unavailable', 'the failure in the status');
      down = false;
      await waitFor(async () => (await runtime.status())[0]!.lag === 0, 'the flaky projection to recover');
      expect((await runtime.status())[0]!.lastError).toBeUndefined();
    } finally {
      await runtime.stop();
    }
  });
});
