import { describe, expect, it } from 'vitest';
import { MemfabricError, type ValidationError } from '@memfabric/errors';
import { identifier, optionalInstant } from './params.js';

/** The field problems of the ValidationError `run` throws. */
function problems(run: () => unknown): { pointer: string; detail: string }[] {
  try {
    run();
  } catch (error) {
    if (MemfabricError.is(error) && error.code === 'validation_failed') return [...(error as ValidationError).problems];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('identifier: the rule of each parameter', () => {
  it('tenant and stream ids follow the event envelope patterns, as at ingest', () => {
    expect(identifier('acme', '/path/tenant')).toBe('acme');
    expect(identifier('conv-26.a_b', '/path/tenant')).toBe('conv-26.a_b');
    for (const bad of ['', '-lead', 'a:b', 'has space', 'x'.repeat(65), 'a/b', 'ten\u00e4nt', '..', 7]) {
      expect(problems(() => identifier(bad, '/path/tenant')), String(bad)).toEqual([{ pointer: '/path/tenant', detail: expect.stringContaining('1-64') as string }]);
    }
    expect(identifier('session:1', '/query/stream')).toBe('session:1');
    expect(identifier('s'.repeat(128), '/query/stream')).toBe('s'.repeat(128));
    for (const bad of ['', 's'.repeat(129), 'a b', ':lead', 'a/b']) {
      expect(problems(() => identifier(bad, '/query/stream')).map((p) => p.pointer), bad).toEqual(['/query/stream']);
    }
  });

  it('unit and rollback ids are UUIDs, entity ids ent_ and 32 hex digits', () => {
    expect(identifier('018f2b6e-1c2d-7a3b-8c4d-5e6f7a8b9c0d', '/path/id')).toBe('018f2b6e-1c2d-7a3b-8c4d-5e6f7a8b9c0d');
    expect(identifier('018F2B6E-1C2D-7A3B-8C4D-5E6F7A8B9C0D', '/path/id')).toBe('018F2B6E-1C2D-7A3B-8C4D-5E6F7A8B9C0D');
    expect(identifier(`ent_${'0a'.repeat(16)}`, '/path/id')).toBe(`ent_${'0a'.repeat(16)}`);
    for (const bad of ['m1', '../etc/passwd', `ent_${'0'.repeat(31)}`, `ent_${'A'.repeat(32)}`, '018f2b6e1c2d7a3b8c4d5e6f7a8b9c0d', '\ud800']) {
      expect(problems(() => identifier(bad, '/path/id')), bad).toEqual([{ pointer: '/path/id', detail: expect.stringContaining('UUID') as string }]);
    }
  });

  it("a data subject is what the envelope's datasubject allows: 1-256 characters, not blank, no control characters", () => {
    for (const ok of ['maya', 'Caroline Smith', 'user:42/a', 'Zoë 😀', 'x'.repeat(256)]) expect(identifier(ok, '/path/subject')).toBe(ok);
    for (const bad of ['', '   ', 'x'.repeat(257), 'a\nb', 'a\u0000b', 'a\u007fb', 'a\ud800b', 3]) {
      expect(problems(() => identifier(bad, '/path/subject')).map((p) => p.pointer), JSON.stringify(bad)).toEqual(['/path/subject']);
    }
  });
});

describe('optionalInstant: the instant rule of ingest and recall', () => {
  it('returns an RFC 3339 instant as given, or undefined when absent', () => {
    expect(optionalInstant(undefined, 'at')).toBeUndefined();
    expect(optionalInstant('2024-02-29T12:00:00+01:00', 'at')).toBe('2024-02-29T12:00:00+01:00');
    expect(optionalInstant('2024-03-01T12:00:00.123456Z', 'since')).toBe('2024-03-01T12:00:00.123456Z');
  });

  it('refuses calendar-impossible dates, T24:00, leap seconds, lowercase, a missing offset or seconds, and repeats', () => {
    for (const bad of ['2023-02-30T00:00:00Z', '2023-04-31T00:00:00Z', '2023-05-08T24:00:00Z', '2016-12-31T23:59:60Z', '2023-05-08t10:00:00z', '2023-05-08T10:00:00', '2023-05-08T10:00Z', '0000-01-01T00:00:00Z', 'yesterday']) {
      expect(problems(() => optionalInstant(bad, 'at')), bad).toEqual([{ pointer: '/query/at', detail: expect.stringContaining('RFC 3339') as string }]);
    }
    expect(problems(() => optionalInstant(['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'], 'since'))).toEqual([{ pointer: '/query/since', detail: 'must be given once' }]);
  });
});
