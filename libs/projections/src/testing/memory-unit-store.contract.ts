import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { MAX_STREAM_ANCHORS, type MemoryUnitStore } from '../memory-units/store.js';
import { asserted, corrected, retracted, rollbackApplied, rollbackReverted, subjectErased, versionTagged } from './fixtures.js';

/** What an implementation's test provides to the memory-unit store contract. */
export interface MemoryUnitStoreFixture {
  /** The store under test. */
  readonly store: MemoryUnitStore;
  /**
   * Appends `events` in order to the log (or stamps them, in memory) and brings the store up to
   * date with them. Returns them as stored (with offsets), in the same order.
   */
  given(events: readonly NewEvent[]): Promise<readonly StoredEvent[]>;
  /** Releases everything the fixture created. */
  teardown(): Promise<void>;
}

/** Options of the contract suite. */
export interface MemoryUnitContractOptions {
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
  /** Per-test timeout in ms. */
  readonly timeoutMs?: number;
}

/**
 * The given/when/then contract of the memory-unit projection: given these events, the view is
 * this. The in-memory view runs it as a unit test; every store implementation (the SQLite
 * projection) runs it against a real log. Each test works in its own tenant.
 */
export function memoryUnitStoreContract(
  implementation: string,
  setup: () => Promise<MemoryUnitStoreFixture>,
  options: MemoryUnitContractOptions = {},
): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${implementation}] memory-unit contract skipped: ${options.skipReason}`);

  suite(`MemoryUnitStore contract: ${implementation}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: MemoryUnitStoreFixture;
    let store: MemoryUnitStore;
    beforeAll(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('given an interaction, the view holds one active unit carrying its attributes and positions', async () => {
      const t = uniqueTenant();
      const [e] = await fixture.given([
        interaction(t, 'session_1', 'I went to the LGBTQ support group yesterday', {
          subject: 'D1:3',
          time: '2023-05-08T15:56:00+02:00',
          data: { kind: 'message', role: 'user', content: 'I went to the LGBTQ support group yesterday', speaker: 'Caroline' },
        }),
      ]);
      const unit = await store.getUnit(t, e!.id);
      expect(unit).toEqual({
        id: e!.id, tenantid: t, streamid: 'session_1', actor: 'caroline', datasubject: 'caroline',
        eventtype: 'interaction.recorded', memorytype: 'interaction', memoryid: null, kind: 'message', role: 'user',
        speaker: 'Caroline', text: 'I went to the LGBTQ support group yesterday', attributes: null, confidence: null,
        validfrom: null, validto: null, time: '2023-05-08T13:56:00.000Z', recordedat: new Date(e!.recordedat).toISOString(),
        createdPartition: e!.partition, createdOffset: e!.offset, streamposition: 1, batchid: e!.batchid, sourceref: 'D1:3',
        status: 'active', supersedes: null, supersededBy: null, invalidatedBy: null, invalidatedPartition: null,
        invalidatedOffset: null, invalidatedAt: null, erasedOffset: null, erasedAt: null, rollbacks: [],
      });
      expect(await store.countUnits(t)).toEqual({ total: 1, active: 1, superseded: 0, retracted: 0, rolled_back: 0, erased: 0 });
    });

    it('takes the source reference from data.sourceref before the event subject', async () => {
      const t = uniqueTenant();
      const [e] = await fixture.given([
        interaction(t, 's', 'hi', { subject: 'subject-ref', data: { kind: 'message', role: 'user', content: 'hi', sourceref: 'D7:1' } }),
      ]);
      expect((await store.getUnit(t, e!.id))?.sourceref).toBe('D7:1');
    });

    it('given an asserted memory, the unit has its declared type, validity interval, attributes and confidence', async () => {
      const t = uniqueTenant();
      const [e] = await fixture.given([
        asserted(t, 's', 'Maya is vegetarian', {
          data: {
            memoryid: 'diet', memorytype: 'preference', validfrom: '2024-01-01T00:00:00Z', validto: '2025-01-01T00:00:00+00:00',
            attributes: { subject: 'maya', predicate: 'diet', object: 'vegetarian' }, confidence: 0.9,
          },
        }),
      ]);
      expect(await store.getUnit(t, e!.id)).toMatchObject({
        eventtype: 'memory.asserted', memorytype: 'preference', memoryid: 'diet', text: 'Maya is vegetarian', kind: null, role: null,
        validfrom: '2024-01-01T00:00:00.000Z', validto: '2025-01-01T00:00:00.000Z', confidence: 0.9,
        attributes: { subject: 'maya', predicate: 'diet', object: 'vegetarian' }, status: 'active',
      });
    });

    it('given a correction, a new unit supersedes the target, which stays stored as superseded at that position', async () => {
      const t = uniqueTenant();
      const [original] = await fixture.given([asserted(t, 's', 'Maya lives in Lyon', { data: { memoryid: 'home', memorytype: 'profile', validfrom: '2020-01-01T00:00:00Z' } })]);
      const [fix] = await fixture.given([corrected(t, 's', original!.id, 'Maya lives in Paris', { data: { reason: 'moved' } })]);
      expect(await store.getUnit(t, fix!.id)).toMatchObject({
        eventtype: 'memory.corrected', text: 'Maya lives in Paris', status: 'active', supersedes: original!.id,
        memorytype: 'profile', memoryid: 'home', validfrom: '2020-01-01T00:00:00.000Z',
      });
      expect(await store.getUnit(t, original!.id)).toMatchObject({
        text: 'Maya lives in Lyon', status: 'superseded', supersededBy: fix!.id, invalidatedBy: fix!.id,
        invalidatedPartition: fix!.partition, invalidatedOffset: fix!.offset, invalidatedAt: new Date(fix!.recordedat).toISOString(),
      });
      expect(await store.countUnits(t)).toMatchObject({ total: 2, active: 1, superseded: 1 });
    });

    it('given two corrections of the same original, the second replaces the first (head of the chain)', async () => {
      const t = uniqueTenant();
      const [original] = await fixture.given([asserted(t, 's', 'v1')]);
      const [second] = await fixture.given([corrected(t, 's', original!.id, 'v2')]);
      const [third] = await fixture.given([corrected(t, 's', original!.id, 'v3')]);
      expect(await store.getUnit(t, second!.id)).toMatchObject({ status: 'superseded', supersededBy: third!.id, supersedes: original!.id });
      expect(await store.getUnit(t, third!.id)).toMatchObject({ status: 'active', supersedes: second!.id });
      expect((await store.listUnits(t, { status: 'active' })).map((u) => u.text)).toEqual(['v3']);
    });

    it('given a retraction, the target is retracted at its position; retracting again changes nothing', async () => {
      const t = uniqueTenant();
      const [original] = await fixture.given([interaction(t, 's', 'my PIN is 1234')]);
      const [retraction] = await fixture.given([retracted(t, 's', original!.id, { data: { reason: 'shared by mistake' } })]);
      await fixture.given([retracted(t, 's', original!.id)]);
      expect(await store.getUnit(t, original!.id)).toMatchObject({
        status: 'retracted', supersededBy: null, invalidatedBy: retraction!.id, invalidatedOffset: retraction!.offset,
      });
      expect(await store.countUnits(t)).toEqual({ total: 1, active: 0, superseded: 0, retracted: 1, rolled_back: 0, erased: 0 });
    });

    it('retracting a superseded memory retracts its current version', async () => {
      const t = uniqueTenant();
      const [original] = await fixture.given([asserted(t, 's', 'v1')]);
      const [fix] = await fixture.given([corrected(t, 's', original!.id, 'v2')]);
      await fixture.given([retracted(t, 's', original!.id)]);
      expect(await store.getUnit(t, original!.id)).toMatchObject({ status: 'superseded' });
      expect(await store.getUnit(t, fix!.id)).toMatchObject({ status: 'retracted' });
    });

    it('asOf a position shows each unit as it was then', async () => {
      const t = uniqueTenant();
      const [original, other] = await fixture.given([asserted(t, 's', 'Lyon'), interaction(t, 's', 'hello')]);
      const [fix] = await fixture.given([corrected(t, 's', original!.id, 'Paris')]);
      const [retraction] = await fixture.given([retracted(t, 's', other!.id)]);

      const before = await store.listUnits(t, { asOf: fix!.offset - 1 });
      expect(before.map((u) => [u.text, u.status, u.supersededBy])).toEqual([['Lyon', 'active', null], ['hello', 'active', null]]);
      expect(await store.getUnit(t, fix!.id, { asOf: fix!.offset - 1 })).toBeUndefined();
      expect(await store.getUnit(t, original!.id, { asOf: original!.offset })).toMatchObject({ status: 'active', invalidatedOffset: null });

      const atFix = await store.listUnits(t, { asOf: fix!.offset });
      expect(atFix.map((u) => u.text)).toEqual(['hello', 'Paris']);
      expect(await store.countUnits(t, { asOf: fix!.offset })).toEqual({ total: 2, active: 2, superseded: 0, retracted: 0, rolled_back: 0, erased: 0 });

      expect((await store.listUnits(t, { asOf: retraction!.offset })).map((u) => u.text)).toEqual(['Paris']);
      expect(await store.listUnits(t, { asOf: original!.offset - 1 })).toEqual([]);
    });

    it('filters by stream, actor, data subject, memory type and status, pages by offset and counts per status', async () => {
      const t = uniqueTenant();
      const stored = await fixture.given([
        interaction(t, 'a', 'one', { actor: 'maya' }),
        interaction(t, 'b', 'two', { actor: 'leo' }),
        asserted(t, 'a', 'three', { actor: 'maya', datasubject: 'leo' }),
        interaction(t, 'a', 'four', { actor: 'leo' }),
      ]);
      await fixture.given([retracted(t, 'a', stored[3]!.id)]);
      const texts = async (o: Parameters<MemoryUnitStore['listUnits']>[1]) => (await store.listUnits(t, o)).map((u) => u.text);
      expect(await texts({})).toEqual(['one', 'two', 'three', 'four']);
      expect(await texts({ streamid: 'a' })).toEqual(['one', 'three', 'four']);
      expect(await texts({ actor: 'leo' })).toEqual(['two', 'four']);
      expect(await texts({ datasubject: 'leo' })).toEqual(['two', 'three', 'four']);
      expect(await texts({ memorytype: 'fact' })).toEqual(['three']);
      expect(await texts({ status: 'active', streamid: 'a' })).toEqual(['one', 'three']);
      expect(await texts({ status: ['retracted', 'superseded'] })).toEqual(['four']);
      expect(await texts({ limit: 2 })).toEqual(['one', 'two']);
      expect(await texts({ afterOffset: stored[1]!.offset, limit: 1 })).toEqual(['three']);
      expect(await store.countUnits(t)).toEqual({ total: 4, active: 3, superseded: 0, retracted: 1, rolled_back: 0, erased: 0 });
      expect(await store.listUnits(uniqueTenant())).toEqual([]);
    });

    it('getUnits returns units in the order asked, leaves out unknown, foreign and not-yet-visible ids', async () => {
      const t = uniqueTenant();
      const [a, b] = await fixture.given([interaction(t, 's', 'one'), interaction(t, 's', 'two')]);
      const [theirs] = await fixture.given([interaction(uniqueTenant(), 's', 'foreign')]);
      const [fix] = await fixture.given([retracted(t, 's', a!.id)]);
      expect((await store.getUnits(t, [b!.id, 'missing', a!.id, theirs!.id])).map((u) => [u.text, u.status])).toEqual([
        ['two', 'active'],
        ['one', 'retracted'],
      ]);
      expect((await store.getUnits(t, [a!.id, b!.id], { asOf: a!.offset })).map((u) => [u.text, u.status])).toEqual([['one', 'active']]);
      expect((await store.getUnits(t, [a!.id], { asOf: fix!.offset })).length).toBe(0);
      expect(await store.getUnits(t, [])).toEqual([]);
      await expect(store.getUnits(t, [a!.id], { asOf: -1 })).rejects.toSatisfy((e: unknown) => MemfabricError.is(e));
    });

    it('streamNeighbours returns the turns around an offset in the same stream only', async () => {
      const t = uniqueTenant();
      const stored = await fixture.given([
        interaction(t, 'a', 'a1'),
        interaction(t, 'b', 'b1'),
        interaction(t, 'a', 'a2'),
        interaction(t, 'a', 'a3'),
        interaction(t, 'a', 'a4'),
      ]);
      const middle = stored[3]!;
      const texts = async (o: { before: number; after: number; asOf?: number }) =>
        (await store.streamNeighbours(t, 'a', middle.offset, o)).map((u) => u.text);
      expect(await texts({ before: 1, after: 1 })).toEqual(['a2', 'a4']);
      expect(await texts({ before: 5, after: 0 })).toEqual(['a1', 'a2']);
      expect(await texts({ before: 2, after: 2, asOf: middle.offset })).toEqual(['a1', 'a2']);
      expect(await store.streamNeighbours(uniqueTenant(), 'a', middle.offset, { before: 2, after: 2 })).toEqual([]);
      await expect(store.streamNeighbours(t, 'a', middle.offset, { before: 51, after: 0 })).rejects.toSatisfy((e: unknown) => MemfabricError.is(e));
    });

    it('streamNeighbourhoods answers several anchors in one read, each as streamNeighbours would', async () => {
      const t = uniqueTenant();
      const stored = await fixture.given([
        interaction(t, 'a', 'a1'),
        interaction(t, 'b', 'b1'),
        interaction(t, 'a', 'a2'),
        interaction(t, 'b', 'b2'),
        interaction(t, 'a', 'a3'),
      ]);
      const anchors = [stored[2]!, stored[1]!, stored[4]!, stored[2]!].map((e) => ({ streamid: e.streamid, offset: e.offset }));
      for (const options of [{ before: 1, after: 1 }, { before: 2, after: 0 }, { before: 1, after: 1, asOf: stored[2]!.offset }]) {
        const batch = await store.streamNeighbourhoods(t, anchors, options);
        const single = await Promise.all(anchors.map((a) => store.streamNeighbours(t, a.streamid, a.offset, options)));
        expect(batch).toEqual(single);
      }
      expect((await store.streamNeighbourhoods(t, anchors, { before: 1, after: 1 })).map((list) => list.map((u) => u.text))).toEqual([
        ['a1', 'a3'],
        ['b2'],
        ['a2'],
        ['a1', 'a3'],
      ]);
      expect(await store.streamNeighbourhoods(t, [], { before: 1, after: 1 })).toEqual([]);
      expect(await store.streamNeighbourhoods(uniqueTenant(), anchors, { before: 1, after: 1 })).toEqual([[], [], [], []]);
      const tooMany = Array.from({ length: MAX_STREAM_ANCHORS + 1 }, () => anchors[0]!);
      await expect(store.streamNeighbourhoods(t, tooMany, { before: 1, after: 1 })).rejects.toSatisfy((e: unknown) => MemfabricError.is(e));
      await expect(store.streamNeighbourhoods(t, [{ streamid: 'a', offset: -1 }], { before: 1, after: 1 })).rejects.toSatisfy((e: unknown) => MemfabricError.is(e));
    });

    it('never crosses tenants: a correction of another tenant’s unit changes nothing', async () => {
      const t1 = uniqueTenant();
      const t2 = uniqueTenant();
      const [theirs] = await fixture.given([asserted(t1, 's', 'secret')]);
      const [attempt] = await fixture.given([corrected(t2, 's', theirs!.id, 'overwritten')]);
      expect(await store.getUnit(t2, theirs!.id)).toBeUndefined();
      expect(await store.getUnit(t1, theirs!.id)).toMatchObject({ status: 'active', text: 'secret' });
      expect(await store.getUnit(t2, attempt!.id)).toBeUndefined();
      expect(await store.countUnits(t2)).toMatchObject({ total: 0 });
    });

    it('a correction of an unknown or retracted memory creates no unit', async () => {
      const t = uniqueTenant();
      const [gone] = await fixture.given([asserted(t, 's', 'gone')]);
      await fixture.given([retracted(t, 's', gone!.id)]);
      const [late, unknown] = await fixture.given([
        corrected(t, 's', gone!.id, 'back again'),
        corrected(t, 's', '01890000-0000-7000-8000-000000000000', 'no such memory'),
      ]);
      expect(await store.getUnit(t, late!.id)).toBeUndefined();
      expect(await store.getUnit(t, unknown!.id)).toBeUndefined();
      expect(await store.countUnits(t)).toEqual({ total: 1, active: 0, superseded: 0, retracted: 1, rolled_back: 0, erased: 0 });
    });

    it('given a subject erasure, earlier units of that subject lose their content and later ones keep it', async () => {
      const t = uniqueTenant();
      const [mine, theirs] = await fixture.given([
        interaction(t, 's', 'my address is 1 Main St', { actor: 'maya', data: { kind: 'message', role: 'user', content: 'my address is 1 Main St', speaker: 'Maya' } }),
        interaction(t, 's', 'noted', { actor: 'assistant', data: { kind: 'message', role: 'assistant', content: 'noted' } }),
      ]);
      const [erasure] = await fixture.given([subjectErased(t, 'maya')]);
      const [after] = await fixture.given([interaction(t, 's', 'new start', { actor: 'maya' })]);
      expect(await store.getUnit(t, mine!.id)).toMatchObject({
        status: 'erased', text: null, speaker: null, sourceref: null, erasedOffset: erasure!.offset, kind: 'message',
      });
      expect(await store.getUnit(t, theirs!.id)).toMatchObject({ status: 'active', text: 'noted' });
      expect(await store.getUnit(t, after!.id)).toMatchObject({ status: 'active', text: 'new start' });
      expect((await store.listUnits(t, { asOf: mine!.offset })).map((u) => [u.status, u.text])).toEqual([['erased', null]]);
      expect(await store.countUnits(t)).toMatchObject({ total: 3, active: 2, erased: 1 });
    });

    it('given a rollback by stream, its active units are rolled back and remember the rollback; other streams are untouched', async () => {
      const t = uniqueTenant();
      const [a1, b1, a2] = await fixture.given([interaction(t, 'a', 'a1'), interaction(t, 'b', 'b1'), interaction(t, 'a', 'a2')]);
      const [rollback] = await fixture.given([rollbackApplied(t, { streamid: 'a' })]);
      const record = { rollbackId: rollback!.id, offset: rollback!.offset, recordedat: new Date(rollback!.recordedat).toISOString(), revertedBy: null, revertedOffset: null, revertedAt: null };
      expect(await store.getUnit(t, a1!.id)).toMatchObject({ status: 'rolled_back', rollbacks: [record], text: 'a1', invalidatedOffset: null });
      expect(await store.getUnit(t, a2!.id)).toMatchObject({ status: 'rolled_back', rollbacks: [record] });
      expect(await store.getUnit(t, b1!.id)).toMatchObject({ status: 'active', rollbacks: [] });
      expect((await store.listUnits(t, { status: 'active' })).map((u) => u.text)).toEqual(['b1']);
      expect((await store.listUnits(t, { status: 'rolled_back' })).map((u) => u.text)).toEqual(['a1', 'a2']);
      expect(await store.countUnits(t)).toEqual({ total: 3, active: 1, superseded: 0, retracted: 0, rolled_back: 2, erased: 0 });
      const [late] = await fixture.given([interaction(t, 'a', 'a3')]);
      expect(await store.getUnit(t, late!.id)).toMatchObject({ status: 'active', rollbacks: [] });
    });

    it('a rollback covers by actor, world-time range [from, to), ingest batch, and nothing above uptoposition', async () => {
      const t = uniqueTenant();
      const at = (hour: string) => ({ time: `2024-03-01T${hour}:00:00.000Z` });
      const first = await fixture.given([
        interaction(t, 'time', 't10', at('10')),
        interaction(t, 'time', 't11', at('11')),
        interaction(t, 'time', 't12', at('12')),
      ]);
      const batch = await fixture.given([interaction(t, 'batch', 'x1'), interaction(t, 'batch', 'x2', { actor: 'leo' })]);
      const last = await fixture.given([interaction(t, 'batch', 'y1', { actor: 'leo' }), interaction(t, 'upto', 'u1'), interaction(t, 'upto', 'u2')]);
      const active = async () => (await store.listUnits(t, { status: 'active' })).map((u) => u.text);

      await fixture.given([rollbackApplied(t, { streamid: 'time', from: '2024-03-01T11:00:00Z', to: '2024-03-01T12:00:00Z' })]);
      expect(await active()).toEqual(['t10', 't12', 'x1', 'x2', 'y1', 'u1', 'u2']);
      await fixture.given([rollbackApplied(t, { batchid: batch[0]!.batchid })]);
      expect(await active()).toEqual(['t10', 't12', 'y1', 'u1', 'u2']);
      await fixture.given([rollbackApplied(t, { actor: 'leo' })]);
      expect(await active()).toEqual(['t10', 't12', 'u1', 'u2']);
      await fixture.given([rollbackApplied(t, { streamid: 'upto' }, last[1]!.offset)]);
      expect(await active()).toEqual(['t10', 't12', 'u2']);
      expect(first.every((e) => e.batchid !== batch[0]!.batchid)).toBe(true);
    });

    it('a rollback covering an erased unit is recorded in its rollbacks (and its revert too); the unit stays erased', async () => {
      const t = uniqueTenant();
      const [mine, other] = await fixture.given([interaction(t, 'a', 'secret', { actor: 'maya' }), interaction(t, 'a', 'kept', { actor: 'leo' })]);
      await fixture.given([subjectErased(t, 'maya')]);
      const [rollback] = await fixture.given([rollbackApplied(t, { streamid: 'a' })]);
      expect(await store.getUnit(t, mine!.id)).toMatchObject({ status: 'erased', text: null, rollbacks: [{ rollbackId: rollback!.id, revertedBy: null }] });
      expect(await store.getUnit(t, other!.id)).toMatchObject({ status: 'rolled_back', rollbacks: [{ rollbackId: rollback!.id }] });
      const [revert] = await fixture.given([rollbackReverted(t, rollback!.id)]);
      expect(await store.getUnit(t, mine!.id)).toMatchObject({ status: 'erased', rollbacks: [{ rollbackId: rollback!.id, revertedBy: revert!.id }] });
      expect(await store.getUnit(t, other!.id)).toMatchObject({ status: 'active' });
      expect(await store.countUnits(t)).toMatchObject({ total: 2, active: 1, erased: 1, rolled_back: 0 });
    });

    it('given a revert, the units are active again, a second revert changes nothing, and asOf sees each rollback interval', async () => {
      const t = uniqueTenant();
      const [a1, a2, b1] = await fixture.given([interaction(t, 'a', 'a1'), interaction(t, 'a', 'a2'), interaction(t, 'b', 'b1')]);
      const [r1] = await fixture.given([rollbackApplied(t, { streamid: 'a' })]);
      const [v1] = await fixture.given([rollbackReverted(t, r1!.id)]);
      await fixture.given([rollbackReverted(t, r1!.id)]);
      expect(await store.getUnit(t, a1!.id)).toMatchObject({
        status: 'active',
        rollbacks: [{ rollbackId: r1!.id, offset: r1!.offset, revertedBy: v1!.id, revertedOffset: v1!.offset, revertedAt: new Date(v1!.recordedat).toISOString() }],
      });
      const [r2] = await fixture.given([rollbackApplied(t, { streamid: 'a' })]);
      const [v2] = await fixture.given([rollbackReverted(t, r2!.id)]);
      expect((await store.getUnit(t, a2!.id))?.rollbacks.map((r) => [r.offset, r.revertedOffset])).toEqual([[r1!.offset, v1!.offset], [r2!.offset, v2!.offset]]);

      const texts = async (asOf: number) => (await store.listUnits(t, { asOf })).map((u) => [u.text, u.status]);
      expect(await texts(r1!.offset - 1)).toEqual([['a1', 'active'], ['a2', 'active'], ['b1', 'active']]);
      expect(await texts(r1!.offset)).toEqual([['b1', 'active']]);
      expect(await texts(v1!.offset - 1)).toEqual([['b1', 'active']]);
      expect(await texts(v1!.offset)).toEqual([['a1', 'active'], ['a2', 'active'], ['b1', 'active']]);
      expect(await texts(r2!.offset)).toEqual([['b1', 'active']]);
      expect(await texts(v2!.offset)).toEqual([['a1', 'active'], ['a2', 'active'], ['b1', 'active']]);
      expect(await store.getUnit(t, a1!.id, { asOf: r1!.offset })).toBeUndefined();
      expect((await store.getUnit(t, a1!.id, { asOf: v1!.offset }))?.rollbacks.map((r) => r.rollbackId)).toEqual([r1!.id]);
      expect((await store.getUnits(t, [a1!.id, b1!.id], { asOf: r2!.offset })).map((u) => u.text)).toEqual(['b1']);
      expect(await store.countUnits(t, { asOf: r2!.offset })).toEqual({ total: 1, active: 1, superseded: 0, retracted: 0, rolled_back: 0, erased: 0 });
      expect(await store.countUnits(t, { asOf: v2!.offset })).toMatchObject({ total: 3, active: 3 });
      expect((await store.streamNeighbours(t, 'a', b1!.offset, { before: 5, after: 0, asOf: r2!.offset })).map((u) => u.text)).toEqual([]);
      expect((await store.streamNeighbours(t, 'a', b1!.offset, { before: 5, after: 0, asOf: v2!.offset })).map((u) => u.text)).toEqual(['a1', 'a2']);
      expect(await store.countUnits(t)).toMatchObject({ total: 3, active: 3, rolled_back: 0 });
    });

    it('while rolled back, a unit is left out of streamNeighbours and getUnits only by status: reads without asOf return it rolled_back', async () => {
      const t = uniqueTenant();
      const [a1, a2, a3] = await fixture.given([interaction(t, 'a', 'a1'), interaction(t, 'a', 'a2', { actor: 'leo' }), interaction(t, 'a', 'a3')]);
      const [r] = await fixture.given([rollbackApplied(t, { actor: 'leo' })]);
      expect((await store.streamNeighbours(t, 'a', a1!.offset, { before: 0, after: 5 })).map((u) => [u.text, u.status])).toEqual([['a2', 'rolled_back'], ['a3', 'active']]);
      expect((await store.streamNeighbours(t, 'a', a1!.offset, { before: 0, after: 5, asOf: r!.offset })).map((u) => u.text)).toEqual(['a3']);
      expect((await store.getUnits(t, [a3!.id, a2!.id])).map((u) => u.status)).toEqual(['active', 'rolled_back']);
    });

    it('overlapping rollbacks: a unit stays rolled back until every rollback holding it is reverted', async () => {
      const t = uniqueTenant();
      const [mine, theirs] = await fixture.given([interaction(t, 'a', 'mine', { actor: 'maya' }), interaction(t, 'a', 'theirs', { actor: 'leo' })]);
      const [byStream] = await fixture.given([rollbackApplied(t, { streamid: 'a' })]);
      const [byActor] = await fixture.given([rollbackApplied(t, { actor: 'maya' })]);
      expect((await store.getUnit(t, mine!.id))?.rollbacks.map((r) => r.rollbackId)).toEqual([byStream!.id, byActor!.id]);
      await fixture.given([rollbackReverted(t, byStream!.id)]);
      expect(await store.getUnit(t, mine!.id)).toMatchObject({ status: 'rolled_back' });
      expect(await store.getUnit(t, theirs!.id)).toMatchObject({ status: 'active' });
      const [revert] = await fixture.given([rollbackReverted(t, byActor!.id)]);
      expect(await store.getUnit(t, mine!.id)).toMatchObject({ status: 'active' });
      expect(await store.getUnit(t, mine!.id, { asOf: revert!.offset - 1 })).toBeUndefined();
    });

    it('a correction, retraction or erasure of a rolled-back unit still holds it down after the revert', async () => {
      const t = uniqueTenant();
      const [u1, u2, u3] = await fixture.given([asserted(t, 's', 'v1'), interaction(t, 's', 'u2'), interaction(t, 's', 'u3', { actor: 'maya' })]);
      const [rollback] = await fixture.given([rollbackApplied(t, { streamid: 's' })]);
      const [fix] = await fixture.given([corrected(t, 's', u1!.id, 'v2')]);
      await fixture.given([retracted(t, 's', u2!.id), subjectErased(t, 'maya')]);
      await fixture.given([rollbackReverted(t, rollback!.id)]);
      expect((await store.getUnits(t, [u1!.id, u2!.id, u3!.id, fix!.id])).map((u) => [u.status, u.text])).toEqual([
        ['superseded', 'v1'],
        ['retracted', 'u2'],
        ['erased', null],
        ['active', 'v2'],
      ]);
      expect(await store.countUnits(t)).toEqual({ total: 4, active: 1, superseded: 1, retracted: 1, rolled_back: 0, erased: 1 });
    });

    it('a rollback never crosses tenants; reverting an unknown rollback changes nothing', async () => {
      const t = uniqueTenant();
      const other = uniqueTenant();
      const [mine] = await fixture.given([interaction(t, 's', 'mine')]);
      await fixture.given([
        rollbackApplied(other, {}, undefined, { data: { filter: { tenantid: t } } }),
        rollbackApplied(other, { streamid: 's' }),
        rollbackReverted(t, '01890000-0000-7000-8000-000000000000'),
      ]);
      expect(await store.getUnit(t, mine!.id)).toMatchObject({ status: 'active', rollbacks: [] });
      expect(await store.countUnits(other)).toMatchObject({ total: 0 });
    });

    it('ignores event types that carry no memory', async () => {
      const t = uniqueTenant();
      const [e] = await fixture.given([interaction(t, 's', 'x')]);
      await fixture.given([versionTagged(t, 'v1', e!.offset)]);
      expect(await store.countUnits(t)).toMatchObject({ total: 1 });
    });

    it('rejects an invalid query with a validation error naming the field', async () => {
      const t = uniqueTenant();
      const rejection = await store.listUnits(t, { limit: 0, asOf: -1 }).catch((e: unknown) => e);
      expect(MemfabricError.is(rejection) && rejection.code).toBe('validation_failed');
      expect((rejection as { problems: { pointer: string }[] }).problems.map((p) => p.pointer)).toEqual(['/limit', '/asOf']);
      await expect(store.countUnits(t, { asOf: 1.5 })).rejects.toMatchObject({ code: 'validation_failed' });
    });
  });
}
