import { describe, expect, it } from 'vitest';
import { resolveTimeExpressions } from './time-expressions.js';

// Monday 8 May 2023, 13:56 UTC: the first session of LoCoMo's first conversation.
const REF = new Date('2023-05-08T13:56:00Z');

function resolveOne(text: string, reference = REF) {
  const found = resolveTimeExpressions(text, reference);
  expect(found).toHaveLength(1);
  const t = found[0]!;
  expect(text.slice(t.start, t.end)).toBe(t.text);
  return t;
}

describe('resolveTimeExpressions', () => {
  it.each([
    ['I went to a support group yesterday.', 'yesterday', '2023-05-07', '2023-05-08', 'day'],
    ['I started last week', 'last week', '2023-05-01', '2023-05-08', 'week'],
    ['this week is busy', 'this week', '2023-05-08', '2023-05-15', 'week'],
    ['two weeks ago', 'two weeks ago', '2023-04-24', '2023-05-01', 'week'],
    ['next month we travel', 'next month', '2023-06-01', '2023-07-01', 'month'],
    ['last month', 'last month', '2023-04-01', '2023-05-01', 'month'],
    ['two days ago', 'two days ago', '2023-05-06', '2023-05-07', 'day'],
    ['the race is in October', 'October', '2023-10-01', '2023-11-01', 'month'],
    ['it was on the 13th of October', '13th of October', '2023-10-13', '2023-10-14', 'day'],
    ['last Saturday we hiked', 'last Saturday', '2023-05-06', '2023-05-07', 'day'],
    ['last weekend', 'last weekend', '2023-05-06', '2023-05-08', 'weekend'],
    ['last year', 'last year', '2022-01-01', '2023-01-01', 'year'],
    ['back in 2022 I moved', '2022', '2022-01-01', '2023-01-01', 'year'],
    ['since 2019', '2019', '2019-01-01', '2020-01-01', 'year'],
    ['last summer', 'last summer', '2022-06-01', '2022-09-01', 'season'],
    ['in the spring of 2021', 'spring of 2021', '2021-03-01', '2021-06-01', 'season'],
    ['from May 1 to May 3', 'May 1 to May 3', '2023-05-01', '2023-05-04', 'day'],
    ['the past few days', 'past few days', '2023-05-05', '2023-05-09', 'span'],
  ])('%s → %s = [%s, %s) by %s', (text, expression, from, to, granularity) => {
    const t = resolveOne(text);
    expect(t.text).toBe(expression);
    expect(t.from).toBe(`${from}T00:00:00.000Z`);
    expect(t.to).toBe(`${to}T00:00:00.000Z`);
    expect(t.granularity).toBe(granularity);
  });

  it('resolves parts of days to hour intervals', () => {
    expect(resolveOne('this morning').from).toBe('2023-05-08T06:00:00.000Z');
    expect(resolveOne('this morning').to).toBe('2023-05-08T12:00:00.000Z');
    const night = resolveOne('last night');
    expect([night.from, night.to]).toEqual(['2023-05-07T18:00:00.000Z', '2023-05-08T06:00:00.000Z']);
  });

  it('makes an expression with a clock time an instant (start only)', () => {
    const t = resolveOne('at 5pm yesterday');
    expect(t.granularity).toBe('instant');
    expect(t.from).toBe('2023-05-07T17:00:00.000Z');
    expect(t.to).toBeUndefined();
  });

  it('crosses year boundaries in UTC', () => {
    const ref = new Date('2023-01-01T00:30:00Z');
    expect(resolveOne('yesterday', ref).from).toBe('2022-12-31T00:00:00.000Z');
    expect(resolveOne('last month', ref).from).toBe('2022-12-01T00:00:00.000Z');
    expect(resolveOne('last month', ref).to).toBe('2023-01-01T00:00:00.000Z');
  });

  it('drops ambiguous or uninformative matches', () => {
    for (const text of ['Now I know', 'I sat down in the sun', 'we dated for 4 years', 'I run in the morning', 'at night it is cold']) {
      expect(resolveTimeExpressions(text, REF)).toEqual([]);
    }
  });

  it('finds several expressions in text order with UTF-16 offsets', () => {
    const text = '😀 Yesterday I ran; last week I swam and next month I bike.';
    const found = resolveTimeExpressions(text, REF);
    expect(found.map((t) => t.text)).toEqual(['Yesterday', 'last week', 'next month']);
    for (const t of found) expect(text.slice(t.start, t.end)).toBe(t.text);
    expect(found[0]!.start).toBe(3);
  });

  it('returns nothing for empty text or an invalid reference', () => {
    expect(resolveTimeExpressions('', REF)).toEqual([]);
    expect(resolveTimeExpressions('yesterday', new Date(Number.NaN))).toEqual([]);
  });
});
