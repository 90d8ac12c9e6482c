import { ValidationError, type FieldProblem } from '@memfabric/errors';
import type { EventColumn, QueryColumn } from './sql.js';
import type { DailyStatsFilter, EventCounts, FlatEvent, LatencyQuantiles, QueryListFilter, QueryLogRow, TenantDailyStats } from './port.js';
import type { ResultRow } from './executor.js';

// ---------------------------------------------------------------- time

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/i;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// DateTime64's range (ClickHouse 22.8+ reads 1900-01-01 .. 2299-12-31 23:59:59.999).
const MIN_MS = Date.UTC(1900, 0, 1);
const MAX_MS = Date.UTC(2300, 0, 1) - 1;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function daysIn(year: number, month: number): number {
  return month === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** An instant read from ISO 8601: epoch ms and the `DateTime64(3)` text in UTC. */
interface Instant {
  readonly ms: number;
  readonly text: string;
}

/**
 * Reads an ISO 8601 instant with an explicit offset, checking the calendar (no 30 February).
 * Instants written in UTC (the log's own form) become ClickHouse text by slicing, without a
 * `Date` round trip: this runs twice per row on the insert path.
 */
function readInstant(value: unknown): Instant | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO_INSTANT.exec(value);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss = '00', frac = '', z, sign, ohs, oms] = m;
  const [y, mo, d, h, mi, sec] = [Number(ys), Number(mos), Number(ds), Number(hs), Number(mis), Number(ss)];
  if (y < 1899 || y > 2300 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59) return undefined;
  const msText = (frac + '000').slice(0, 3);
  let offsetMs = 0;
  if (z === undefined) {
    const [oh, om] = [Number(ohs), Number(oms)];
    if (oh > 23 || om > 59) return undefined;
    offsetMs = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec, Number(msText)) - offsetMs;
  if (ms < MIN_MS || ms > MAX_MS) return undefined;
  const text = offsetMs === 0 ? `${ys}-${mos}-${ds} ${hs}:${mis}:${ss}.${msText}` : toClickHouseTime(ms);
  return { ms, text };
}

/**
 * Parses an ISO 8601 instant with an explicit offset (`Z` or `±hh:mm`) into epoch ms, or
 * `undefined` when it is not one, names an impossible date, or lies outside `DateTime64`'s
 * range (years 1900-2299).
 */
export function parseInstant(value: unknown): number | undefined {
  return readInstant(value)?.ms;
}

/** Epoch ms to ClickHouse's `DateTime64(3)` text in UTC, `YYYY-MM-DD hh:mm:ss.sss` (sub-ms dropped). */
export function toClickHouseTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** ClickHouse `DateTime64(3, 'UTC')` text back to ISO 8601 (`...Z`). */
export function fromClickHouseTime(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`expected a DateTime64 string, got ${JSON.stringify(value)}`);
  const [date, time = '00:00:00'] = value.split(' ');
  const [hms = '00:00:00', frac = ''] = time.split('.');
  return `${date}T${hms}.${frac.padEnd(3, '0').slice(0, 3)}Z`;
}

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DAY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 1970 && y <= 2149 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}

// ---------------------------------------------------------------- validation

const UINT32_MAX = 4_294_967_295;
const FLAT_TEXT_FIELDS = ['eventId', 'tenantId', 'streamId', 'type', 'dataschema', 'source', 'actor', 'datasubject', 'batchId'] as const;
const QUERY_TEXT_FIELDS = ['queryId', 'tenantId', 'caller', 'queryHash', 'preset'] as const;

/** Collects field problems; pointers are built only for fields that fail (validation runs per row on hot paths). */
class Problems {
  readonly list: FieldProblem[] = [];
  /** `base` is a row index (`/3`) or a pointer prefix ('' for the top level). */
  private static pointer(base: number | string, key: string | number): string {
    return `${typeof base === 'number' ? `/${base}` : base}/${key}`;
  }
  add(pointer: string, detail: string): void {
    this.list.push({ pointer, detail });
  }
  text(base: number | string, key: string | number, value: unknown): void {
    if (typeof value === 'string' && value.length > 0) return;
    this.add(Problems.pointer(base, key), typeof value === 'string' ? 'must not be empty' : 'must be a string');
  }
  integer(base: number | string, key: string, value: unknown, max = Number.MAX_SAFE_INTEGER): void {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max) return;
    this.add(Problems.pointer(base, key), `must be an integer from 0 to ${max}`);
  }
  milliseconds(base: number | string, key: string, value: unknown): void {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return;
    this.add(Problems.pointer(base, key), 'must be a finite number of milliseconds >= 0');
  }
  instant(base: number | string, key: string, value: unknown): void {
    if (readInstant(value) !== undefined) return;
    this.add(Problems.pointer(base, key), 'must be an ISO 8601 instant with an offset (Z or ±hh:mm) between 1900 and 2299');
  }
  throwIfAny(what: string): void {
    if (this.list.length > 0) {
      const first = this.list[0]!;
      const more = this.list.length > 1 ? ` (and ${this.list.length - 1} more)` : '';
      throw new ValidationError(`invalid ${what}: ${first.pointer} ${first.detail}${more}`, this.list);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks flattened events before an insert.
 * @throws ValidationError listing every bad field as a JSON Pointer into `rows` (`/2/offset`).
 */
export function validateFlatEvents(rows: readonly FlatEvent[]): void {
  const p = new Problems();
  if (!Array.isArray(rows)) p.add('', 'must be an array of flattened events');
  else
    rows.forEach((row: unknown, i) => {
      if (!isRecord(row)) return p.add(`/${i}`, 'must be an object');
      for (const key of FLAT_TEXT_FIELDS) p.text(i, key, row[key]);
      p.integer(i, 'streamPosition', row['streamPosition']);
      p.integer(i, 'partition', row['partition'], UINT32_MAX);
      p.integer(i, 'offset', row['offset']);
      p.integer(i, 'contentChars', row['contentChars'], UINT32_MAX);
      if (typeof row['erased'] !== 'boolean') p.add(`/${i}/erased`, 'must be a boolean');
      p.instant(i, 'worldTime', row['worldTime']);
      p.instant(i, 'recordedAt', row['recordedAt']);
    });
  p.throwIfAny('flattened events');
}

/**
 * Checks query-log rows before an insert.
 * @throws ValidationError listing every bad field as a JSON Pointer into `rows`.
 */
export function validateQueryLogRows(rows: readonly QueryLogRow[]): void {
  const p = new Problems();
  if (!Array.isArray(rows)) p.add('', 'must be an array of query-log rows');
  else
    rows.forEach((row: unknown, i) => {
      if (!isRecord(row)) return p.add(`/${i}`, 'must be an object');
      for (const key of QUERY_TEXT_FIELDS) p.text(i, key, row[key]);
      p.integer(i, 'k', row['k'], UINT32_MAX);
      p.milliseconds(i, 'totalLatencyMs', row['totalLatencyMs']);
      const channels = row['channelLatencyMs'];
      if (!isRecord(channels)) p.add(`/${i}/channelLatencyMs`, 'must be an object of channel name to milliseconds');
      else
        for (const [name, ms] of Object.entries(channels)) {
          const key = name.replaceAll('~', '~0').replaceAll('/', '~1');
          if (name.length === 0) p.add(`/${i}/channelLatencyMs/`, 'channel name must not be empty');
          p.milliseconds(`/${i}/channelLatencyMs`, key, ms);
        }
      const units = row['unitIds'];
      if (!Array.isArray(units)) p.add(`/${i}/unitIds`, 'must be an array of unit ids');
      else units.forEach((u: unknown, j) => p.text(`/${i}/unitIds`, j, u));
      for (const key of ['asOf', 'validAt'] as const) {
        const value = row[key];
        if (value !== undefined && value !== null) p.instant(i, key, value);
      }
      p.instant(i, 'at', row['at']);
    });
  p.throwIfAny('query-log rows');
}

/**
 * Checks a daily-stats filter.
 * @throws ValidationError when a day is not `YYYY-MM-DD`, `from` is after `to`, the tenant is
 * empty, or `eventDay` is not `recorded`/`world`.
 */
export function validateDailyStatsFilter(filter: DailyStatsFilter): void {
  const p = new Problems();
  if (!isRecord(filter)) p.add('', 'must be an object');
  else {
    if (filter.tenant !== undefined) p.text('', 'tenant', filter.tenant);
    for (const key of ['from', 'to'] as const) {
      if (filter[key] !== undefined && !isDay(filter[key])) p.add(`/${key}`, 'must be a UTC day written YYYY-MM-DD (1970-2149)');
    }
    if (isDay(filter.from) && isDay(filter.to) && filter.from > filter.to) p.add('/from', `must not be after to (${filter.to})`);
    if (filter.eventDay !== undefined && filter.eventDay !== 'recorded' && filter.eventDay !== 'world') {
      p.add('/eventDay', "must be 'recorded' or 'world'");
    }
  }
  p.throwIfAny('daily stats filter');
}

/** Default and largest `limit` of {@link QueryListFilter}. */
export const QUERY_LIST_LIMITS = { default: 1000, max: 10_000 } as const;

/**
 * Checks a query-list filter.
 * @throws ValidationError when the tenant is empty, `since` is not an ISO 8601 instant with an
 * offset, or `limit` is not an integer from 1 to {@link QUERY_LIST_LIMITS}.max.
 */
export function validateQueryListFilter(filter: QueryListFilter): void {
  const p = new Problems();
  if (!isRecord(filter)) p.add('', 'must be an object');
  else {
    p.text('', 'tenant', filter.tenant);
    if (filter.since !== undefined) p.instant('', 'since', filter.since);
    const limit = filter.limit;
    if (limit !== undefined && !(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 1 && limit <= QUERY_LIST_LIMITS.max)) {
      p.add('/limit', `must be an integer from 1 to ${QUERY_LIST_LIMITS.max}`);
    }
  }
  p.throwIfAny('query list filter');
}

/** `since` of a query-list filter as `DateTime64(3)` text, or null (validated input assumed). */
export function queryListSince(filter: QueryListFilter): string | null {
  return filter.since === undefined ? null : readInstant(filter.since)!.text;
}

/**
 * Checks the arguments of a purge.
 * @throws ValidationError when a name is empty or not a string.
 */
export function validatePurge(fields: Readonly<Record<string, unknown>>): void {
  const p = new Problems();
  for (const [name, value] of Object.entries(fields)) {
    if (Array.isArray(value)) value.forEach((v: unknown, j) => p.text(`/${name}`, j, v));
    else p.text('', name, value);
  }
  p.throwIfAny('purge request');
}

// ---------------------------------------------------------------- encoding

/** A flattened event as a `JSONEachRow` row of the events table (validated input assumed). */
export function encodeEvent(row: FlatEvent): Record<EventColumn, string | number | boolean> {
  return {
    event_id: row.eventId,
    tenant_id: row.tenantId,
    stream_id: row.streamId,
    stream_position: row.streamPosition,
    type: row.type,
    dataschema: row.dataschema,
    source: row.source,
    actor: row.actor,
    datasubject: row.datasubject,
    world_time: readInstant(row.worldTime)!.text,
    recorded_at: readInstant(row.recordedAt)!.text,
    log_partition: row.partition,
    log_offset: row.offset,
    batch_id: row.batchId,
    content_chars: row.contentChars,
    erased: row.erased,
  };
}

/** A query-log row as a `JSONEachRow` row of the queries table (validated input assumed). */
export function encodeQuery(row: QueryLogRow): Record<QueryColumn, unknown> {
  const time = (value: string | null | undefined) => (value === undefined || value === null ? null : readInstant(value)!.text);
  return {
    query_id: row.queryId,
    tenant_id: row.tenantId,
    caller: row.caller,
    query_hash: row.queryHash,
    k: row.k,
    preset: row.preset,
    channel_latency_ms: { ...row.channelLatencyMs },
    total_latency_ms: row.totalLatencyMs,
    unit_ids: [...row.unitIds],
    as_of: time(row.asOf),
    valid_at: time(row.validAt),
    queried_at: time(row.at),
  };
}

// ---------------------------------------------------------------- decoding

/** A number from JSON output, where 64-bit integers may be quoted. */
function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return 0;
}

/** A tuple from JSON output: an array, or an object when the server names tuple elements. */
function tuple(value: unknown): unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  if (isRecord(value)) return Object.values(value);
  return [];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** Decodes rows of {@link AnalyticsSql.dailyStats}. */
export function decodeDailyStats(rows: readonly ResultRow[]): TenantDailyStats[] {
  return rows.map((row) => {
    const eventsByType: Record<string, number> = {};
    for (const entry of list(row['events_by_type'])) {
      const [type, n] = tuple(entry);
      if (typeof type === 'string') eventsByType[type] = num(n);
    }
    const channelLatency: Record<string, LatencyQuantiles> = {};
    for (const entry of list(row['channels'])) {
      const [channel, p50, p95] = tuple(entry);
      if (typeof channel === 'string') channelLatency[channel] = { p50Ms: num(p50), p95Ms: num(p95) };
    }
    const queries = num(row['queries']);
    const latency = list(row['latency_ms']);
    return {
      tenantId: String(row['tenant_id']),
      day: String(row['day']),
      events: num(row['events']),
      eventsByType,
      erasedEvents: num(row['erased_events']),
      contentChars: num(row['content_chars']),
      streams: num(row['streams']),
      actors: num(row['actors']),
      queries,
      latencyP50Ms: queries > 0 && latency.length === 2 ? num(latency[0]) : null,
      latencyP95Ms: queries > 0 && latency.length === 2 ? num(latency[1]) : null,
      channelLatency,
      unitsReturned: num(row['units_returned']),
      distinctUnitsReturned: num(row['distinct_units']),
    };
  });
}

/** Decodes rows of {@link AnalyticsSql.eventCounts} into totals. */
export function decodeEventCounts(rows: readonly ResultRow[]): EventCounts {
  let events = 0;
  let erasedEvents = 0;
  let last: string | null = null;
  const byType: Record<string, number> = {};
  const byTenant: Record<string, number> = {};
  for (const row of rows) {
    const n = num(row['events']);
    const tenant = String(row['tenant_id']);
    const type = String(row['type']);
    events += n;
    erasedEvents += num(row['erased_events']);
    byType[type] = (byType[type] ?? 0) + n;
    byTenant[tenant] = (byTenant[tenant] ?? 0) + n;
    const at = fromClickHouseTime(row['last_recorded_at']);
    if (last === null || at > last) last = at;
  }
  return { events, erasedEvents, byType, byTenant, lastRecordedAt: last };
}

/** Decodes rows of {@link AnalyticsSql.listQueries}. */
export function decodeQueryLog(rows: readonly ResultRow[]): QueryLogRow[] {
  return rows.map((row) => {
    const channels: Record<string, number> = {};
    const map = row['channel_latency_ms'];
    if (isRecord(map)) for (const [name, ms] of Object.entries(map)) channels[name] = num(ms);
    const time = (value: unknown) => (value === null || value === undefined ? null : fromClickHouseTime(value));
    return {
      queryId: String(row['query_id']),
      tenantId: String(row['tenant_id']),
      caller: String(row['caller']),
      queryHash: String(row['query_hash']),
      k: num(row['k']),
      preset: String(row['preset']),
      channelLatencyMs: channels,
      totalLatencyMs: num(row['total_latency_ms']),
      unitIds: list(row['unit_ids']).map(String),
      asOf: time(row['as_of']),
      validAt: time(row['valid_at']),
      at: fromClickHouseTime(row['queried_at']),
    };
  });
}

/** The single `n` of a count statement. */
export function decodeCount(rows: readonly ResultRow[]): number {
  return num(rows[0]?.['n']);
}
