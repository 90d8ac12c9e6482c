import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFabric, type RunningFabric } from '@memfabric/fabric';
import { createIngestLogger } from '@memfabric/ingest';

/**
 * Property-based fuzzing of the HTTP API of the all-in-one server: valid requests mutated
 * (hostile times, lone surrogates, deep nesting, wrong types, huge numbers, broken encodings,
 * other media types) against ingest, recall and the audit routes. Properties: no response is a
 * 5xx, every response is JSON or problem+json, and afterwards the log verifies and every
 * acknowledged event was projected by every projection without a dead letter.
 *
 * Bounded: {@link RUNS} runs per property, each property interrupted after
 * {@link PROPERTY_TIME_LIMIT_MS} (the runs done so far still count). A failure prints the
 * fast-check seed and the shrunk request; re-run with that seed to reproduce it.
 */

const RUNS = 150;
const PROPERTY_TIME_LIMIT_MS = 12_000;
const ADMIN = 'fuzz-admin-token-0123456789abcdef';
const TENANT = 'fuzz';
const JSON_TYPES = /^application\/(problem\+)?json|^application\/cloudevents(-batch)?\+json/;

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
  readonly what: string;
}

/** Status counts per route, printed at the end (how much of the space was reached). */
const seen = new Map<string, Map<number, number>>();
/** Ids of events ingest acknowledged (200/201). */
const acknowledged = new Set<string>();

// ---------------------------------------------------------------- generators

/** Instants that break one rule each, and lookalikes that are fine. */
const HOSTILE_TIMES = [
  '2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '10000-01-01T00:00:00Z', '+002023-05-08T13:56:00Z', '2023-05-08 13:56:00Z',
  '2023-05-08t13:56:00Z', '2023-05-08T13:56:00z', '2023-02-30T00:00:00Z', '2023-04-31T00:00:00Z', '2023-05-08T24:00:00Z',
  '2023-05-08T13:60:00Z', '2023-05-08T13:56Z', '2023-05-08T13:56:00', '2023-05-08', '2023-05-08T13:56:00+24:00',
  '2023-05-08T13:56:00+0200', '1899-12-31T23:59:59Z', '2300-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00',
  '2023-05-08T13:56:00.1234567890Z', '2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '2023-05-08T13:56:00.5+05:30', 'yesterday', '',
];

const hostileTime: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_TIMES),
  fc
    .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.constantFrom('Z', 'z', '+01:00', '-23:59', '+24:00', ''))
    .map(([y, mo, d, h, s, z]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:${String(s).padStart(2, '0')}${z}`),
  fc.date({ min: new Date(Date.UTC(1850, 0, 1)), max: new Date(Date.UTC(2350, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string(),
  fc.integer(),
);

/** A string with a lone surrogate somewhere (JSON.stringify writes it as a `\udXXX` escape). */
const withLoneSurrogate = fc
  .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 8 }))
  .map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}${b}`);

/**
 * `depth` nested arrays or objects around a leaf. Kept as a marker until {@link serialize}
 * writes it as text: `JSON.stringify` (and fast-check's reporting) would overflow the stack on
 * a value thousands deep.
 */
class Deep {
  constructor(
    readonly depth: number,
    readonly objects: boolean,
  ) {}
  toJSON(): string {
    return `__deep_${this.depth}_${this.objects ? 'o' : 'a'}__`;
  }
  [fc.toStringMethod](): string {
    return `Deep(${this.depth}, ${this.objects ? 'objects' : 'arrays'})`;
  }
}
const deep = fc.tuple(fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 60, max: 6_000 })), fc.boolean()).map(([d, o]) => new Deep(d, o));

/** JSON text of `value`, with every {@link Deep} marker expanded into its nesting. */
function serialize(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(/"__deep_(\d+)_([oa])__"/g, (_m, depth: string, kind: string) => {
    const n = Number(depth);
    return kind === 'o' ? `${'{"n":'.repeat(n)}"leaf"${'}'.repeat(n)}` : `${'['.repeat(n)}"leaf"${']'.repeat(n)}`;
  });
}

const HUGE_NUMBERS = [1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 5e-324, 2 ** 64, -0, 0.1];
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: hostileTime },
  { weight: 2, arbitrary: withLoneSurrogate },
  { weight: 2, arbitrary: deep },
  { weight: 2, arbitrary: fc.constantFrom(...HUGE_NUMBERS) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, '', [], {}, 'x'.repeat(70_000), '\u0000', '../../etc/passwd', "'; DROP TABLE events; --", '<script>', '\u202e') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** Sets `value` at `path` inside a copy of `target` (creating objects as needed). */
function setAt(target: unknown, pathParts: readonly string[], value: unknown): unknown {
  if (pathParts.length === 0) return value;
  const [head, ...rest] = pathParts as [string, ...string[]];
  const base = typeof target === 'object' && target !== null && !Array.isArray(target) ? (target as Record<string, unknown>) : {};
  return { ...base, [head]: setAt(base[head], rest, value) };
}

/** Removes the member at `path` from a copy of `target`. */
function removeAt(target: unknown, pathParts: readonly string[]): unknown {
  if (typeof target !== 'object' || target === null || Array.isArray(target) || pathParts.length === 0) return target;
  const [head, ...rest] = pathParts as [string, ...string[]];
  const copy = { ...(target as Record<string, unknown>) };
  if (rest.length === 0) delete copy[head];
  else copy[head] = removeAt(copy[head], rest);
  return copy;
}

type Mutation = { kind: 'set'; path: string[]; value: unknown } | { kind: 'remove'; path: string[] };

function mutations(paths: readonly string[][], values: fc.Arbitrary<unknown> = hostileValue): fc.Arbitrary<Mutation[]> {
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...paths), value: values }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), path: fc.tuple(fc.string({ minLength: 1, maxLength: 12 })), value: values }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), path: fc.constantFrom(...paths) }) },
  );
  return fc.array(one, { minLength: 0, maxLength: 3 });
}

function apply(base: unknown, list: readonly Mutation[]): unknown {
  return list.reduce((value, m) => (m.kind === 'set' ? setAt(value, m.path, m.value) : removeAt(value, m.path)), base);
}

/** What is done to the serialized body: nothing mostly; sometimes raw-text damage. */
const rawDamage = fc.oneof(
  { weight: 12, arbitrary: fc.constant((text: string) => text) },
  { weight: 1, arbitrary: fc.nat().map((n) => (text: string) => text.slice(0, n % (text.length + 1))) },
  { weight: 1, arbitrary: fc.constant((text: string) => text.replace(/"[^"]*"/, '"\\ud800"')) },
  { weight: 1, arbitrary: fc.constant((text: string) => text.replace(/: ?[0-9.]+|: ?"[^"]*"/, ':1e400')) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 20_000 }).map((d) => (text: string) => `${'['.repeat(d)}${text}${']'.repeat(d)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }).map((junk) => (text: string) => `${text}${junk}`) },
  { weight: 1, arbitrary: fc.constant((text: string) => text.replace(/"/, '"\\u00')) },
);

/** Headers of the body: its media type and, now and then, a Content-Encoding it does not have. */
const bodyHeaders = (mediaType: string) =>
  fc.record({
    'content-type': fc.oneof({ weight: 10, arbitrary: fc.constant(mediaType) }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/xml', '') }),
    'content-encoding': fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'zstd', 'compress', 'identity') }),
  });

function validEvent(i: number): Record<string, unknown> {
  return {
    source: 'urn:memfabric:fuzz',
    type: 'interaction.recorded',
    time: '2023-05-08T13:56:00Z',
    tenantid: TENANT,
    streamid: `session-${i % 3}`,
    actor: 'fuzz-speaker',
    data: { kind: 'message', role: 'user', content: `Caroline went to the support group, turn ${i}`, speaker: 'Caroline' },
  };
}

function assertedEvent(i: number): Record<string, unknown> {
  return {
    ...validEvent(i),
    type: 'memory.asserted',
    data: { memoryid: `m-${i}`, memorytype: 'fact', content: `Caroline lives in Lisbon (${i})`, validfrom: '2023-01-01T00:00:00Z', validto: '2024-01-01T00:00:00Z', confidence: 0.9 },
  };
}

const EVENT_PATHS = [
  ['time'], ['actor'], ['idempotencykey'], ['tenantid'], ['streamid'], ['source'], ['subject'], ['datasubject'], ['id'], ['type'], ['dataschema'],
  ['specversion'], ['causationid'], ['correlationid'], ['traceparent'], ['batchid'], ['data'], ['data', 'content'], ['data', 'kind'],
  ['data', 'role'], ['data', 'speaker'], ['data', 'validfrom'], ['data', 'validto'], ['data', 'attributes'], ['data', 'confidence'], ['data', 'memoryid'],
];

const eventArb = fc
  .tuple(fc.nat(1_000_000), fc.boolean(), mutations(EVENT_PATHS))
  .map(([i, asserted, list]) => apply(asserted ? assertedEvent(i) : validEvent(i), list));
const batchArb = fc.oneof({ weight: 12, arbitrary: fc.array(eventArb, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: hostileValue });

const RECALL_PATHS = [
  ['query'], ['scope'], ['scope', 'tenant'], ['scope', 'streams'], ['scope', 'actors'], ['scope', 'agents'], ['k'], ['asOf'], ['asOf', 'time'],
  ['asOf', 'position'], ['validAt'], ['referenceTime'], ['consistencyToken'], ['preset'], ['weights'], ['weights', 'dense'], ['mmrLambda'], ['caller'],
];
const recallArb = fc
  .tuple(fc.string({ maxLength: 60 }), mutations(RECALL_PATHS))
  .map(([query, list]) => apply({ query: `Caroline ${query}`, scope: { tenant: TENANT }, k: 5, consistencyTimeoutMs: 0 }, list));

/** A path segment: valid ids, hostile strings, and raw percent sequences that are not UTF-8. */
const segment = fc.oneof(
  fc.constantFrom(TENANT, 'acme', 'session-1', 'fuzz-speaker', randomUUID(), `ent_${'0'.repeat(32)}`, '00000000-0000-7000-8000-000000000000'),
  fc.string({ minLength: 1, maxLength: 70 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%ED%A0%80', '%E0%A4%A', '%00', '%2F', '..', '%2e%2e', '%C0%AF', 'a%20b', '%FF', '%'),
);
const queryValue = fc.oneof(
  fc.constantFrom(...HOSTILE_TIMES).map((t) => encodeURIComponent(t)),
  fc.constantFrom('0', '1', '-1', '1.5', '1e3', '99999999999999999999', 'abc', '', '%ED%A0%80', '%'),
  fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)),
);

type Request = { method: 'GET' | 'POST'; url: string; body?: string; headers?: Record<string, string> };

const auditGet: fc.Arbitrary<Request> = fc.oneof(
  fc.tuple(segment, segment).map(([t, id]) => ({ method: 'GET' as const, url: `/v1/tenants/${t}/memories/${id}/history` })),
  fc.tuple(segment, segment).map(([t, id]) => ({ method: 'GET' as const, url: `/v1/tenants/${t}/entities/${id}/history` })),
  fc
    .tuple(segment, fc.option(queryValue), fc.option(queryValue), fc.option(segment))
    .map(([t, position, at, stream]) => ({ method: 'GET' as const, url: `/v1/tenants/${t}/state?${[position === null ? '' : `position=${position}`, at === null ? '' : `at=${at}`, stream === null ? '' : `stream=${stream}`].join('&')}` })),
  fc.tuple(segment, fc.option(queryValue), fc.option(queryValue)).map(([t, since, limit]) => ({ method: 'GET' as const, url: `/v1/tenants/${t}/reads?${since === null ? '' : `since=${since}`}&${limit === null ? '' : `limit=${limit}`}` })),
  fc.tuple(segment).map(([t]) => ({ method: 'GET' as const, url: `/v1/tenants/${t}/verify` })),
  fc.tuple(segment, segment, fc.option(queryValue), fc.option(queryValue)).map(([t, s, from, limit]) => ({ method: 'GET' as const, url: `/v1/tenants/${t}/streams/${s}/events?from=${from ?? ''}&limit=${limit ?? ''}` })),
  fc.tuple(segment).map(([id]) => ({ method: 'GET' as const, url: `/v1/events/${id}` })),
);

const ROLLBACK_PATHS = [['filter'], ['filter', 'streamid'], ['filter', 'actor'], ['filter', 'from'], ['filter', 'to'], ['filter', 'batchid'], ['filter', 'tenantid'], ['reason'], ['dryRun']];
const auditPost: fc.Arbitrary<Request> = fc.oneof(
  // dry runs only: a real rollback would be a legitimate write, not what is fuzzed here
  fc
    .tuple(segment, mutations(ROLLBACK_PATHS), rawDamage, bodyHeaders('application/json'))
    .map(([t, list, damage, headers]) => ({ method: 'POST' as const, url: `/v1/tenants/${t}/rollbacks?dryRun=true`, body: damage(serialize(apply({ filter: { streamid: 'session-1' }, reason: 'fuzz', dryRun: true }, list))), headers: clean(headers) })),
  fc
    .tuple(segment, mutations([['reason']]), rawDamage, bodyHeaders('application/json'))
    .map(([id, list, damage, headers]) => ({ method: 'POST' as const, url: `/v1/rollbacks/${id}/revert`, body: damage(serialize(apply({ reason: 'fuzz' }, list))), headers: clean(headers) })),
  // subjects no event names, so an erase that passes validation finds nothing to erase
  fc
    .tuple(segment, fc.oneof(segment, fc.constant('nobody-at-all')), mutations([['reason']]), rawDamage, bodyHeaders('application/json'))
    .map(([t, s, list, damage, headers]) => ({ method: 'POST' as const, url: `/v1/tenants/${t}/subjects/${s === 'fuzz-speaker' ? 'nobody' : s}/erase`, body: damage(serialize(apply({ reason: 'fuzz' }, list))), headers: clean(headers) })),
);

/** The route of a request, its parameters replaced by names (`GET /v1/tenants/{t}/memories/{id}/history`). */
function routeOf(req: Request): string {
  const route = req.url
    .split('?')[0]!
    .replace(/\/tenants\/[^/]*/, '/tenants/{t}')
    .replace(/\/(memories|entities|streams|subjects|rollbacks|events)\/[^/]+/, '/$1/{id}');
  return `${req.method} ${route}`;
}

function clean(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

// ---------------------------------------------------------------- the suite

describe('fuzzing the HTTP API of the all-in-one server', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-fuzz-'));
  let running: RunningFabric;

  beforeAll(async () => {
    running = await startFabric(
      {
        MEMFABRIC_DATA_DIR: dir,
        MEMFABRIC_INGEST_PORT: '0',
        MEMFABRIC_EMBEDDER: 'hash',
        MEMFABRIC_ADMIN_TOKEN: ADMIN,
        MEMFABRIC_RATE_LIMIT_PER_KEY: '0',
        MEMFABRIC_RATE_LIMIT_PER_TENANT: '0',
      },
      { logger: createIngestLogger('silent') },
    );
    const seeded = await send('seed', { method: 'POST', url: '/v1/events', body: JSON.stringify([validEvent(0), validEvent(1), assertedEvent(2)]), headers: { 'content-type': 'application/cloudevents-batch+json' } });
    expect(seeded.status).toBe(201);
    for (const r of (JSON.parse(seeded.text) as { results: { id: string }[] }).results) acknowledged.add(r.id);
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
    const summary = [...seen].map(([route, counts]) => `${route}: ${[...counts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    process.stderr.write(`fuzz responses by route and status\n  ${summary.join('\n  ')}\n  acknowledged events: ${acknowledged.size}\n`);
  });

  async function send(route: string, req: Request): Promise<Answer> {
    const res = await fetch(`${running.url}${req.url}`, {
      method: req.method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(req.headers ?? {}) },
      ...(req.body === undefined ? {} : { body: req.body }),
    });
    const text = await res.text();
    const counts = seen.get(route) ?? new Map<number, number>();
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    seen.set(route, counts);
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, what: `${req.method} ${req.url} ${req.body?.slice(0, 300) ?? ''}` };
  }

  /** Every answer: below 500, JSON or problem+json, and a body that parses. */
  function wellFormed(answer: Answer): void {
    expect(answer.status, answer.what).toBeLessThan(500);
    expect(answer.type, answer.what).toMatch(JSON_TYPES);
    expect(() => JSON.parse(answer.text) as unknown, answer.what).not.toThrow();
    if (answer.status >= 400) expect(answer.type, answer.what).toMatch(/^application\/problem\+json/);
  }

  const bounded = { numRuns: RUNS, interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true } as const;

  it('POST /v1/events: mutated batches never answer 5xx; what is acknowledged is stored', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, rawDamage, bodyHeaders('application/cloudevents-batch+json'), async (batch, damage, headers) => {
        const answer = await send('POST /v1/events', { method: 'POST', url: '/v1/events', body: damage(serialize(batch)), headers: clean(headers) });
        wellFormed(answer);
        if (answer.status === 200 || answer.status === 201) {
          for (const r of (JSON.parse(answer.text) as { results: { id: string }[] }).results) acknowledged.add(r.id);
        }
      }),
      bounded,
    );
    expect(acknowledged.size).toBeGreaterThan(3);
  });

  it('POST /v1/recall: mutated requests never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(recallArb, rawDamage, bodyHeaders('application/json'), async (body, damage, headers) => {
        wellFormed(await send('POST /v1/recall', { method: 'POST', url: '/v1/recall', body: damage(serialize(body)), headers: clean(headers) }));
      }),
      bounded,
    );
  });

  it('audit and stream reads: mutated parameters never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(auditGet, async (req) => {
        wellFormed(await send(routeOf(req), req));
      }),
      bounded,
    );
  });

  it('audit actions (rollback dry runs, reverts, erasures): mutated bodies and parameters never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(auditPost, async (req) => {
        wellFormed(await send(routeOf(req), req));
      }),
      bounded,
    );
  });

  it('afterwards the log verifies and every acknowledged event is projected, with no dead letter', async () => {
    const report = await running.fabric.log.verify();
    expect(report.valid, JSON.stringify(report.firstBroken)).toBe(true);
    for (const id of acknowledged) expect(await running.fabric.log.getEvent(id), id).toBeDefined();
    await running.fabric.catchUp();
    const status = await running.fabric.runtime.status();
    for (const projection of status) {
      const letters = projection.deadLetters > 0 ? await running.fabric.runtime.deadLetters(projection.name) : [];
      expect(projection.lag, projection.name).toBe(0);
      expect(letters.map((l) => `${l.eventType} ${l.eventId}: ${l.reason}`), projection.name).toEqual([]);
    }
  });
});
