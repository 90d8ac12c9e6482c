import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@memfabric/events';
import { interaction } from '@memfabric/event-log/testing';
import { asserted, corrected, retracted, rollbackApplied, rollbackReverted, stampEvents, subjectErased } from '@memfabric/projections/testing';
import { memoryHistory } from './memory-history.js';

describe('memory history', () => {
  it('given an asserted memory corrected twice and retracted, then four versions with diffs between consecutive ones', () => {
    const [a] = stampEvents([asserted('t', 's', 'Maya lives in Lisbon', { data: { attributes: { city: 'Lisbon' } } })]);
    const rest = stampEvents(
      [
        interaction('t', 's', 'unrelated'),
        corrected('t', 's', a!.id, 'Maya lives in Porto', { data: { attributes: { city: 'Porto' } } }),
        corrected('t', 'other-stream', a!.id, 'Maya lives in Braga', { actor: 'assistant' }),
        retracted('t', 's', a!.id),
        corrected('t', 's', a!.id, 'too late'), // rejected: the memory was retracted
      ],
      1,
    );
    const events = [a!, ...rest];
    const [, , c1, c2, r, late] = events;

    // any unit of the chain gives the whole memory
    for (const id of [a!.id, c1!.id, c2!.id]) {
      const history = memoryHistory(events, 't', id);
      expect(history.units).toEqual([a!.id, c1!.id, c2!.id]);
      expect(history.versions.map((v) => [v.version, v.type, v.change, v.status, v.text, v.position.offset])).toEqual([
        [1, 'memory.asserted', 'created', 'active', 'Maya lives in Lisbon', 0],
        [2, 'memory.corrected', 'corrected', 'active', 'Maya lives in Porto', 2],
        [3, 'memory.corrected', 'corrected', 'active', 'Maya lives in Braga', 3],
        [4, 'memory.retracted', 'retracted', 'retracted', 'Maya lives in Braga', 4],
      ]);
    }
    const history = memoryHistory(events, 't', a!.id);
    const [v1, v2, v3, v4] = history.versions;
    expect(v1!.diff).toEqual(
      expect.arrayContaining([
        { field: 'unitId', before: null, after: a!.id },
        { field: 'text', before: null, after: 'Maya lives in Lisbon' },
        { field: 'attributes', before: null, after: { city: 'Lisbon' } },
      ]),
    );
    expect(v2!.diff).toEqual([
      { field: 'unitId', before: a!.id, after: c1!.id },
      { field: 'text', before: 'Maya lives in Lisbon', after: 'Maya lives in Porto' },
      { field: 'attributes', before: { city: 'Lisbon' }, after: { city: 'Porto' } },
    ]);
    expect(v2!.unitIds).toEqual([a!.id, c1!.id]);
    // the second correction carries the attributes over (the rules' carry-over)
    expect(v3!.diff).toEqual([
      { field: 'unitId', before: c1!.id, after: c2!.id },
      { field: 'text', before: 'Maya lives in Porto', after: 'Maya lives in Braga' },
    ]);
    expect(v3!.actor).toBe('assistant');
    expect(v4!.diff).toEqual([{ field: 'status', before: 'active', after: 'retracted' }]);
    expect(v4!.eventId).toBe(r!.id);
    expect(history.current).toMatchObject({ unitId: c2!.id, status: 'retracted' });
    expect(history.rejected).toEqual([
      { eventId: late!.id, type: 'memory.corrected', position: { partition: 0, offset: 5 }, recordedAt: late!.recordedat, reason: expect.stringMatching(/was retracted at offset 4/) as unknown },
    ]);
    expect(history.throughOffset).toBe(5);
  });

  it('given a rollback covering the memory and its revert, then rolled_back and back to active versions', () => {
    const events = stampEvents([interaction('t', 's', 'hello', { actor: 'maya' }), interaction('t', 's2', 'other')]);
    const [rb] = stampEvents([rollbackApplied('t', { streamid: 's' })], 2);
    const [rv] = stampEvents([rollbackReverted('t', rb!.id)], 3);
    const all = [...events, rb!, rv!];
    const history = memoryHistory(all, 't', events[0]!.id);
    expect(history.versions.map((v) => [v.change, v.status, v.state.rolledBackBy])).toEqual([
      ['created', 'active', []],
      ['rolled_back', 'rolled_back', [rb!.id]],
      ['rollback_reverted', 'active', []],
    ]);
    expect(history.versions[1]!.diff).toEqual([
      { field: 'status', before: 'active', after: 'rolled_back' },
      { field: 'rolledBackBy', before: [], after: [rb!.id] },
    ]);
    // the other stream's unit was not covered: its history has one version
    expect(memoryHistory(all, 't', events[1]!.id).versions).toHaveLength(1);
  });

  it('given an erasure of the subject, then an erased version without content; read after the key is gone, no version has content', () => {
    const events = stampEvents([interaction('t', 's', 'my phone is 555', { actor: 'maya' }), subjectErased('t', 'maya')]);
    const history = memoryHistory(events, 't', events[0]!.id);
    expect(history.versions.map((v) => [v.change, v.status, v.text])).toEqual([
      ['created', 'active', 'my phone is 555'],
      ['erased', 'erased', null],
    ]);
    const shredded: StoredEvent[] = events.map((e, i) => (i === 0 ? { ...e, data: null, erased: true } : e));
    const after = memoryHistory(shredded, 't', events[0]!.id);
    expect(after.versions.every((v) => v.text === null)).toBe(true);
    expect(JSON.stringify(after)).not.toContain('my phone');
  });

  it('refuses a unit of another tenant or an unknown id with NotFoundError', () => {
    const events = stampEvents([interaction('t', 's', 'x')]);
    expect(() => memoryHistory(events, 'other', events[0]!.id)).toThrow(expect.objectContaining({ code: 'not_found' }) as Error);
    expect(() => memoryHistory(events, 't', '00000000-0000-7000-8000-000000000000')).toThrow(/is not in tenant t/);
  });
});
