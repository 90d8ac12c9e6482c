import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@memfabric/embeddings';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import type { NewEvent } from '@memfabric/events';
import { EmbeddedFabric } from '@memfabric/embedded';
import { GRAPH_PROJECTION, GraphVisibility, openGraphStore } from '@memfabric/read-models';
import { applyRollback, eraseSubject, planRollback, revertRollback } from './audit-actions.js';
import type { AuditedFabric } from './audited-fabric.js';
import { embeddedAuditedFabric } from './embedded-audited-fabric.js';

const embedder = new HashEmbedder();

function turn(tenant: string, stream: string, actor: string, content: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return interaction(tenant, stream, content, { actor, data: { kind: 'message', role: 'user', content, speaker: actor[0]!.toUpperCase() + actor.slice(1) }, ...overrides });
}

describe('audit actions on the embedded fabric', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-audit-'));
  let fabric: EmbeddedFabric;
  let audited: AuditedFabric;

  beforeAll(async () => {
    fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: randomBytes(32), embedder, batchSize: 50 });
    audited = embeddedAuditedFabric(fabric);
  });
  afterAll(async () => {
    await fabric?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const dense = async (tenant: string, text: string) => {
    const [vector] = await embedder.embed([text]);
    return fabric.vectorIndexes()!.vectors.searchSync({ tenant, vector: vector!, k: 20 }).map((h) => h.id);
  };
  const lexical = (tenant: string, text: string) => fabric.vectorIndexes()!.lexical.searchSync({ tenant, text, k: 20 }).map((h) => h.id);
  /** `table.column` of every vector, lexical and graph table row whose text matches the LIKE pattern. */
  const derivedRowsHolding = (needle: string): string[] => {
    const db = fabric.log.db;
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'vec%' OR name LIKE 'lex%' OR name LIKE 'graph%')")
      .all()
      .map((r) => r.name);
    expect(tables.length).toBeGreaterThan(10);
    return tables.flatMap((table) =>
      db
        .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
        .all()
        .filter((c) => db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM "${table}" WHERE CAST("${c.name}" AS TEXT) LIKE ?`).get(needle)!.n > 0)
        .map((c) => `${table}.${c.name}`),
    );
  };
  const graphVisibility = () => new GraphVisibility(fabric.memoryUnits);

  it('rollback: the dry run lists exactly the covered units; apply hides them from every read model; revert brings them back; asOf before still sees them', async () => {
    const t = uniqueTenant();
    const s1 = await fabric.log.append([
      turn(t, 's1', 'caroline', 'Caroline painted a zebrafinch mural in Lisbon'),
      turn(t, 's1', 'melanie', 'Melanie adopted a greyhound called Oscar'),
    ]);
    const s2 = await fabric.log.append([turn(t, 's2', 'caroline', 'Caroline went kayaking near Porto')]);
    await fabric.catchUp();
    const ids = s1.map((r) => r.id);

    const plan = await planRollback(audited, { tenantid: t, streamid: 's1' });
    expect(plan.units.map((u) => u.id)).toEqual(ids);
    expect((await planRollback(audited, { tenantid: t, actor: 'caroline' })).units.map((u) => u.id)).toEqual([ids[0], s2[0]!.id]);
    expect((await planRollback(audited, { tenantid: t, batchid: (await fabric.log.getEvent(s2[0]!.id))!.batchid })).units.map((u) => u.id)).toEqual([s2[0]!.id]);
    expect(lexical(t, 'zebrafinch')).toEqual([ids[0]]);
    expect(await dense(t, 'Melanie adopted a greyhound called Oscar')).toContain(ids[1]);

    const applied = await applyRollback(audited, { tenantid: t, streamid: 's1' }, { reason: 'bad import', actor: 'ops' });
    expect(applied.event).toMatchObject({ type: 'rollback.applied', tenantid: t, actor: 'ops', data: { filter: { tenantid: t, streamid: 's1' }, reason: 'bad import' } });
    expect(applied.units.map((u) => u.id)).toEqual(ids);
    expect((await fabric.memoryUnits.getUnits(t, ids)).map((u) => u.status)).toEqual(['rolled_back', 'rolled_back']);
    expect((await fabric.memoryUnits.listUnits(t, { status: 'active' })).map((u) => u.id)).toEqual([s2[0]!.id]);
    expect(lexical(t, 'zebrafinch')).toEqual([]);
    expect(await dense(t, 'Melanie adopted a greyhound called Oscar')).not.toContain(ids[1]);
    expect(await dense(t, 'Caroline went kayaking near Porto')).toEqual([s2[0]!.id]);
    expect(fabric.vectorIndexes()!.vectors.getSync(t, ids).map((p) => p.status)).toEqual(['rolled_back', 'rolled_back']);
    expect(await graphVisibility().hidden(t, [...ids, s2[0]!.id])).toEqual(new Set(ids));
    // point in time: before the rollback the units were there
    expect((await fabric.memoryUnits.listUnits(t, { asOf: applied.event.offset - 1 })).map((u) => u.id)).toEqual([...ids, s2[0]!.id]);
    expect(await graphVisibility().hidden(t, ids, { asOf: applied.event.offset - 1 })).toEqual(new Set());
    expect((await planRollback(audited, { tenantid: t, streamid: 's1' })).units).toEqual([]);

    const reverted = await revertRollback(audited, applied.event.id, { reason: 'import was fine' });
    expect(reverted).toMatchObject({ alreadyReverted: false, event: { type: 'rollback.reverted', data: { rollbackid: applied.event.id } } });
    expect((await fabric.memoryUnits.getUnits(t, ids)).map((u) => u.status)).toEqual(['active', 'active']);
    expect(lexical(t, 'zebrafinch')).toEqual([ids[0]]);
    expect(await dense(t, 'Melanie adopted a greyhound called Oscar')).toContain(ids[1]);
    expect(await graphVisibility().hidden(t, ids)).toEqual(new Set());
    expect((await fabric.memoryUnits.listUnits(t, { asOf: reverted.event.offset - 1 })).map((u) => u.id)).toEqual([s2[0]!.id]);

    const again = await revertRollback(audited, applied.event.id, { reason: 'twice' });
    expect(again).toMatchObject({ alreadyReverted: true, event: { id: reverted.event.id } });
  });

  it('rollback input errors are typed: unknown id, a non-rollback id, a bad filter', async () => {
    const t = uniqueTenant();
    const [e] = await fabric.log.append([turn(t, 's', 'leo', 'hello')]);
    await expect(revertRollback(audited, '01890000-0000-7000-8000-000000000000')).rejects.toMatchObject({ code: 'not_found' });
    await expect(revertRollback(audited, e!.id)).rejects.toMatchObject({ code: 'validation_failed' });
    const bad = await planRollback(audited, { tenantid: t, from: '2024-02-01T00:00:00Z', to: 'yesterday' }).catch((error: unknown) => error);
    expect(bad).toMatchObject({ code: 'validation_failed', problems: [{ pointer: '/filter/to' }] });
    await expect(planRollback(audited, { tenantid: '' })).rejects.toMatchObject({ code: 'validation_failed' });
    for (const impossible of ['2023-02-30T00:00:00Z', '2023-04-31T00:00:00Z', '2023-01-01T24:00:00Z', '2023-01-01t00:00:00z']) {
      await expect(planRollback(audited, { tenantid: t, from: impossible }), impossible).rejects.toMatchObject({ code: 'validation_failed', problems: [{ pointer: '/filter/from' }] });
    }
  });

  it('erasure of a subject with no event in the tenant: NotFoundError, nothing appended', async () => {
    const t = uniqueTenant();
    await fabric.log.append([turn(t, 'chat', 'leo', 'Leo likes trains')]);
    const end = await fabric.log.end();
    await expect(eraseSubject(audited, t, 'nobody')).rejects.toMatchObject({ code: 'not_found', status: 404, context: { tenant: t, subject: 'nobody' } });
    await expect(eraseSubject(audited, uniqueTenant(), 'leo')).rejects.toMatchObject({ code: 'not_found' });
    expect(await fabric.log.end()).toEqual(end);
  });

  it('erasure: no derived row keeps the subject’s content or name, memory units keep no text, the log verifies, and rebuilds bring nothing back', async () => {
    const t = uniqueTenant();
    const mine = await fabric.log.append([
      turn(t, 'chat', 'maya', 'Maya lives at Quillfeather Lane in Brightwater'),
      turn(t, 'chat', 'maya', 'Maya works with Oscar at Quillfeather Bakery'),
    ]);
    const theirs = await fabric.log.append([turn(t, 'chat', 'leo', 'Leo enjoys pizza in Naples')]);
    await fabric.catchUp();
    const mayaIds = mine.map((r) => r.id);
    expect(lexical(t, 'quillfeather').sort()).toEqual([...mayaIds].sort());
    const graph = () => openGraphStore(fabric.log.db, fabric.runtime.activeGeneration(GRAPH_PROJECTION)!);
    expect((await graph().counts(t)).events).toBeGreaterThan(0);

    expect(derivedRowsHolding('%quillfeath%').length).toBeGreaterThan(0);
    expect(derivedRowsHolding('%maya%').length).toBeGreaterThan(0);
    expect((await graph().entitiesByName(t, ['Maya', 'Brightwater'])).length).toBeGreaterThan(0);

    const erasure = await eraseSubject(audited, t, 'maya', { requestedBy: 'dpo', reason: 'art. 17 request' });
    expect(erasure).toMatchObject({ keysDestroyed: 1, units: 2, event: { type: 'subject.erased', actor: 'memfabric:system', data: { datasubject: 'maya', requestedby: 'dpo' } } });

    const assertGone = async () => {
      const units = await fabric.memoryUnits.getUnits(t, mayaIds);
      expect(units.map((u) => [u.status, u.text, u.speaker])).toEqual([['erased', null, null], ['erased', null, null]]);
      expect((await fabric.memoryUnits.getUnit(t, theirs[0]!.id))?.text).toBe('Leo enjoys pizza in Naples');
      expect(lexical(t, 'quillfeather')).toEqual([]);
      expect(lexical(t, 'brightwater')).toEqual([]);
      expect(await dense(t, 'Maya lives at Quillfeather Lane in Brightwater')).toEqual([theirs[0]!.id]);
      expect(fabric.vectorIndexes()!.vectors.getSync(t, mayaIds)).toEqual([]);
      expect(await graph().entitiesByName(t, ['Maya', 'Quillfeather Lane', 'Quillfeather Bakery', 'Brightwater'])).toEqual([]);
      // nothing of the subject is left for analytics to purge
      expect(await fabric.analytics.purgeSubject(t, 'maya')).toEqual({ events: 0, queries: 0 });
      // no row of any derived table (everything but the log's own tables and the memory units, which keep erased
      // tombstones) holds the content or the subject's name, FTS5 segments included
      expect(derivedRowsHolding('%quillfeath%')).toEqual([]);
      expect(derivedRowsHolding('%brightwat%')).toEqual([]);
      expect(derivedRowsHolding('%maya%')).toEqual([]);
      expect((await fabric.log.verify()).valid).toBe(true);
    };
    await assertGone();

    for (const name of fabric.readModels) await fabric.rebuild(name);
    await assertGone();
    expect((await fabric.memoryUnits.countUnits(t)).erased).toBe(2);

    const repeat = await eraseSubject(audited, t, 'maya');
    expect(repeat).toMatchObject({ keysDestroyed: 0, units: 0, walTruncated: true });
    await assertGone();
    // the subject may write again after the erasure: that content is new and stays
    const [later] = await fabric.log.append([turn(t, 'chat', 'maya', 'Maya says hello again')]);
    await fabric.catchUp();
    expect((await fabric.memoryUnits.getUnit(t, later!.id))?.text).toBe('Maya says hello again');
  });
});
