import { describe, expect, it } from 'vitest';
import { INSTANT_RULE, isInstant, MAX_INSTANT_MS, MIN_INSTANT_MS, parseInstant } from './index.js';

describe('parseInstant: the one RFC 3339 instant rule', () => {
  it('accepts RFC 3339 instants with Z or a numeric offset and a fraction of 1-9 digits', () => {
    expect(parseInstant('2023-05-08T13:56:00Z')).toBe(Date.UTC(2023, 4, 8, 13, 56));
    expect(parseInstant('2023-05-08T13:56:00.5Z')).toBe(Date.UTC(2023, 4, 8, 13, 56, 0, 500));
    expect(parseInstant('2023-05-08T13:56:00.123456789Z')).toBe(Date.UTC(2023, 4, 8, 13, 56, 0, 123));
    expect(parseInstant('2023-05-08T15:56:00+02:00')).toBe(Date.UTC(2023, 4, 8, 13, 56));
    expect(parseInstant('2023-05-08T13:56:00-00:00')).toBe(Date.UTC(2023, 4, 8, 13, 56));
    expect(parseInstant('2023-05-08T00:00:00+23:59')).toBe(Date.UTC(2023, 4, 7, 0, 1));
    expect(parseInstant('2024-02-29T23:59:59Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    expect(parseInstant('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
  });

  it('accepts years 0001 to 9999 and the bounds of that range in UTC', () => {
    expect(parseInstant('0001-01-01T00:00:00Z')).toBe(MIN_INSTANT_MS);
    expect(parseInstant('9999-12-31T23:59:59.999Z')).toBe(MAX_INSTANT_MS);
    expect(new Date(MIN_INSTANT_MS).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(new Date(MAX_INSTANT_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it.each([
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['a five-digit year', '10000-01-01T00:00:00Z'],
    ['an expanded year', '+002023-01-01T00:00:00Z'],
    ['a space for T', '2023-05-08 13:56:00Z'],
    ['a lowercase t', '2023-05-08t13:56:00Z'],
    ['a lowercase z', '2023-05-08T13:56:00z'],
    ['no offset', '2023-05-08T13:56:00'],
    ['no seconds', '2023-05-08T13:56Z'],
    ['an offset without a colon', '2023-05-08T13:56:00+0200'],
    ['an offset hour of 24', '2023-05-08T13:56:00+24:00'],
    ['an offset minute of 60', '2023-05-08T13:56:00+01:60'],
    ['30 February', '2023-02-30T00:00:00Z'],
    ['29 February of a common year', '2023-02-29T00:00:00Z'],
    ['29 February of 1900', '1900-02-29T00:00:00Z'],
    ['31 April', '2023-04-31T00:00:00Z'],
    ['day 00', '2023-04-00T00:00:00Z'],
    ['month 00', '2023-00-10T00:00:00Z'],
    ['month 13', '2023-13-10T00:00:00Z'],
    ['hour 24', '2023-05-08T24:00:00Z'],
    ['minute 60', '2023-05-08T13:60:00Z'],
    ['an empty fraction', '2023-05-08T13:56:00.Z'],
    ['a ten-digit fraction', '2023-05-08T13:56:00.1234567890Z'],
    ['a date only', '2023-05-08'],
    ['year 0001 shifted into year 0000 by its offset', '0001-01-01T00:00:00+01:00'],
    ['year 9999 shifted into year 10000 by its offset', '9999-12-31T23:59:59-01:00'],
    ['surrounding white space', ' 2023-05-08T13:56:00Z'],
    ['a trailing newline', '2023-05-08T13:56:00Z\n'],
    ['words', 'yesterday'],
  ])('rejects %s (%j)', (_why, value) => {
    expect(parseInstant(value)).toBeUndefined();
    expect(isInstant(value)).toBe(false);
  });

  it('rejects what is not a string', () => {
    for (const value of [undefined, null, 0, Date.UTC(2023, 0, 1), new Date(), ['2023-05-08T13:56:00Z'], {}]) expect(parseInstant(value)).toBeUndefined();
  });

  it('describes the rule in words with an example', () => {
    expect(INSTANT_RULE).toContain('RFC 3339 date-time');
    expect(INSTANT_RULE).toContain('2023-05-08T13:56:00Z');
  });
});
