import * as chrono from 'chrono-node';
import type { ParsedComponents, ParsedResult, ParsingContext } from 'chrono-node';

/**
 * Time expressions resolved to absolute UTC intervals against a reference instant (the
 * event's world time), with chrono-node (casual English) plus a few rules of our own.
 *
 * Resolution rules (all times UTC; intervals are half-open `[start, end)`):
 *
 * | the expression names | interval | examples (reference Mon 8 May 2023 13:56Z) |
 * |---|---|---|
 * | a clock time | an instant: `start` only | "at 5pm yesterday" → 2023-05-07T17:00Z |
 * | a part of a day | morning 06–12, afternoon 12–18, evening 18–24, night/tonight 18–06 next day | "last night" → 05-07T18:00..05-08T06:00 |
 * | a weekend | Saturday 00:00 to Monday 00:00 (the weekend holding the date, else the next one) | "last weekend" → 05-06..05-08 |
 * | a week (unit word "week") | ISO 8601 week, Monday 00:00 to next Monday | "last week" → 05-01..05-08 |
 * | a month (unit word, or a month name without a day) | the whole calendar month | "next month" → 06-01..07-01; "in October" → 2023-10-01..11-01 |
 * | a year (unit word, or a year alone) | the whole calendar year | "last year", "in 2022" → 2022-01-01..2023-01-01 |
 * | a day (a date, a weekday, a relative day) | the whole day | "yesterday" → 05-07..05-08; "on the 13th of October" → 10-13..10-14 |
 * | a season | meteorological, northern hemisphere: spring Mar–May, summer Jun–Aug, autumn Sep–Nov, winter Dec–Feb | "last summer" → 2022-06-01..09-01 |
 * | "past/next few <unit>s" | from the resolved date to the reference, at day/month/year granularity | "the past few days" → 05-05..05-09 |
 * | a range ("May 1 to May 3") | start of the first granule to the end of the last | 05-01..05-04 |
 *
 * Which year or week a bare name means is chrono's choice (`forwardDate: false`): the closest
 * one to the reference ("in October" said in May 2023 is October 2023; "last Saturday" is the
 * most recent Saturday before the reference). A bare year is recognised after a preposition
 * ("in 2022", "since 2019").
 *
 * Dropped as too ambiguous or uninformative: "now"/"right now" (the reference itself), a bare
 * part of day or "weekend" without a deictic word ("in the morning", "at night"), lower-case
 * weekday abbreviations ("sat", "sun"), and durations introduced by "for" ("for 4 years"),
 * which wink-nlp reports as quantities instead.
 */

/** One time expression found in a text and its resolved interval. */
export interface TimeExpression {
  /** The expression as written (trailing punctuation removed). */
  readonly text: string;
  /** Offset of the expression in the text, UTF-16 code units. */
  readonly start: number;
  /** Offset just past the expression, UTF-16 code units. */
  readonly end: number;
  /** Start of the interval (or the instant), RFC 3339 UTC with milliseconds. */
  readonly from: string;
  /** End of the interval, exclusive, RFC 3339 UTC; absent for an instant. */
  readonly to?: string;
  /** The granularity the rules chose. */
  readonly granularity: TimeGranularity;
}

/** Granularity of a resolved time expression (see the rules on {@link resolveTimeExpressions}). */
export type TimeGranularity = 'instant' | 'part-of-day' | 'day' | 'weekend' | 'week' | 'month' | 'season' | 'year' | 'span';

const DAY_MS = 86_400_000;
/** Bounds of a 4-digit RFC 3339 year. */
const MIN_TIME = Date.parse('0001-01-01T00:00:00Z');
const MAX_TIME = Date.parse('9999-12-31T00:00:00Z');

interface Ymd {
  readonly y: number;
  /** 1-based month. */
  readonly m: number;
  readonly d: number;
}

function ymdOf(c: ParsedComponents | Date): Ymd {
  const date = c instanceof Date ? c : c.date();
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

function dayStart({ y, m, d }: Ymd): number {
  return Date.UTC(y, m - 1, d);
}

function monthStart(y: number, m: number): number {
  return Date.UTC(y, m - 1, 1);
}

function isoWeekStart(ymd: Ymd): number {
  const t = dayStart(ymd);
  const dow = (new Date(t).getUTCDay() + 6) % 7; // Monday = 0
  return t - dow * DAY_MS;
}

function weekendStart(ymd: Ymd): number {
  const t = dayStart(ymd);
  const dow = new Date(t).getUTCDay(); // Sunday = 0, Saturday = 6
  if (dow === 6) return t;
  if (dow === 0) return t - DAY_MS;
  return t + (6 - dow) * DAY_MS;
}

const SEASON_TAG = 'memfabric/season';
const YEAR_TAG = 'memfabric/year';

const SEASONS: Readonly<Record<string, number>> = { spring: 3, summer: 6, fall: 9, autumn: 9, winter: 12 };

/** Seasons: "last summer", "this winter", "in the spring of 2021", "during the summer". */
const seasonParser: chrono.Parser = {
  pattern: () =>
    /\b(?:(last|this|next|past|coming)\s+(spring|summer|fall|autumn|winter)|(?:in|during|over)\s+the\s+(spring|summer|fall|autumn|winter)(?:\s+of\s+((?:19|20)\d{2}))?)\b/i,
  extract: (context: ParsingContext, match: RegExpMatchArray) => {
    const deictic = match[1]?.toLowerCase();
    const name = (match[2] ?? match[3] ?? '').toLowerCase();
    const first = SEASONS[name];
    if (first === undefined) return null;
    const ref = context.refDate;
    const refYear = ref.getUTCFullYear();
    const startOf = (year: number): number => monthStart(year, first);
    const endOf = (year: number): number => monthStart(year, first + 3);
    let year: number;
    if (match[4]) year = Number(match[4]);
    else if (deictic === 'last' || deictic === 'past') {
      year = refYear;
      while (endOf(year) > ref.getTime()) year -= 1;
    } else if (deictic === 'next' || deictic === 'coming') {
      year = refYear - 1;
      while (startOf(year) <= ref.getTime()) year += 1;
    } else {
      // "this summer" / "in the summer": the season of the reference year (winter: the one that
      // started last December when the reference is in January or February).
      year = first === 12 && ref.getUTCMonth() < 2 ? refYear - 1 : refYear;
    }
    const s = new Date(startOf(year));
    const e = new Date(endOf(year) - DAY_MS);
    const result = context.createParsingResult(
      match.index ?? 0,
      match[0],
      { year: s.getUTCFullYear(), month: s.getUTCMonth() + 1, day: s.getUTCDate() },
      { year: e.getUTCFullYear(), month: e.getUTCMonth() + 1, day: e.getUTCDate() },
    );
    result.addTag(SEASON_TAG);
    return result;
  },
};

/**
 * A year after a preposition: "in 2022", "since 2019", "back in 2015". The match keeps the
 * preposition (chrono drops results whose text is only digits); it is trimmed afterwards.
 */
const yearParser: chrono.Parser = {
  pattern: () => /\b(?:in|since|during|from|by|until|till|before|after|around)\s+((?:19|20)\d{2})\b(?!\s*(?:%|\$|[.,]\d))/i,
  extract: (context: ParsingContext, match: RegExpMatchArray) => {
    const year = match[1];
    if (!year) return null;
    const result = context.createParsingResult(match.index ?? 0, match[0], { year: Number(year) });
    result.addTag(YEAR_TAG);
    return result;
  },
};

let engine: chrono.Chrono | undefined;

function chronoEngine(): chrono.Chrono {
  if (!engine) {
    engine = chrono.casual.clone();
    engine.parsers.push(seasonParser, yearParser);
  }
  return engine;
}

/** "sat" and "sun" in lower case are almost always the verb and the star, not weekdays. */
const WEEKDAY_LOOKALIKE = /\b(?:sat|sun)\b/;
const BARE_PART_OF_DAY = /^(?:(?:in|at|during|the|in the|at the|during the)\s+)?(?:morning|afternoon|evening|night|weekend|day)s?$/;
const DROPPED = new Set(['now', 'right now', 'just now']);
const PART_OF_DAY = /\b(morning|afternoon|evening|night|tonight)\b/;
const SPAN = /\b(?:past|last|next|coming|previous)\s+(?:few|couple(?:\s+of)?|several|\d+|two|three|four|five|six|seven|eight|nine|ten)\s+(day|week|month|year)s?\b/;

function keep(result: ParsedResult): boolean {
  const t = result.text.toLowerCase().trim();
  if (DROPPED.has(t)) return false;
  if (WEEKDAY_LOOKALIKE.test(result.text)) return false; // case-sensitive: "Sat" stays
  if (BARE_PART_OF_DAY.test(t)) return false;
  if (/^for\b/.test(t)) return false;
  return true;
}

type Interval = readonly [number, number | undefined, TimeGranularity];

function granuleOf(c: ParsedComponents, lower: string, isSeason: boolean, reference: Date): Interval {
  const ymd = ymdOf(c);
  if (isSeason) return [dayStart(ymd), dayStart(ymd) + DAY_MS, 'season'];
  const part = PART_OF_DAY.exec(lower)?.[1];
  if (part && !c.isCertain('hour')) {
    const day = dayStart(ymd);
    if (part === 'morning') return [day + 6 * 3_600_000, day + 12 * 3_600_000, 'part-of-day'];
    if (part === 'afternoon') return [day + 12 * 3_600_000, day + 18 * 3_600_000, 'part-of-day'];
    if (part === 'evening') return [day + 18 * 3_600_000, day + DAY_MS, 'part-of-day'];
    return [day + 18 * 3_600_000, day + DAY_MS + 6 * 3_600_000, 'part-of-day'];
  }
  if (c.isCertain('hour')) return [c.date().getTime(), undefined, 'instant'];
  if (/\bweekends?\b/.test(lower)) {
    const s = weekendStart(ymd);
    return [s, s + 2 * DAY_MS, 'weekend'];
  }
  if (/\bweeks?\b/.test(lower)) {
    // chrono puts "this week" on a Sunday; the rule is the reference's own week.
    const s = isoWeekStart(/\bthis\s+week\b/.test(lower) ? ymdOf(reference) : ymd);
    return [s, s + 7 * DAY_MS, 'week'];
  }
  const monthGranule: Interval = [monthStart(ymd.y, ymd.m), monthStart(ymd.y, ymd.m + 1), 'month'];
  const yearGranule: Interval = [monthStart(ymd.y, 1), monthStart(ymd.y + 1, 1), 'year'];
  if (/\bmonths?\b/.test(lower)) return monthGranule;
  if (/\byears?\b/.test(lower)) return yearGranule;
  if (c.isCertain('day') || c.isCertain('weekday')) return [dayStart(ymd), dayStart(ymd) + DAY_MS, 'day'];
  if (c.isCertain('month')) return monthGranule;
  if (c.isCertain('year')) return yearGranule;
  return [dayStart(ymd), dayStart(ymd) + DAY_MS, 'day'];
}

function spanOf(c: ParsedComponents, unit: string, reference: Date): Interval {
  const a = ymdOf(c);
  const r = ymdOf(reference);
  const [lo, hi] = dayStart(a) <= dayStart(r) ? [a, r] : [r, a];
  if (unit === 'month') return [monthStart(lo.y, lo.m), monthStart(hi.y, hi.m + 1), 'span'];
  if (unit === 'year') return [monthStart(lo.y, 1), monthStart(hi.y + 1, 1), 'span'];
  return [dayStart(lo), dayStart(hi) + DAY_MS, 'span'];
}

function resolve(result: ParsedResult, text: string, reference: Date): Interval {
  const lower = text.toLowerCase();
  const isSeason = result.tags().has(SEASON_TAG);
  const span = SPAN.exec(lower);
  if (span?.[1] && !result.end) return spanOf(result.start, span[1], reference);
  const first = granuleOf(result.start, lower, isSeason, reference);
  if (!result.end) return first;
  const last = granuleOf(result.end, lower, isSeason, reference);
  const end = last[1] ?? last[0];
  return end > first[0] ? [first[0], end, isSeason ? 'season' : first[2]] : first;
}

/**
 * Finds time expressions in `text` and resolves each to an absolute UTC interval against
 * `reference` (the event's world time), by the rules in this module's header.
 *
 * @param text - the text to scan (any length; callers cap it).
 * @param reference - the reference instant (UTC).
 * @returns expressions in text order, non-overlapping; never throws on odd text (a parser
 *   failure yields an empty list).
 */
export function resolveTimeExpressions(text: string, reference: Date): TimeExpression[] {
  if (text.trim() === '' || Number.isNaN(reference.getTime())) return [];
  let results: ParsedResult[];
  try {
    results = chronoEngine().parse(text, { instant: reference, timezone: 0 }, { forwardDate: false });
  } catch {
    return [];
  }
  const out: TimeExpression[] = [];
  let lastEnd = -1;
  for (const result of [...results].sort((a, b) => a.index - b.index || b.text.length - a.text.length)) {
    if (!keep(result)) continue;
    const raw = result.text;
    let trimmed = raw.replace(/[\s.,;:!?)]+$/u, '').replace(/^[\s(]+/u, '');
    if (result.tags().has(YEAR_TAG)) trimmed = trimmed.replace(/^[a-z]+\s+/i, '');
    if (result.tags().has(SEASON_TAG)) trimmed = trimmed.replace(/^(?:in|during|over)\s+the\s+/i, '');
    if (trimmed === '') continue;
    const start = result.index + raw.indexOf(trimmed);
    const end = start + trimmed.length;
    if (start < lastEnd) continue;
    let interval: Interval;
    try {
      interval = resolve(result, trimmed, reference);
    } catch {
      continue;
    }
    const [from, to, granularity] = interval;
    if (!Number.isFinite(from) || (to !== undefined && !Number.isFinite(to))) continue;
    if (from < MIN_TIME || (to ?? from) > MAX_TIME) continue;
    out.push({
      text: trimmed,
      start,
      end,
      from: new Date(from).toISOString(),
      ...(to === undefined ? {} : { to: new Date(to).toISOString() }),
      granularity,
    });
    lastEnd = end;
  }
  return out;
}
