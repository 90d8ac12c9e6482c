import { describe, expect, it } from 'vitest';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import { interaction } from '@memfabric/event-log/testing';
import { asserted, corrected, memoryUnitStoreContract, retracted, rollbackApplied, stampEvents, subjectErased } from '../testing/index.js';
import { InMemoryMemoryUnits } from './in-memory.memory-units.js';
import { unitAsOf } from './memory-unit.js';
import { memoryUnitChanges } from './rules.js';
import { rollbackCovers, rollbackFilterProblems, rollbackUpTo, rolledBackAt, type RollbackTarget } from './rollback.js';

memoryUnitStoreContract('in-memory view', () => {
  const view = new InMemoryMemoryUnits();
  const history: NewEvent[] = [];
  return Promise.resolve({
    store: view,
    given(events: readonly NewEvent[]) {
      const start = history.length;
      history.push(...events);
      const stored = stampEvents(history).slice(start);
      view.applyAll(stored);
      return Promise.resolve(stored);
    },
    teardown: () => Promise.resolve(),
  });
});

/** Given these events (stamped at offsets 0, 1, ...), the view after applying them all. */
function given(...events: NewEvent[]): { view: InMemoryMemoryUnits; stored: StoredEvent[] } {
  const view = new InMemoryMemoryUnits();
  const stored = stampEvents(events);
  view.applyAll(stored);
  return { view, stored };
}

describe('memory-unit rules', () => {
  it('given an interaction, then one created change whose unit id is the event id', () => {
    const [e] = stampEvents([interaction('t', 's', 'hello')]);
    const decision = memoryUnitChanges(e!, () => undefined);
    expect(decision).toMatchObject({ outcome: 'changes', changes: [{ type: 'created', unit: { id: e!.id, text: 'hello', createdOffset: 0 } }] });
  });

  it('given a correction, then created + superseded at the correction position', () => {
    const { stored, view } = given(asserted('t', 's', 'a'), corrected('t', 's', '00000000-0000-7000-8000-000000000000', 'b'));
    // the correction above targets an unknown id: rejected with a reason naming the field
    expect(view.rejected).toEqual([
      { eventId: stored[1]!.id, offset: 1, reason: 'data.supersedes 00000000-0000-7000-8000-000000000000 is not a memory unit of tenant t' },
    ]);
    const [fix] = stampEvents([corrected('t', 's', stored[0]!.id, 'b')], 2);
    const decision = memoryUnitChanges(fix!, (id) => view.all().find((u) => u.id === id));
    expect(decision).toMatchObject({
      outcome: 'changes',
      changes: [
        { type: 'created', unit: { id: fix!.id, supersedes: stored[0]!.id } },
        { type: 'superseded', id: stored[0]!.id, by: fix!.id, at: { eventId: fix!.id, partition: 0, offset: 2, recordedat: fix!.recordedat } },
      ],
    });
  });

  it('given a correction of a retracted memory, then it is rejected with the retraction offset', () => {
    const first = stampEvents([asserted('t', 's', 'a')]);
    const { view, stored } = given(asserted('t', 's', 'a', { id: first[0]!.id }), retracted('t', 's', first[0]!.id), corrected('t', 's', first[0]!.id, 'b'));
    expect(view.rejected).toEqual([{ eventId: stored[2]!.id, offset: 2, reason: `memory ${stored[0]!.id} was retracted at offset 1; assert it again instead of correcting it` }]);
  });

  it('given data that does not have the schema shape, then the event is rejected, not thrown', () => {
    const [bad] = stampEvents([interaction('t', 's', 'x')]);
    const broken: StoredEvent = { ...bad!, data: { kind: 'message', role: 'robot', content: 'x' } };
    expect(memoryUnitChanges(broken, () => undefined)).toEqual({ outcome: 'rejected', reason: 'data.role "robot" is not one of user, assistant, system, tool' });
    const [a] = stampEvents([asserted('t', 's', 'x')]);
    const empty: StoredEvent = { ...a!, data: { ...a!.data, validfrom: '2024-02-01T00:00:00Z', validto: '2024-01-01T00:00:00Z' } };
    expect(memoryUnitChanges(empty, () => undefined)).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/validto .* must be after data\.validfrom/) as unknown });
  });

  it('given events read after their subject was erased (data null), then units are created erased without content', () => {
    const [i, a, c, r] = stampEvents([interaction('t', 's', 'x'), asserted('t', 's', 'y'), corrected('t', 's', '00000000-0000-7000-8000-000000000000', 'z'), retracted('t', 's', '00000000-0000-7000-8000-000000000000')]);
    const view = new InMemoryMemoryUnits();
    view.applyAll([i!, a!, c!, r!].map((e) => ({ ...e, data: null, erased: true })));
    expect(view.all().map((u) => [u.eventtype, u.memorytype, u.status, u.text])).toEqual([
      ['interaction.recorded', 'interaction', 'erased', null],
      ['memory.asserted', null, 'erased', null],
      ['memory.corrected', null, 'erased', null],
    ]);
    expect(view.rejected).toEqual([]);
  });

  it('given an erasure, then units created at or after it keep their content', () => {
    const { view, stored } = given(interaction('t', 's', 'before', { actor: 'maya' }), subjectErased('t', 'maya'), interaction('t', 's', 'after', { actor: 'maya' }));
    expect(view.all().map((u) => [u.text, u.status, u.erasedOffset])).toEqual([[null, 'erased', 1], ['after', 'active', null]]);
    expect(stored).toHaveLength(3);
  });

  it('unitAsOf hides a unit before its creation and from its invalidation on', () => {
    const { view, stored } = given(asserted('t', 's', 'a'));
    const [fix] = stampEvents([corrected('t', 's', stored[0]!.id, 'b')], 5);
    view.apply(fix!);
    const original = view.all()[0]!;
    expect(original.status).toBe('superseded');
    expect(unitAsOf(original, 4)).toMatchObject({ status: 'active', supersededBy: null, invalidatedOffset: null });
    expect(unitAsOf(original, 5)).toBeUndefined();
    expect(unitAsOf(view.all()[1]!, 4)).toBeUndefined();
    expect(unitAsOf(view.all()[1]!, 5)).toBe(view.all()[1]);
  });
});

describe('rollback coverage', () => {
  const unit: RollbackTarget = { tenantid: 't', streamid: 's', actor: 'maya', time: '2024-03-01T11:00:00.000Z', batchid: 'b1', createdOffset: 7 };

  it('covers by tenant, and by actor, stream and batch only when the filter names them', () => {
    expect(rollbackCovers({ tenantid: 't' }, 10, unit)).toBe(true);
    expect(rollbackCovers({ tenantid: 'u' }, 10, unit)).toBe(false);
    expect(rollbackCovers({ tenantid: 't', actor: 'maya', streamid: 's', batchid: 'b1' }, 10, unit)).toBe(true);
    expect(rollbackCovers({ tenantid: 't', actor: 'leo' }, 10, unit)).toBe(false);
    expect(rollbackCovers({ tenantid: 't', streamid: 'x' }, 10, unit)).toBe(false);
    expect(rollbackCovers({ tenantid: 't', batchid: 'b2' }, 10, unit)).toBe(false);
  });

  it('covers world time from (inclusive) to (exclusive), compared as instants', () => {
    expect(rollbackCovers({ tenantid: 't', from: '2024-03-01T11:00:00Z' }, 10, unit)).toBe(true);
    expect(rollbackCovers({ tenantid: 't', from: '2024-03-01T12:00:00+01:00', to: '2024-03-01T11:00:00.001Z' }, 10, unit)).toBe(true);
    expect(rollbackCovers({ tenantid: 't', to: '2024-03-01T11:00:00Z' }, 10, unit)).toBe(false);
    expect(rollbackCovers({ tenantid: 't', from: '2024-03-01T11:00:00.001Z' }, 10, unit)).toBe(false);
  });

  it('covers nothing created above uptoposition; without it, everything before the rollback event', () => {
    expect(rollbackCovers({ tenantid: 't' }, 7, unit)).toBe(true);
    expect(rollbackCovers({ tenantid: 't' }, 6, unit)).toBe(false);
    expect(rollbackUpTo({}, 8)).toBe(7);
    expect(rollbackUpTo({ uptoposition: 3 }, 8)).toBe(3);
    expect(rollbackUpTo({ uptoposition: 30 }, 8)).toBe(7);
  });

  it('names what is wrong with a filter', () => {
    expect(rollbackFilterProblems({ tenantid: 't' }, 't')).toEqual([]);
    expect(rollbackFilterProblems({ tenantid: 'u', from: 'yesterday', to: '2024-01-01T00:00:00Z' }, 't')).toEqual([
      'data.filter.tenantid ("u") must be the event\'s tenant t',
      'data.filter.from "yesterday" is not an RFC 3339 date-time',
    ]);
    expect(rollbackFilterProblems({ tenantid: 't', from: '2024-01-02T00:00:00Z', to: '2024-01-01T00:00:00Z' }, 't')).toEqual([
      'data.filter.to (2024-01-01T00:00:00Z) must be after data.filter.from (2024-01-02T00:00:00Z)',
    ]);
  });

  it('a rollback hides from its offset (inclusive) to its revert (exclusive)', () => {
    const r = { rollbackId: 'r', offset: 5, recordedat: '', revertedBy: 'v', revertedOffset: 9, revertedAt: '' };
    expect([4, 5, 8, 9].map((p) => rolledBackAt([r], p))).toEqual([false, true, true, false]);
    expect(rolledBackAt([{ ...r, revertedOffset: null }], 1000)).toBe(true);
  });

  it('given a rollback whose filter names another tenant, then it is rejected', () => {
    const [e] = stampEvents([rollbackApplied('t', {}, undefined, { data: { filter: { tenantid: 'u' } } })]);
    expect(memoryUnitChanges(e!, () => undefined)).toEqual({ outcome: 'rejected', reason: 'data.filter.tenantid ("u") must be the event\'s tenant t' });
  });

  it('given a rollback, then one rolled_back change bounded by uptoposition or the event offset', () => {
    const [e] = stampEvents([rollbackApplied('t', { streamid: 's' }, 40)], 12);
    expect(memoryUnitChanges(e!, () => undefined)).toMatchObject({ outcome: 'changes', changes: [{ type: 'rolled_back', filter: { tenantid: 't', streamid: 's' }, upto: 11 }] });
  });
});
