import { describe, expect, it } from 'vitest';
import { decideStatement, deriveValidity, OPEN_START, type TimelineFact, type TimelineStatement } from './invalidation.js';

const Y = (year: number) => Date.UTC(year, 0, 1);

function fact(id: string, objectId: string, from: number, to: number | null = null): TimelineFact {
  return { id, objectId, validFrom: from, validTo: to };
}

function statement(objectId: string, from: number, extra: Partial<TimelineStatement> = {}): TimelineStatement {
  return { factId: 'new', objectId, validFrom: from, validTo: null, singleValued: true, ...extra };
}

describe('the invalidation rule (decideStatement)', () => {
  it('given an empty timeline, when a statement arrives, then it adds a fact', () => {
    expect(decideStatement([], statement('paris', Y(2020)))).toEqual({ kind: 'add', invalidates: [] });
  });

  it('given Paris valid since 2020, when Berlin from 2023 arrives (single-valued), then Paris is invalidated at 2023', () => {
    const decision = decideStatement([fact('p', 'paris', Y(2020))], statement('berlin', Y(2023)));
    expect(decision).toEqual({ kind: 'add', invalidates: [{ factId: 'p', validTo: Y(2023), byFactId: 'new' }] });
  });

  it('given Paris valid since 2020, when Berlin arrives on a multi-valued predicate, then nothing is invalidated', () => {
    expect(decideStatement([fact('p', 'paris', Y(2020))], statement('berlin', Y(2023), { singleValued: false }))).toEqual({ kind: 'add', invalidates: [] });
  });

  it('given Paris valid since 2020, when Paris is stated again in 2021, then the statement supports it', () => {
    expect(decideStatement([fact('p', 'paris', Y(2020))], statement('paris', Y(2021)))).toEqual({ kind: 'support', factId: 'p' });
  });

  it('given Paris valid 2020–2022 then Berlin, when Paris is stated from 2024, then Paris comes back as a new fact invalidating Berlin', () => {
    const timeline = [fact('p', 'paris', Y(2020), Y(2022)), fact('b', 'berlin', Y(2022))];
    expect(decideStatement(timeline, statement('paris', Y(2024)))).toEqual({
      kind: 'add',
      invalidates: [{ factId: 'b', validTo: Y(2024), byFactId: 'new' }],
    });
  });

  it('given Paris since 2020 and London since 2022, when Berlin from 2021 arrives late, then it ends Paris at 2021 and is bounded by London at 2022', () => {
    const timeline = [fact('p', 'paris', Y(2020), Y(2022)), fact('l', 'london', Y(2022))];
    expect(decideStatement(timeline, statement('berlin', Y(2021)))).toEqual({
      kind: 'add',
      invalidates: [{ factId: 'p', validTo: Y(2021), byFactId: 'new' }],
      boundedBy: { factId: 'new', validTo: Y(2022), byFactId: 'l' },
    });
  });

  it('given London since 2022, when London from 2019 arrives late, then the earlier stretch is its own fact bounded at 2022', () => {
    expect(decideStatement([fact('l', 'london', Y(2022))], statement('london', Y(2019)))).toEqual({
      kind: 'add',
      invalidates: [],
      boundedBy: { factId: 'new', validTo: Y(2022), byFactId: 'l' },
    });
  });

  it('given a later fact after the stated end, when a bounded statement arrives, then it is not bounded again', () => {
    expect(decideStatement([fact('l', 'london', Y(2022))], statement('berlin', Y(2019), { validTo: Y(2021) }))).toEqual({ kind: 'add', invalidates: [] });
  });

  it('given Paris since 2020, when Berlin also from 2020 arrives, then the later transaction wins and Paris gets an empty interval', () => {
    expect(decideStatement([fact('p', 'paris', Y(2020))], statement('berlin', Y(2020)))).toEqual({
      kind: 'add',
      invalidates: [{ factId: 'p', validTo: Y(2020), byFactId: 'new' }],
    });
  });

  it('given Paris since 2020, when a statement says Paris until 2022, then it supports and ends Paris at 2022', () => {
    expect(decideStatement([fact('p', 'paris', Y(2020))], statement('paris', Y(2021), { validTo: Y(2022) }))).toEqual({ kind: 'support', factId: 'p', endAt: Y(2022) });
    expect(decideStatement([fact('p', 'paris', Y(2020))], statement('paris', OPEN_START, { validTo: Y(2022) }))).toEqual({ kind: 'support', factId: 'p', endAt: Y(2022) });
  });

  it('given any timeline, when a statement has an empty interval, then it is skipped', () => {
    expect(decideStatement([], statement('paris', Y(2022), { validTo: Y(2022) }))).toEqual({ kind: 'skip', reason: 'empty_interval' });
  });

  it('given hiking since 2021 on a multi-valued predicate, when hiking from 2019 arrives, then the overlapping statement supports it', () => {
    expect(decideStatement([fact('h', 'hiking', Y(2021))], statement('hiking', Y(2019), { singleValued: false }))).toEqual({ kind: 'support', factId: 'h' });
  });
});

describe('validity from revisions (deriveValidity)', () => {
  const at = (recordedAt: number, offset = recordedAt) => ({ recordedAt, partition: 0, offset });

  it('takes the earliest end, the first invalidation time and the binding invalidator', () => {
    const validity = deriveValidity(null, [
      { kind: 'invalidated', validTo: Y(2022), byFactId: 'london', ...at(10) },
      { kind: 'invalidated', validTo: Y(2021), byFactId: 'berlin', ...at(20) },
    ]);
    expect(validity).toEqual({ validTo: Y(2021), expiredAt: 10, invalidatedBy: 'berlin' });
  });

  it('does not expire a fact that was only ended, and keeps a stated end that is earlier', () => {
    expect(deriveValidity(null, [{ kind: 'ended', validTo: Y(2022), byFactId: null, ...at(5) }])).toEqual({ validTo: Y(2022), expiredAt: null, invalidatedBy: null });
    expect(deriveValidity(Y(2020), [{ kind: 'invalidated', validTo: Y(2022), byFactId: 'x', ...at(5) }])).toEqual({ validTo: Y(2020), expiredAt: 5, invalidatedBy: 'x' });
  });

  it('given no revisions, the stated end stands', () => {
    expect(deriveValidity(Y(2020), [])).toEqual({ validTo: Y(2020), expiredAt: null, invalidatedBy: null });
  });
});
