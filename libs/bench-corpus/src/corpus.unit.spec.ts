import { describe, expect, it } from 'vitest';
import { ValidationError } from '@memfabric/errors';
import { normalizeEvent, type InteractionRecorded } from '@memfabric/events';
import {
  contentWords,
  corpusEvents,
  generateQueries,
  LOCOMO_TURN_WORDS,
  mixSeed,
  planCorpus,
  Prng,
  QUERY_KINDS,
  sampleTurnWords,
  sessionTurns,
  ZipfPicker,
} from './index.js';

const contentOf = (e: { data?: unknown }) => (e.data as InteractionRecorded).content;

describe('Prng', () => {
  it('is Mulberry32: the reference outputs for seed 1', () => {
    const random = new Prng(1);
    expect([random.nextUint32(), random.nextUint32(), random.nextUint32()]).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('mixes seeds so that neighbouring inputs give unrelated seeds', () => {
    expect(mixSeed(1, 2, 3)).toBe(mixSeed(1, 2, 3));
    expect(mixSeed(1, 7)).not.toBe(mixSeed(1, 8));
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });

  it('draws Zipf-like: the first item most often, the rank-2 item about half as often (s = 1)', () => {
    const picker = new ZipfPicker(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 1);
    const random = new Prng(42);
    const counts = new Map<string, number>();
    for (let i = 0; i < 40_000; i++) {
      const item = picker.pick(random);
      counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    const ratio = counts.get('a')! / counts.get('b')!;
    expect(ratio).toBeGreaterThan(1.8);
    expect(ratio).toBeLessThan(2.2);
    expect(counts.get('h')).toBeLessThan(counts.get('g')!);
  });
});

describe('turn lengths', () => {
  it('follow the LoCoMo dev split (mean 23.1 words, median 20)', () => {
    const random = new Prng(7);
    const lengths = Array.from({ length: 20_000 }, () => sampleTurnWords(random)).sort((a, b) => a - b);
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    expect(LOCOMO_TURN_WORDS.reduce((a, b) => a + b, 0)).toBe(2760);
    expect(mean).toBeGreaterThan(22.3);
    expect(mean).toBeLessThan(23.9);
    expect(lengths[10_000]).toBeGreaterThanOrEqual(19);
    expect(lengths[10_000]).toBeLessThanOrEqual(21);
    expect(lengths[0]).toBeGreaterThanOrEqual(1);
    expect(lengths[lengths.length - 1]).toBeLessThanOrEqual(81);
  });
});

describe('planCorpus / corpusEvents', () => {
  it('given the same options, yields the same events; another seed, other events', () => {
    const a = [...corpusEvents(planCorpus({ units: 500, tenants: 5, seed: 3 }))];
    const b = [...corpusEvents(planCorpus({ units: 500, tenants: 5, seed: 3 }))];
    const c = [...corpusEvents(planCorpus({ units: 500, tenants: 5, seed: 4 }))];
    expect(b).toEqual(a);
    expect(c.map(contentOf)).not.toEqual(a.map(contentOf));
  });

  it('yields exactly `units` events, split evenly over the tenants, each a valid interaction.recorded', () => {
    const plan = planCorpus({ units: 2003, tenants: 10 });
    const events = [...corpusEvents(plan)];
    expect(events).toHaveLength(2003);
    const perTenant = new Map<string, number>();
    for (const e of events) perTenant.set(e.tenantid, (perTenant.get(e.tenantid) ?? 0) + 1);
    expect(perTenant.size).toBe(10);
    expect(Math.max(...perTenant.values()) - Math.min(...perTenant.values())).toBeLessThanOrEqual(1);
    for (const e of events.slice(0, 300)) expect(() => normalizeEvent(e)).not.toThrow();
    expect(new Set(events.map((e) => e.idempotencykey)).size).toBe(events.length);
  });

  it('has the shape of locomoEvents: stream session_<n>, actor = speaker, subject = sourceref = D<s>:<t>', () => {
    const [event] = corpusEvents(planCorpus({ units: 50, tenants: 1 }));
    const data = event!.data as unknown as InteractionRecorded;
    expect(event).toMatchObject({ type: 'interaction.recorded', tenantid: 'tenant-0000', streamid: 'session_1', subject: 'D1:1' });
    expect(data).toMatchObject({ kind: 'message', role: 'user', sourceref: 'D1:1' });
    expect(event!.actor).toBe(data.speaker);
    expect(event!.datasubject).toBe(data.speaker);
  });

  it('gives every stream two or more actors who alternate, sessions of LoCoMo length, no unfilled slot', () => {
    const plan = planCorpus({ units: 5000, tenants: 4 });
    for (const tenant of plan.tenants) {
      for (const session of tenant.sessions.slice(0, -1)) {
        expect(session.turns).toBeGreaterThanOrEqual(13);
        expect(session.turns).toBeLessThanOrEqual(43);
        const turns = sessionTurns(plan, tenant, session);
        expect(new Set(turns.map((t) => t.speaker)).size).toBeGreaterThanOrEqual(2);
        for (let i = 1; i < turns.length; i++) {
          expect(turns[i]!.speaker).not.toBe(turns[i - 1]!.speaker);
          expect(turns[i]!.time).toBeGreaterThan(turns[i - 1]!.time);
        }
        for (const t of turns) expect(t.text).not.toMatch(/[{}]/);
      }
      for (let i = 1; i < tenant.sessions.length; i++) expect(tenant.sessions[i]!.start).toBeGreaterThan(tenant.sessions[i - 1]!.start);
    }
  });

  it('skews tenant sizes on request and still sums to units', () => {
    const plan = planCorpus({ units: 10_000, tenants: 20, tenantSkew: 1 });
    const sizes = plan.tenants.map((t) => t.units);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(sizes[0]).toBeGreaterThan(sizes[19]! * 10);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
  });

  it('rejects bad options naming each field', () => {
    try {
      planCorpus({ units: 0, tenants: 0, seed: -1, tenantSkew: Number.NaN, start: 'soon' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map((p) => p.pointer)).toEqual(['/units', '/tenants', '/seed', '/tenantSkew', '/start']);
    }
    expect(() => planCorpus({ units: 5, tenants: 6 })).toThrow(/tenants/);
  });
});

describe('generateQueries', () => {
  const plan = planCorpus({ units: 4000, tenants: 20 });

  it('gives unique texts of every kind over random tenants, deterministically', () => {
    const queries = generateQueries(plan, { count: 400 });
    expect(generateQueries(plan, { count: 400 })).toEqual(queries);
    expect(new Set(queries.map((q) => q.text)).size).toBe(400);
    for (const kind of QUERY_KINDS) expect(queries.filter((q) => q.kind === kind).length).toBeGreaterThan(40);
    expect(new Set(queries.map((q) => q.tenant)).size).toBe(20);
    expect(queries[0]!.id).toBe('q-000001');
  });

  it('reuses words of an existing turn of the tenant for turn-words queries', () => {
    for (const q of generateQueries(plan, { count: 100, mix: { 'turn-words': 1, entity: 0, temporal: 0 } })) {
      const tenant = plan.tenants.find((t) => t.id === q.tenant)!;
      const session = tenant.sessions.find((s) => `session_${s.n}` === q.source!.stream)!;
      const turn = sessionTurns(plan, tenant, session).find((t) => t.ref === q.source!.ref)!;
      const words = contentWords(turn.text);
      const asked = contentWords(q.text).filter((w) => !['What', 'say', 'about', 'Remind', 'When', 'talk', turn.speaker].includes(w));
      for (const w of asked) expect(words).toContain(w);
    }
  });

  it("names the tenant's people in entity queries and resolves temporal ones after its last session", () => {
    const queries = generateQueries(plan, { count: 200, seed: 9, mix: { 'turn-words': 0 } });
    for (const q of queries) {
      const tenant = plan.tenants.find((t) => t.id === q.tenant)!;
      expect(tenant.cast.some((name) => q.text.includes(name))).toBe(true);
      expect(Date.parse(q.referenceTime)).toBeGreaterThan(tenant.sessions[tenant.sessions.length - 1]!.start);
    }
    expect(queries.some((q) => /last (January|February|March|April|May|June|July|August|September|October|November|December)\b/.test(q.text))).toBe(true);
  });

  it('never repeats a text of an excluded set', () => {
    const exclude = new Set<string>();
    const first = generateQueries(plan, { count: 200, seed: 1, exclude });
    const second = generateQueries(plan, { count: 200, seed: 2, exclude });
    const firstTexts = new Set(first.map((q) => q.text));
    expect(second.filter((q) => firstTexts.has(q.text))).toEqual([]);
    expect(exclude.size).toBe(400);
  });

  it('rejects bad options', () => {
    expect(() => generateQueries(plan, { count: 0 })).toThrow(ValidationError);
    expect(() => generateQueries(plan, { count: 5, mix: { 'turn-words': 0, entity: 0, temporal: 0 } })).toThrow(/mix/);
  });
});
