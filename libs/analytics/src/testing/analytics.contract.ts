import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemfabricError, type ValidationError } from '@memfabric/errors';
import type { AnalyticsStore, TenantDailyStats } from '../port.js';
import { flatEvent, queryRow, uniqueId, uniqueTenant } from './fixtures.js';

/** What an adapter's test provides to the contract suite. */
export interface AnalyticsStoreFixture {
  /** A store that has not necessarily been migrated (the suite migrates it). */
  readonly store: AnalyticsStore;
  /** Releases everything the fixture created (the store may already be closed). */
  teardown(): Promise<void>;
}

/** Options of the contract suite. */
export interface AnalyticsContractOptions {
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
  /** Per-test timeout in ms (server adapters need more). */
  readonly timeoutMs?: number;
}

/** An empty day as {@link TenantDailyStats} reports it, for expectations. */
function day(tenantId: string, date: string, values: Partial<TenantDailyStats>): TenantDailyStats {
  return {
    tenantId,
    day: date,
    events: 0,
    eventsByType: {},
    erasedEvents: 0,
    contentChars: 0,
    streams: 0,
    actors: 0,
    queries: 0,
    latencyP50Ms: null,
    latencyP95Ms: null,
    channelLatency: {},
    unitsReturned: 0,
    distinctUnitsReturned: 0,
    ...values,
  };
}

/** Rounds every number to 9 decimals so interpolated quantiles compare exactly. */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v))) as T;
}

/**
 * The one contract every {@link AnalyticsStore} adapter passes: chDB always, a ClickHouse server
 * under testcontainers where a container runtime exists. Every test works in its own tenant, so
 * one store serves the whole suite. The last test closes the store.
 */
export function analyticsStoreContract(
  adapter: string,
  setup: () => Promise<AnalyticsStoreFixture>,
  options: AnalyticsContractOptions = {},
): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${adapter}] analytics store contract skipped: ${options.skipReason}`);

  suite(`AnalyticsStore contract: ${adapter}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: AnalyticsStoreFixture;
    let store: AnalyticsStore;
    beforeAll(async () => {
      fixture = await setup();
      store = fixture.store;
      await store.migrate();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('migrates idempotently: running it again keeps the tables and their rows', async () => {
      const t = uniqueTenant();
      await store.insertEvents([flatEvent(t)]);
      await store.migrate();
      await store.migrate();
      expect((await store.eventCounts(t)).events).toBe(1);
    });

    it('inserts events and queries idempotently: a redelivered batch is counted once, the later insert wins', async () => {
      const t = uniqueTenant();
      const events = [
        flatEvent(t, { offset: 1 }),
        flatEvent(t, { offset: 2, type: 'memory.asserted' }),
        flatEvent(t, { offset: 3, recordedAt: '2024-03-02T08:00:00.000Z' }),
      ];
      await store.insertEvents(events);
      await store.insertEvents(events);
      await store.insertEvents([events[0]!, events[0]!]);
      expect(await store.eventCounts(t)).toEqual({
        events: 3,
        erasedEvents: 0,
        byType: { 'interaction.recorded': 2, 'memory.asserted': 1 },
        byTenant: { [t]: 3 },
        lastRecordedAt: '2024-03-02T08:00:00.000Z',
      });
      // the same event flattened again after its subject was erased replaces the first row
      await store.insertEvents([{ ...events[1]!, erased: true, contentChars: 0 }]);
      expect(await store.eventCounts(t)).toMatchObject({ events: 3, erasedEvents: 1 });

      const query = queryRow(t);
      await store.insertQueries([query, query]);
      await store.insertQueries([query]);
      const [stats] = await store.tenantDailyStats({ tenant: t, from: '2024-03-01', to: '2024-03-01' });
      expect(stats).toMatchObject({ events: 2, queries: 1 });
    });

    it('accepts empty batches as no-ops', async () => {
      await store.insertEvents([]);
      await store.insertQueries([]);
    });

    it('computes daily stats per tenant: events by type, distinct streams and actors, query count, exact p50/p95, units', async () => {
      const t = uniqueTenant();
      const events = [
        flatEvent(t, { streamId: 's1', actor: 'caroline', contentChars: 10, worldTime: '2024-02-28T18:00:00.000Z' }),
        flatEvent(t, { streamId: 's2', actor: 'melanie', datasubject: 'melanie', contentChars: 20, worldTime: '2024-02-28T19:00:00.000Z' }),
        flatEvent(t, { streamId: 's1', actor: 'caroline', type: 'memory.asserted', contentChars: 5, worldTime: '2024-02-29T08:00:00.000Z' }),
        flatEvent(t, { streamId: 's1', actor: 'extractor', type: 'facts.extracted', contentChars: 0, worldTime: '2024-02-29T08:00:01.000Z' }),
        flatEvent(t, {
          streamId: 's3',
          actor: 'caroline',
          contentChars: 0,
          erased: true,
          worldTime: '2024-03-02T07:00:00.000Z',
          recordedAt: '2024-03-02T23:59:59.999Z',
        }),
      ];
      // total latencies 12, 3, 7, 250, 41 ms: sorted 3, 7, 12, 41, 250
      // p50: h = 4 * 0.5 = 2 -> 12; p95: h = 4 * 0.95 = 3.8 -> 41 + 0.8 * (250 - 41) = 208.2
      // dense 1, 2, 3 ms: p50 2; p95: h = 1.9 -> 2 + 0.9 * (3 - 2) = 2.9
      const at = (hh: string) => `2024-03-01T${hh}:00:00.000Z`;
      const queries = [
        queryRow(t, { totalLatencyMs: 12, channelLatencyMs: { dense: 3, lexical: 4 }, unitIds: ['u1', 'u2'], at: at('10') }),
        queryRow(t, { totalLatencyMs: 3, channelLatencyMs: { dense: 1 }, unitIds: ['u2'], at: at('11') }),
        queryRow(t, { totalLatencyMs: 7, channelLatencyMs: { dense: 2 }, unitIds: [], at: at('12') }),
        queryRow(t, { totalLatencyMs: 250, channelLatencyMs: {}, unitIds: ['u3', 'u1'], at: at('13'), asOf: '2024-02-01T00:00:00Z' }),
        queryRow(t, { totalLatencyMs: 41, channelLatencyMs: {}, unitIds: ['u4'], at: at('23'), validAt: '2023-12-24T00:00:00Z' }),
        // a day with queries and no events
        queryRow(t, { totalLatencyMs: 8, channelLatencyMs: {}, unitIds: ['u9'], at: '2024-03-03T00:00:00.000Z' }),
      ];
      await store.insertEvents(events);
      await store.insertQueries(queries);
      await store.insertEvents(events.slice(0, 3)); // redelivery changes nothing

      const expected = [
        day(t, '2024-03-01', {
          events: 4,
          eventsByType: { 'interaction.recorded': 2, 'memory.asserted': 1, 'facts.extracted': 1 },
          contentChars: 35,
          streams: 2,
          actors: 3,
          queries: 5,
          latencyP50Ms: 12,
          latencyP95Ms: 208.2,
          channelLatency: { dense: { p50Ms: 2, p95Ms: 2.9 }, lexical: { p50Ms: 4, p95Ms: 4 } },
          unitsReturned: 6,
          distinctUnitsReturned: 4,
        }),
        day(t, '2024-03-02', { events: 1, eventsByType: { 'interaction.recorded': 1 }, erasedEvents: 1, streams: 1, actors: 1 }),
        day(t, '2024-03-03', { queries: 1, latencyP50Ms: 8, latencyP95Ms: 8, unitsReturned: 1, distinctUnitsReturned: 1 }),
      ];
      expect(rounded(await store.tenantDailyStats({ tenant: t }))).toEqual(expected);

      // by world time the events move to the days the interactions happened; queries stay put
      const byWorld = rounded(await store.tenantDailyStats({ tenant: t, eventDay: 'world' }));
      expect(byWorld.map((d) => [d.day, d.events, d.streams, d.actors, d.contentChars, d.queries])).toEqual([
        ['2024-02-28', 2, 2, 2, 30, 0],
        ['2024-02-29', 2, 1, 2, 5, 0],
        ['2024-03-01', 0, 0, 0, 0, 5],
        ['2024-03-02', 1, 1, 1, 0, 0],
        ['2024-03-03', 0, 0, 0, 0, 1],
      ]);
      expect(byWorld[2]).toEqual(day(t, '2024-03-01', { ...expected[0]!, events: 0, eventsByType: {}, contentChars: 0, streams: 0, actors: 0 }));
    });

    it('filters by tenant and by day range', async () => {
      const a = uniqueTenant();
      const b = uniqueTenant();
      for (const t of [a, b]) {
        await store.insertEvents([
          flatEvent(t, { recordedAt: '2024-04-01T00:00:00.000Z' }),
          flatEvent(t, { recordedAt: '2024-04-02T00:00:00.000Z' }),
          flatEvent(t, { recordedAt: '2024-04-03T00:00:00.000Z' }),
        ]);
        await store.insertQueries([queryRow(t, { at: '2024-04-02T12:00:00.000Z' })]);
      }
      const onlyA = await store.tenantDailyStats({ tenant: a });
      expect(onlyA.map((d) => [d.tenantId, d.day])).toEqual([
        [a, '2024-04-01'],
        [a, '2024-04-02'],
        [a, '2024-04-03'],
      ]);
      const window = await store.tenantDailyStats({ tenant: a, from: '2024-04-02', to: '2024-04-02' });
      expect(window.map((d) => [d.day, d.events, d.queries])).toEqual([['2024-04-02', 1, 1]]);
      expect((await store.tenantDailyStats({ tenant: a, from: '2024-04-03' })).map((d) => d.day)).toEqual(['2024-04-03']);
      expect((await store.tenantDailyStats({ tenant: a, to: '2024-04-01' })).map((d) => d.day)).toEqual(['2024-04-01']);

      const all = await store.tenantDailyStats({ from: '2024-04-01', to: '2024-04-03' });
      const mine = all.filter((d) => d.tenantId === a || d.tenantId === b);
      expect(mine.map((d) => [d.tenantId, d.day])).toEqual(
        [a, b].sort().flatMap((t) => ['2024-04-01', '2024-04-02', '2024-04-03'].map((d) => [t, d])),
      );
      expect(all.every((d) => d.day >= '2024-04-01' && d.day <= '2024-04-03')).toBe(true);

      expect((await store.eventCounts(a)).byTenant).toEqual({ [a]: 3 });
      const everyone = await store.eventCounts();
      expect(everyone.byTenant[a]).toBe(3);
      expect(everyone.byTenant[b]).toBe(3);
      expect(everyone.events).toBeGreaterThanOrEqual(6);
    });

    it('stores instants in UTC with millisecond precision, whatever offset they were written with', async () => {
      const t = uniqueTenant();
      await store.insertEvents([
        flatEvent(t, { recordedAt: '2024-05-01T23:30:00.123456+02:00' }), // 21:30:00.123Z, May 1st
        flatEvent(t, { recordedAt: '2024-05-01T23:30:00-02:00' }), // 01:30Z, May 2nd
      ]);
      expect((await store.tenantDailyStats({ tenant: t })).map((d) => [d.day, d.events])).toEqual([
        ['2024-05-01', 1],
        ['2024-05-02', 1],
      ]);
      expect((await store.eventCounts(t)).lastRecordedAt).toBe('2024-05-02T01:30:00.000Z');
    });

    it('purges a data subject: its events (as subject or actor) and the queries it asked, in its tenant only', async () => {
      const t = uniqueTenant();
      const other = uniqueTenant();
      const events = [
        flatEvent(t, { actor: 'caroline', datasubject: 'caroline' }),
        flatEvent(t, { actor: 'melanie', datasubject: 'melanie' }),
        flatEvent(t, { actor: 'assistant', datasubject: 'caroline' }),
        flatEvent(t, { actor: 'caroline', datasubject: 'team' }),
      ];
      await store.insertEvents(events);
      await store.insertEvents([flatEvent(other, { actor: 'caroline', datasubject: 'caroline' })]);
      await store.insertQueries([queryRow(t, { caller: 'caroline' }), queryRow(t, { caller: 'caroline' }), queryRow(t, { caller: 'melanie' })]);
      await store.insertQueries([queryRow(other, { caller: 'caroline' })]);

      expect(await store.purgeSubject(t, 'caroline')).toEqual({ events: 3, queries: 2 });
      expect(await store.eventCounts(t)).toMatchObject({ events: 1, byType: { 'interaction.recorded': 1 } });
      expect((await store.tenantDailyStats({ tenant: t })).map((d) => [d.events, d.actors, d.queries])).toEqual([[1, 1, 1]]);
      expect((await store.eventCounts(other)).events).toBe(1);
      expect((await store.tenantDailyStats({ tenant: other }))[0]?.queries).toBe(1);
      expect(await store.purgeSubject(t, 'caroline')).toEqual({ events: 0, queries: 0 });

      expect(await store.purgeEvents(t, [events[1]!.eventId, events[1]!.eventId, 'no-such-event'])).toEqual({ events: 1, queries: 0 });
      expect((await store.eventCounts(t)).events).toBe(0);
      expect(await store.purgeEvents(t, [])).toEqual({ events: 0, queries: 0 });
    });

    it('binds values as parameters: quotes, backslashes, \\N and SQL fragments are data, not syntax', async () => {
      const hostile = [
        `x' OR 1=1 --${uniqueId('')}`,
        `x\\' OR ''='${uniqueId('')}`,
        `x\\N${uniqueId('')}`,
        `x\t\n${uniqueId('')}'); DROP TABLE events; --`,
      ];
      const bystander = uniqueTenant();
      await store.insertEvents([flatEvent(bystander, { actor: 'caroline' })]);
      for (const t of hostile) {
        await store.insertEvents([flatEvent(t, { actor: t, datasubject: t, streamId: t })]);
        await store.insertQueries([queryRow(t, { caller: t, unitIds: [t, `'`], channelLatencyMs: { [t]: 2 } })]);
        const stats = await store.tenantDailyStats({ tenant: t });
        expect(stats.map((d) => [d.tenantId, d.events, d.queries])).toEqual([[t, 1, 1]]);
        expect(Object.keys(stats[0]!.channelLatency)).toEqual([t]);
        expect(await store.eventCounts(t)).toMatchObject({ events: 1, byTenant: { [t]: 1 } });
      }
      // a literal `\N` tenant is a name, not NULL (which would mean every tenant)
      await store.insertEvents([flatEvent('\\N')]);
      expect((await store.tenantDailyStats({ tenant: '\\N' })).every((d) => d.tenantId === '\\N')).toBe(true);
      expect(Object.keys((await store.eventCounts('\\N')).byTenant)).toEqual(['\\N']);

      expect(await store.purgeSubject(bystander, `caroline' OR '1'='1`)).toEqual({ events: 0, queries: 0 });
      expect(await store.purgeEvents(bystander, [`x') OR 1=1 OR event_id IN ('`])).toEqual({ events: 0, queries: 0 });
      expect((await store.eventCounts(bystander)).events).toBe(1);
      for (const t of hostile) expect(await store.purgeSubject(t, t)).toEqual({ events: 1, queries: 1 });
      expect((await store.eventCounts(bystander)).events).toBe(1);
    });

    it('rejects invalid rows and filters with a ValidationError naming each field, writing nothing', async () => {
      const t = uniqueTenant();
      const error = (await store
        .insertEvents([flatEvent(t), flatEvent(t, { recordedAt: '2024-03-01 10:00', offset: -1, eventId: '' })])
        .catch((e: unknown) => e)) as ValidationError;
      expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
      expect(error.problems.map((p) => p.pointer).sort()).toEqual(['/1/eventId', '/1/offset', '/1/recordedAt']);
      expect((await store.eventCounts(t)).events).toBe(0);

      const queryError = (await store
        .insertQueries([queryRow(t, { totalLatencyMs: Number.NaN, channelLatencyMs: { dense: -1 }, unitIds: [''], asOf: 'yesterday' })])
        .catch((e: unknown) => e)) as ValidationError;
      expect(queryError.problems.map((p) => p.pointer).sort()).toEqual([
        '/0/asOf',
        '/0/channelLatencyMs/dense',
        '/0/totalLatencyMs',
        '/0/unitIds/0',
      ]);
      const filterError = (await store.tenantDailyStats({ from: '2024-02-30', to: '2024-13-01' }).catch((e: unknown) => e)) as ValidationError;
      expect(filterError.problems.map((p) => p.pointer)).toEqual(['/from', '/to']);
      await expect(store.tenantDailyStats({ from: '2024-03-02', to: '2024-03-01' })).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(store.purgeSubject(t, '')).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('lists a tenant query log oldest first: since (inclusive), limit, idempotent rows, every field read back', async () => {
      const t = uniqueTenant();
      const other = uniqueTenant();
      const first = queryRow(t, { at: '2024-06-01T10:00:00.000Z', unitIds: ['u1', 'u2'], channelLatencyMs: { dense: 1.5, lexical: 2 } });
      const second = queryRow(t, { at: '2024-06-01T11:00:00.000Z', preset: 'audit:history', caller: 'auditor', unitIds: ['u3'], channelLatencyMs: { history: 4 }, asOf: '2024-05-01T00:00:00+02:00' });
      const third = queryRow(t, { at: '2024-06-02T09:30:00.250Z', validAt: '2023-12-24T00:00:00Z', unitIds: [] });
      await store.insertQueries([third, first]);
      await store.insertQueries([second, first]);
      await store.insertQueries([queryRow(other, { at: '2024-06-01T10:30:00.000Z' })]);

      const all = await store.listQueries({ tenant: t });
      expect(all.map((q) => q.queryId)).toEqual([first.queryId, second.queryId, third.queryId]);
      expect(all[0]).toEqual({ ...first, asOf: null, validAt: null });
      expect(all[1]).toEqual({ ...second, asOf: '2024-04-30T22:00:00.000Z', validAt: null });
      expect(all[2]).toMatchObject({ validAt: '2023-12-24T00:00:00.000Z', unitIds: [], at: '2024-06-02T09:30:00.250Z' });

      expect((await store.listQueries({ tenant: t, since: '2024-06-01T11:00:00Z' })).map((q) => q.queryId)).toEqual([second.queryId, third.queryId]);
      expect((await store.listQueries({ tenant: t, since: '2024-06-01T12:00:00+01:00', limit: 1 })).map((q) => q.queryId)).toEqual([second.queryId]);
      expect(await store.listQueries({ tenant: uniqueTenant() })).toEqual([]);

      const error = (await store.listQueries({ tenant: '', since: 'yesterday', limit: 0 }).catch((e: unknown) => e)) as ValidationError;
      expect(error.problems.map((p) => p.pointer)).toEqual(['/tenant', '/since', '/limit']);
    });

    it('refuses calls once closed (retriable UnavailableError) and closes idempotently', async () => {
      await store.close();
      await store.close();
      await expect(store.eventCounts()).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.insertEvents([flatEvent(uniqueTenant())])).rejects.toMatchObject({ code: 'unavailable' });
    });
  });
}
