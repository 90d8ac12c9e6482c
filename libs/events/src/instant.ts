/**
 * The one rule for an instant on the wire (RFC 3339 §5.6 `date-time`, narrowed to what every
 * projection can order and store):
 *
 * - `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`: uppercase `T` and `Z` only, seconds required,
 *   an offset required (`Z`, or `+HH:MM` / `-HH:MM` with hours 00-23 and minutes 00-59);
 * - a real Gregorian calendar date (no `2023-02-30`, no `2023-04-31`; 29 February only in
 *   leap years), years 0001-9999;
 * - hours 00-23 (no `T24:00`), minutes 00-59, seconds 00-59 (no leap second `:60`, which
 *   ECMAScript dates cannot represent);
 * - a fraction of 1 to 9 digits (kept to the millisecond);
 * - the instant, converted to UTC, still falls in years 0001-9999
 *   (`0001-01-01T00:00:00Z` to `9999-12-31T23:59:59.999Z`), so its canonical UTC form exists.
 *
 * Ingest (through the `date-time` format of the event schemas), recall (`validAt`, `asOf.time`,
 * `referenceTime`) and the audit API (`at`, `since`) all apply it, so anything acknowledged is
 * something every read model can parse.
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Earliest accepted instant, `0001-01-01T00:00:00.000Z`, in ms since the Unix epoch. */
export const MIN_INSTANT_MS = -62_135_596_800_000;
/** Latest accepted instant, `9999-12-31T23:59:59.999Z`, in ms since the Unix epoch. */
export const MAX_INSTANT_MS = 253_402_300_799_999;

/** How a rejected instant is described to a client (field problem `detail`). */
export const INSTANT_RULE =
  'must be an RFC 3339 date-time with an offset, uppercase T and Z, seconds 00-59, a real calendar date and a year 0001-9999, e.g. 2023-05-08T13:56:00Z';

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Milliseconds since the Unix epoch of a strict RFC 3339 instant (the rules above).
 *
 * @param value - anything; only a string can be an instant.
 * @returns the instant in ms (sub-millisecond digits truncated), or `undefined` when `value` is
 *   not a string following every rule. Never throws.
 */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = INSTANT.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) return undefined;
  return ms;
}

/**
 * Whether `value` is a strict RFC 3339 instant (see {@link parseInstant}). Registered as the
 * `date-time` format of the event schemas.
 */
export function isInstant(value: unknown): value is string {
  return parseInstant(value) !== undefined;
}
