import { describe, expect, it } from 'vitest';
import { MemfabricError, type ValidationError } from '@memfabric/errors';
import {
  decodeDailyStats,
  decodeEventCounts,
  encodeEvent,
  encodeQuery,
  fromClickHouseTime,
  isDay,
  parseInstant,
  toClickHouseTime,
  validateDailyStatsFilter,
  validateFlatEvents,
  validateQueryLogRows,
} from './rows.js';
import { flatEvent, queryRow } from './testing/fixtures.js';

function problems(fn: () => void): string[] {
  try {
    fn();
  } catch (error) {
    expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
    return (error as ValidationError).problems.map((p) => p.pointer);
  }
  return [];
}

describe('time conversion', () => {
  it('reads ISO 8601 instants with an offset into UTC milliseconds, dropping sub-millisecond digits', () => {
    expect(toClickHouseTime(parseInstant('2024-03-01T23:30:00.123456+02:00')!)).toBe('2024-03-01 21:30:00.123');
    expect(toClickHouseTime(parseInstant('2024-03-01T10:00Z')!)).toBe('2024-03-01 10:00:00.000');
  });

  it('refuses local times, other formats and instants outside DateTime64', () => {
    for (const bad of ['2024-03-01T10:00:00', '2024-03-01 10:00:00Z', 'yesterday', '1899-12-31T23:59:59Z', '2300-01-01T00:00:00Z', 17, null]) {
      expect(parseInstant(bad)).toBeUndefined();
    }
  });

  it('turns ClickHouse DateTime64 text back into ISO 8601 UTC', () => {
    expect(fromClickHouseTime('2024-03-01 21:30:00.123')).toBe('2024-03-01T21:30:00.123Z');
    expect(fromClickHouseTime('2024-03-01 21:30:00')).toBe('2024-03-01T21:30:00.000Z');
  });

  it('accepts real calendar days only', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2023-02-29')).toBe(false);
    expect(isDay('2024-3-1')).toBe(false);
    expect(isDay('1969-12-31')).toBe(false);
  });
});

describe('validation', () => {
  it('names every bad field of flattened events by JSON Pointer', () => {
    const bad = { ...flatEvent('t'), tenantId: '', partition: 2 ** 32, contentChars: 1.5, erased: 'no', worldTime: '2024-03-01' };
    expect(problems(() => validateFlatEvents([flatEvent('t'), bad as never]))).toEqual([
      '/1/tenantId',
      '/1/partition',
      '/1/contentChars',
      '/1/erased',
      '/1/worldTime',
    ]);
    expect(problems(() => validateFlatEvents([null as never]))).toEqual(['/0']);
    expect(problems(() => validateFlatEvents([flatEvent('t')]))).toEqual([]);
  });

  it('names every bad field of query-log rows, escaping channel names in pointers', () => {
    const bad = { ...queryRow('t'), k: -1, channelLatencyMs: { 'a/b': Number.POSITIVE_INFINITY }, unitIds: 'u1', validAt: '2024' };
    expect(problems(() => validateQueryLogRows([bad as never]))).toEqual(['/0/k', '/0/channelLatencyMs/a~1b', '/0/unitIds', '/0/validAt']);
    expect(problems(() => validateQueryLogRows([queryRow('t', { asOf: undefined, validAt: null })]))).toEqual([]);
  });

  it('checks daily-stats filters', () => {
    expect(problems(() => validateDailyStatsFilter({ tenant: '', eventDay: 'valid' as never }))).toEqual(['/tenant', '/eventDay']);
    expect(problems(() => validateDailyStatsFilter({ from: '2024-03-02', to: '2024-03-01' }))).toEqual(['/from']);
    expect(problems(() => validateDailyStatsFilter({}))).toEqual([]);
  });
});

describe('row encoding', () => {
  it('writes events as JSONEachRow rows keyed by column, times in UTC', () => {
    expect(encodeEvent(flatEvent('t', { eventId: 'e1', recordedAt: '2024-03-01T00:00:00.5-01:00' }))).toMatchObject({
      event_id: 'e1',
      tenant_id: 't',
      recorded_at: '2024-03-01 01:00:00.500',
      world_time: '2024-03-01 09:00:00.000',
      log_partition: 0,
      log_offset: 0,
      erased: false,
    });
  });

  it('writes queries with a map of channel latencies, unit ids and nullable time bounds', () => {
    expect(encodeQuery(queryRow('t', { queryId: 'q1', asOf: '2024-01-01T00:00:00Z' }))).toMatchObject({
      query_id: 'q1',
      channel_latency_ms: { dense: 1, lexical: 1 },
      unit_ids: ['u1'],
      as_of: '2024-01-01 00:00:00.000',
      valid_at: null,
      queried_at: '2024-03-01 12:00:00.000',
    });
  });
});

describe('result decoding', () => {
  it('reads daily stats whether 64-bit integers come quoted and tuples as arrays or objects', () => {
    const [day] = decodeDailyStats([
      {
        tenant_id: 't',
        day: '2024-03-01',
        events: '3',
        events_by_type: [
          ['interaction.recorded', '2'],
          { type: 'memory.asserted', n: '1' },
        ],
        erased_events: '0',
        content_chars: '12',
        streams: '1',
        actors: '2',
        queries: '2',
        latency_ms: [5, 9.5],
        units_returned: '4',
        distinct_units: '3',
        channels: [{ channel: 'dense', p50: 1, p95: 2 }],
      },
    ]);
    expect(day).toEqual({
      tenantId: 't',
      day: '2024-03-01',
      events: 3,
      eventsByType: { 'interaction.recorded': 2, 'memory.asserted': 1 },
      erasedEvents: 0,
      contentChars: 12,
      streams: 1,
      actors: 2,
      queries: 2,
      latencyP50Ms: 5,
      latencyP95Ms: 9.5,
      channelLatency: { dense: { p50Ms: 1, p95Ms: 2 } },
      unitsReturned: 4,
      distinctUnitsReturned: 3,
    });
  });

  it('reports no latency for a day without queries (outer-join defaults or NULLs)', () => {
    const [a, b] = decodeDailyStats([
      { tenant_id: 't', day: '2024-03-01', events: 1, queries: 0, latency_ms: [] },
      { tenant_id: 't', day: '2024-03-02', events: 1, queries: null, latency_ms: null, channels: null },
    ]);
    expect([a!.latencyP50Ms, a!.latencyP95Ms, b!.queries, b!.latencyP95Ms, b!.channelLatency]).toEqual([null, null, 0, null, {}]);
  });

  it('sums event counts over tenants and types', () => {
    expect(
      decodeEventCounts([
        { tenant_id: 'a', type: 'x', events: '2', erased_events: '1', last_recorded_at: '2024-03-01 10:00:00.000' },
        { tenant_id: 'b', type: 'x', events: 3, erased_events: 0, last_recorded_at: '2024-03-02 10:00:00.000' },
        { tenant_id: 'b', type: 'y', events: 1, erased_events: 0, last_recorded_at: '2024-01-01 00:00:00.000' },
      ]),
    ).toEqual({ events: 6, erasedEvents: 1, byType: { x: 5, y: 1 }, byTenant: { a: 2, b: 4 }, lastRecordedAt: '2024-03-02T10:00:00.000Z' });
    expect(decodeEventCounts([])).toEqual({ events: 0, erasedEvents: 0, byType: {}, byTenant: {}, lastRecordedAt: null });
  });
});
