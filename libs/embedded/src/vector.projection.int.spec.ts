import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@memfabric/embeddings';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { InMemoryMemoryUnits, type MemoryUnitStatus } from '@memfabric/projections';
import { asserted, corrected, retracted, rollbackApplied, rollbackReverted, subjectErased } from '@memfabric/projections/testing';
import { memoryUnitsProjection, SqliteProjectionRuntime } from '@memfabric/projections-sqlite';
import { VECTOR_PROJECTION, vectorProjection } from './vector.projection.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-vec-'));
  const log = SqliteEventLog.open({ path: path.join(dir, 'fabric.db'), masterKey: randomBytes(32), synchronous: 'NORMAL' });
  const vectors = vectorProjection(new HashEmbedder(), { indexDir: (g) => path.join(dir, `vectors-g${g}`) });
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

  it('follows the memory-unit rules: same statuses as the reference view, same dead letters, and a rebuild changes nothing', async () => {
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
    const letters = (await runtime.deadLetters(VECTOR_PROJECTION)).map((d) => d.reason);
    expect(letters).toEqual(reference.rejected.map((r) => r.reason));
    expect(letters).toHaveLength(2);

    await runtime.rebuild(VECTOR_PROJECTION);
    expect(statuses(t, units.map((u) => u.id))).toEqual(expected);
    expect(indexes().lexical.searchSync({ tenant: t, text: 'alpha', k: 10 }).map((h) => h.id)).toEqual([base[0]!.id]);
  });
});
