import { describe, expect, it } from 'vitest';
import { MemfabricError, type ValidationError } from '@memfabric/errors';
import {
  canonicalJson,
  canonicalJsonTemplate,
  chainHash,
  chainHashOfCanonical,
  checkEvent,
  dataschemaFor,
  derivedEventId,
  EVENT_LIMITS,
  EVENT_TYPES,
  GENESIS_HASH,
  INSTANT_RULE,
  MAX_JSON_DEPTH,
  normalizeBatch,
  normalizeEvent,
  parseDataschema,
  schemas,
  sha256Hex,
  UpcasterChain,
  type Upcaster,
} from './index.js';

const valid = {
  source: 'urn:memfabric:test',
  type: 'interaction.recorded',
  time: '2023-05-08T13:56:00Z',
  tenantid: 'conv-26',
  streamid: 'session_1',
  actor: 'Caroline',
  data: { kind: 'message', role: 'user', content: 'I went to a LGBTQ support group yesterday.' },
};

function validationError(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (MemfabricError.is(error) && error.code === 'validation_failed') return error as ValidationError;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('event catalog', () => {
  it('has a data schema for the current version of every event type', () => {
    for (const type of EVENT_TYPES) expect(Object.keys(schemas.dataSchemas)).toContain(dataschemaFor(type));
    expect(EVENT_TYPES).toHaveLength(9);
  });

  it('round-trips dataschema URNs', () => {
    expect(parseDataschema(dataschemaFor('memory.asserted'))).toEqual({ type: 'memory.asserted', version: 1 });
    expect(parseDataschema('https://example.org/x')).toBeUndefined();
  });
});

describe('event ids', () => {
  it('derives a name-based UUIDv5 (RFC 9562 §5.5): the same name always gives the same id', () => {
    const id = derivedEventId('facts:nlp@1:0190a3b4-0000-7000-8000-000000000001');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('facts:nlp@1:0190a3b4-0000-7000-8000-000000000001')).toBe(id);
    expect(derivedEventId('facts:nlp@2:0190a3b4-0000-7000-8000-000000000001')).not.toBe(id);
    // pinned: the namespace must never change, or replays would derive other ids
    expect(derivedEventId('locomo')).toBe('bd30b0da-8c28-5949-b19e-ab040ed28d78');
  });
});

describe('event validation', () => {
  it('fills in defaults: specversion, a UUIDv7 id, current dataschema, datasubject = actor', () => {
    const event = normalizeEvent(valid);
    expect(event).toMatchObject({
      specversion: '1.0',
      dataschema: 'urn:memfabric:schema:interaction.recorded:v2',
      datasubject: 'Caroline',
      datacontenttype: 'application/json',
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('names every bad field of every event in a batch', () => {
    const error = validationError(() =>
      normalizeBatch([
        valid,
        { ...valid, tenantid: 'has spaces', time: 'yesterday', extra: 1 },
        { ...valid, data: { kind: 'message', role: 'robot' } },
      ]),
    );
    expect(error.problems.map((p) => p.pointer).sort()).toEqual(['/1/extra', '/1/tenantid', '/1/time', '/2/data/content', '/2/data/role']);
  });

  it('rejects a type the catalog does not know and a dataschema of another type', () => {
    expect(checkEvent({ ...valid, type: 'memory.updated' }).map((p) => p.pointer)).toEqual(['/type']);
    expect(checkEvent({ ...valid, dataschema: 'urn:memfabric:schema:memory.asserted:v1' }).map((p) => p.pointer)).toEqual(['/dataschema']);
    expect(checkEvent({ ...valid, dataschema: 'urn:memfabric:schema:interaction.recorded:v9' }).map((p) => p.pointer)).toEqual(['/dataschema']);
  });

  it('enforces the explicit limits: content length, event bytes, batch size', () => {
    const long = { ...valid, data: { ...valid.data, content: 'x'.repeat(32_769) } };
    expect(checkEvent(long).map((p) => p.pointer)).toEqual(['/data/content']);
    const huge = { ...valid, data: { ...valid.data, attachments: Array.from({ length: 16 }, () => ({ mediatype: 'image/jpeg', caption: 'c'.repeat(4096), url: 'u'.repeat(8192) })) } };
    expect(checkEvent(huge)[0]?.detail).toMatch(`limit is ${EVENT_LIMITS.maxEventBytes}`);
    expect(validationError(() => normalizeBatch(Array.from({ length: EVENT_LIMITS.maxBatchEvents + 1 }, () => valid))).message).toMatch(
      /at most 1000/,
    );
    expect(validationError(() => normalizeBatch([])).message).toMatch(/at least one/);
    expect(validationError(() => normalizeBatch({ events: [] })).message).toMatch(/JSON array/);
  });

  it('takes only strict RFC 3339 instants in every date-time field, and names the rule', () => {
    for (const time of ['2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '2023-05-08 13:56:00Z', '2023-05-08t13:56:00Z', '2023-05-08T13:56:00z', '2023-02-30T00:00:00Z', '2023-05-08T24:00:00Z', '2023-05-08T13:56Z']) {
      const problems = checkEvent({ ...valid, time }, '/0');
      expect(problems, time).toEqual([{ pointer: '/0/time', detail: INSTANT_RULE }]);
    }
    const asserted = { ...valid, type: 'memory.asserted', data: { memoryid: 'm1', memorytype: 'fact', content: 'Caroline is a counselor' } };
    expect(checkEvent({ ...asserted, data: { ...asserted.data, validfrom: '2023-04-31T00:00:00Z', validto: '2023-05-01t00:00:00Z' } }).map((p) => p.pointer).sort()).toEqual([
      '/data/validfrom',
      '/data/validto',
    ]);
    expect(checkEvent({ ...asserted, data: { ...asserted.data, validfrom: '2023-05-01T00:00:00+02:00', validto: '2023-05-01T00:00:00.001+02:00' } })).toEqual([]);
  });

  it('rejects what a projection would dead-letter: a world time outside 1900-2299, an empty validity interval', () => {
    expect(checkEvent({ ...valid, time: '1899-12-31T23:59:59Z' }).map((p) => p.pointer)).toEqual(['/time']);
    expect(checkEvent({ ...valid, time: '2300-01-01T00:00:00Z' }).map((p) => p.pointer)).toEqual(['/time']);
    expect(checkEvent({ ...valid, time: '1900-01-01T00:00:00Z' })).toEqual([]);
    expect(checkEvent({ ...valid, time: '2299-12-31T23:59:59.999Z' })).toEqual([]);
    const data = { memoryid: 'm1', memorytype: 'fact', content: 'Caroline is a counselor' };
    expect(checkEvent({ ...valid, type: 'memory.asserted', data: { ...data, validfrom: '2023-05-01T00:00:00Z', validto: '2023-05-01T00:00:00Z' } }).map((p) => p.pointer)).toEqual([
      '/data/validto',
    ]);
    expect(checkEvent({ ...valid, type: 'memory.asserted', data: { ...data, validfrom: '2023-05-01T00:00:00Z', validto: '2023-05-01T02:00:00+02:00' } }).map((p) => p.pointer)).toEqual([
      '/data/validto',
    ]);
  });

  it('rejects lone surrogates and deep nesting by pointer, before the schemas and hashing see them', () => {
    expect(checkEvent({ ...valid, actor: 'Caro\ud800line' }, '/2')).toEqual([{ pointer: '/2/actor', detail: expect.stringContaining('lone surrogate') as string }]);
    expect(checkEvent({ ...valid, idempotencykey: '\udc00' }).map((p) => p.pointer)).toEqual(['/idempotencykey']);
    expect(checkEvent({ ...valid, data: { ...valid.data, '\ud83d': 'x' } }).map((p) => p.pointer)).toEqual(['/data/\ufffd']);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const problems = checkEvent({ ...valid, type: 'memory.asserted', data: { memoryid: 'm', memorytype: 'fact', content: 'c', attributes: deep } });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.detail).toContain(`deeper than ${MAX_JSON_DEPTH}`);
    expect(validationError(() => normalizeBatch([valid, { ...valid, actor: '\ud800' }])).problems.map((p) => p.pointer)).toEqual(['/1/actor']);
  });

  it('accepts every other catalog type with its own data schema', () => {
    const base = { source: 'urn:memfabric:test', time: '2023-05-08T13:56:00Z', tenantid: 't', streamid: 's', actor: 'ops' };
    const id = '018f2b6e-1c2d-7a3b-8c4d-5e6f7a8b9c0d';
    const cases: Record<string, unknown> = {
      'memory.asserted': { memoryid: 'm1', memorytype: 'fact', content: 'Caroline is a counselor', validfrom: '2023-05-01T00:00:00Z' },
      'memory.corrected': { supersedes: id, content: 'Caroline is a school counselor' },
      'memory.retracted': { target: id, reason: 'wrong person' },
      'facts.extracted': { sourceevent: id, extractor: { name: 'nlp', version: '1' }, entities: [{ name: 'Caroline', type: 'person' }], times: [], relations: [] },
      'rollback.applied': { filter: { tenantid: 't', streamid: 's' } },
      'rollback.reverted': { rollbackid: id },
      'subject.erased': { datasubject: 'Caroline' },
      'version.tagged': { tag: 'before-import', positions: [{ partition: 0, offset: 41 }] },
    };
    for (const [type, data] of Object.entries(cases)) expect(checkEvent({ ...base, type, data }), type).toEqual([]);
  });
});

describe('upcasting', () => {
  it('reads interaction.recorded v1 as v2', () => {
    const chain = new UpcasterChain();
    expect(chain.upcast('urn:memfabric:schema:interaction.recorded:v1', { role: 'assistant', text: 'hi', speaker: 'Bot' })).toEqual({
      dataschema: 'urn:memfabric:schema:interaction.recorded:v2',
      data: { kind: 'message', role: 'assistant', content: 'hi', speaker: 'Bot' },
    });
  });

  it('leaves current data alone and fails loudly on a gap in the chain', () => {
    const chain = new UpcasterChain([]);
    const current = { kind: 'message', role: 'user', content: 'x' };
    expect(chain.upcast(dataschemaFor('interaction.recorded'), current).data).toBe(current);
    expect(() => chain.upcast('urn:memfabric:schema:interaction.recorded:v1', { role: 'user', text: 'x' })).toThrow(/no upcaster/);
    const twice: Upcaster = { type: 'interaction.recorded', fromVersion: 1, upcast: (d) => d };
    expect(() => new UpcasterChain([twice, twice])).toThrow(/two upcasters/);
  });
});

describe('hash chain primitives', () => {
  it('canonicalizes per RFC 8785: key order and whitespace do not change the hash', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'é'], c: { z: 1.5, y: 1e21 } })).toBe('{"a":[true,null,"é"],"b":1,"c":{"y":1e+21,"z":1.5}}');
    expect(chainHash(GENESIS_HASH, { a: 1, b: 2 })).toBe(chainHash(GENESIS_HASH, { b: 2, a: 1 }));
    expect(chainHash(GENESIS_HASH, { a: 1 })).not.toBe(chainHash(GENESIS_HASH, { a: 2 }));
  });

  it('computes standard SHA-256', () => {
    // FIPS 180-4 test vector "abc"
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('canonical JSON against the reference implementation', () => {
  it('matches the canonicalize package (RFC 8785) on varied values', async () => {
    const { default: reference } = await import('canonicalize');
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const strings = ['', 'a', 'é', '€', '😀', '\n\t"\\', '\u0000\u001f', 'Ω≈ç√', 'z', 'A', 'aa', '\u00e9t\u00e9'];
    const numbers = [0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789012345680000, 5e-324, Number.MAX_SAFE_INTEGER, 0.1 + 0.2];
    const make = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) return strings[Math.floor(random() * strings.length)];
      if (r < 0.5) return numbers[Math.floor(random() * numbers.length)];
      if (r < 0.55) return random() < 0.5;
      if (r < 0.6) return null;
      if (r < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => make(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 5) }, () => [strings[Math.floor(random() * strings.length)]! + String(Math.floor(random() * 3)), make(depth + 1)]),
      );
    };
    for (let i = 0; i < 500; i += 1) {
      const value = make(0);
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });

  it('sorts member names that engines enumerate out of insertion order', async () => {
    const { default: reference } = await import('canonicalize');
    const values = [{ 10: 'a', 9: 'b', x: 1, '1x': 2 }, JSON.parse('{"__proto__":{"b":1,"a":2},"a":[{"2":0,"10":1}]}') as unknown, { a: { 0: null } }];
    for (const value of values) expect(canonicalJson(value)).toBe(reference(value));
    expect(canonicalJson({ 10: 'a', 9: 'b' })).toBe('{"10":"a","9":"b"}');
  });

  it('rejects what JSON cannot represent', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson('\uD800')).toThrow(/lone surrogate/);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson({ a: [1n] })).toThrow(TypeError);
    expect(() => canonicalJson({ 7: { a: Number.NaN } })).toThrow(TypeError);
  });
});

describe('canonical JSON with an open member', () => {
  const record = { id: 'e1', tenantid: 't', content: { iv: 'x', alg: 'A256GCM' }, zeta: [1, 'é'], skipped: undefined };

  it('fills the open member in with one concatenation, wherever it sorts', () => {
    for (const hole of ['aaa', 'streamposition', 'tenantid0', 'zzz']) {
      const [before, after] = canonicalJsonTemplate(record, hole);
      for (const value of [1, 42, 'x', null]) expect(before + canonicalJson(value) + after).toBe(canonicalJson({ ...record, [hole]: value }));
    }
    const odd = JSON.parse('{"__proto__":1,"10":2,"9":3,"z":4}') as Record<string, unknown>;
    const [b, a] = canonicalJsonTemplate(odd, 'q');
    expect(`${b}5${a}`).toBe('{"10":2,"9":3,"__proto__":1,"q":5,"z":4}');
    const [before, after] = canonicalJsonTemplate({}, 'p');
    expect(`${before}7${after}`).toBe('{"p":7}');
  });

  it('refuses a record that already has the member and what canonical JSON refuses', () => {
    expect(() => canonicalJsonTemplate({ streamposition: 1 }, 'streamposition')).toThrow(/already has/);
    expect(() => canonicalJsonTemplate({ a: '\uD800' }, 'p')).toThrow(/lone surrogate/);
  });

  it('hashes a record given as canonical JSON exactly as chainHash hashes the record', () => {
    const prev = chainHash(GENESIS_HASH, { a: 1 });
    expect(chainHashOfCanonical(prev, canonicalJson(record))).toBe(chainHash(prev, record));
    expect(chainHashOfCanonical(GENESIS_HASH, canonicalJson(record))).toBe(sha256Hex(canonicalJson({ prevhash: GENESIS_HASH, record })));
  });
});
