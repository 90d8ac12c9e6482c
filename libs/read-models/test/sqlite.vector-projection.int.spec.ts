import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@memfabric/embeddings';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { InMemoryMemoryUnits, MEMORY_UNITS_PROJECTION, type MemoryUnitStatus } from '@memfabric/projections';
import { asserted, corrected, retracted, rollbackApplied, rollbackReverted, subjectErased } from '@memfabric/projections/testing';
import { memoryUnitsProjection, SqliteMemoryUnitStore, SqliteProjectionRuntime, SqliteUnitDecisions } from '@memfabric/projections-sqlite';
import { sqliteVectorProjection, VECTOR_PROJECTION } from '../src/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-vec-'));
  const log = SqliteEventLog.open({ path: path.join(dir, 'fabric.db'), masterKey: randomBytes(32), synchronous: 'NORMAL' });
  const vectors = sqliteVectorProjection(new HashEmbedder(), {
    indexDir: (g) => path.join(dir, `vectors-g${g}`),
    decisions: new SqliteUnitDecisions(log.db),
    units: new SqliteMemoryUnitStore(log.db),
  });
  const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection(), vectors.handler], batchSize: 3 });
  cleanups.push(async () => {
    await runtime.stop();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const indexes = () => vectors.indexes(log.db, runtime.activeGeneration(VECTOR_PROJECTION)!);
  /** Status of each id in the dense index and in the lexical index (`undefined` when absent). */
  const statuses = (tenant: string, ids: readonly string[]) => {
    const dense = new Map(indexes().vectors.getSync(tenant, ids).map((p) => [p.id, p.status]));
    return ids.map((id) => dense.get(id));
  };
  return { log, runtime, indexes, statuses };
}

describe('vector projection', { timeout: 60_000 }, () => {
  it('given a second correction of the same memory, the head of the chain (the first correction) is superseded, not the original again', async () => {
    const { log, runtime, statuses } = setup();
    const t = uniqueTenant();
    const [original] = await log.append([asserted(t, 's', 'Maya lives in Lyon')]);
    const [first] = await log.append([corrected(t, 's', original!.id, 'Maya lives in Paris')]);
    const [second] = await log.append([corrected(t, 's', original!.id, 'Maya lives in Rome')]);
    await runtime.runUntilCaughtUp();
    expect(statuses(t, [original!.id, first!.id, second!.id])).toEqual<(MemoryUnitStatus | undefined)[]>(['superseded', 'superseded', 'active']);
  });

  it('follows the memory-unit decisions: same statuses as the reference view, dead letters only in the memory units, and a rebuild changes nothing', async () => {
    const { log, runtime, statuses, indexes } = setup();
    const t = uniqueTenant();
    const base = await log.append([
      interaction(t, 'a', 'alpha one', { actor: 'maya' }),
      interaction(t, 'a', 'alpha two', { actor: 'leo' }),
      asserted(t, 'b', 'beta fact'),
      interaction(t, 'b', 'beta turn', { actor: 'maya' }),
    ]);
    const [r1] = await log.append([rollbackApplied(t, { streamid: 'a' })]);
    const [r2] = await log.append([rollbackApplied(t, { actor: 'maya' })]);
    await log.append([
      corrected(t, 'b', base[2]!.id, 'beta fact fixed'),
      retracted(t, 'b', '01890000-0000-7000-8000-000000000000'),
      rollbackReverted(t, r1!.id),
      rollbackApplied(t, {}, undefined, { data: { filter: { tenantid: 'elsewhere' } } }),
    ]);
    await log.append([rollbackReverted(t, r2!.id), subjectErased(t, 'leo')]);
    await runtime.runUntilCaughtUp();

    const reference = new InMemoryMemoryUnits();
    reference.applyAll((await log.readAll({ limit: 100 })).events);
    const units = reference.all().filter((u) => u.tenantid === t);
    const expected = units.map((u) => (u.status === 'erased' ? undefined : u.status));
    expect(statuses(t, units.map((u) => u.id))).toEqual(expected);
    expect(expected).toEqual(['active', undefined, 'superseded', 'active', 'active']);
    expect(indexes().lexical.searchSync({ tenant: t, text: 'alpha', k: 10 }).map((h) => h.id)).toEqual([base[0]!.id]);
    // the lifecycle is decided once: the memory units dead-letter what the rules reject, the
    // vector read model writes nothing for those events and records no dead letter of its own
    const letters = (await runtime.deadLetters(MEMORY_UNITS_PROJECTION)).map((d) => d.reason);
    expect(letters).toEqual(reference.rejected.map((r) => r.reason));
    expect(letters).toHaveLength(2);
    expect(await runtime.deadLetters(VECTOR_PROJECTION)).toEqual([]);

    await runtime.rebuild(VECTOR_PROJECTION);
    expect(statuses(t, units.map((u) => u.id))).toEqual(expected);
    // the memory units can rebuild too: the decisions of the new generation are the same
    await runtime.rebuild(MEMORY_UNITS_PROJECTION);
    await runtime.rebuild(VECTOR_PROJECTION);
    expect(statuses(t, units.map((u) => u.id))).toEqual(expected);
    expect(indexes().lexical.searchSync({ tenant: t, text: 'alpha', k: 10 }).map((h) => h.id)).toEqual([base[0]!.id]);
  });
});

describe('vector projection and the memory units', { timeout: 60_000 }, () => {
  it('never runs ahead of the memory units (its upstream): run alone it stops at their checkpoint and commits nothing; once they ran, it catches up', async () => {
    const { log, runtime, statuses } = setup();
    const t = uniqueTenant();
    const [turn] = await log.append([interaction(t, 's', 'a turn to index', { actor: 'maya' })]);
    await runtime.runUntilCaughtUp(); // first run: both generations exist
    await log.append([interaction(t, 's', 'a second turn', { actor: 'maya' })]);
    expect(await runtime.runUntilCaughtUp(undefined, { projections: [VECTOR_PROJECTION] })).toMatchObject({ processed: 0 });
    expect((await runtime.status()).find((s) => s.name === VECTOR_PROJECTION)).toMatchObject({ lag: 1, deadLetters: 0 });
    expect(statuses(t, [turn!.id])).toEqual(['active']);
    await runtime.runUntilCaughtUp();
    const [, second] = (await log.readAll({ limit: 10 })).events;
    expect(statuses(t, [turn!.id, second!.id])).toEqual(['active', 'active']);
  });
});
