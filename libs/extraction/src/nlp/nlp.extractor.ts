import { ConfigurationError } from '@memfabric/errors';
import type { FactsExtracted } from '@memfabric/events';
import { boundFacts, checkExtractionInput, DEFAULT_MAX_DATA_BYTES } from '../facts.js';
import type { EntityType, ExtractedRelation, ExtractionInput, Extractor } from '../port.js';
import { canonicalPerson, collapseWhitespace } from './canonical.js';
import { findKnownMentions, findNamedMentions, findThingMentions, type Mention } from './entities.js';
import { findNumericMentions } from './numeric-entities.js';
import { coOccurrenceRelations, findStatements, mentionRelations } from './relations.js';
import { resolveTimeExpressions, type TimeExpression } from './time-expressions.js';
import { analyse, type Analysis, type Token } from './tokens.js';

import { NLP_EXTRACTOR_NAME, NLP_EXTRACTOR_VERSION } from './identity.js';

export { NLP_EXTRACTOR_NAME, NLP_EXTRACTOR_VERSION } from './identity.js';

/** Default of {@link NlpExtractorOptions.maxTextLength}: 10,000 UTF-16 code units. */
export const DEFAULT_MAX_TEXT_LENGTH = 10_000;

/** Configuration of {@link NlpExtractor}; every field is optional. */
export interface NlpExtractorOptions {
  /**
   * Longest prefix of the text that is processed, in UTF-16 code units (default 10,000; between
   * 1 and 1,000,000). Longer text is cut at the last whitespace within 200 code units before the
   * limit (never inside a surrogate pair); offsets still index the original text. Bounds the time
   * one call takes (about 1 ms per 100 characters on one core).
   */
  readonly maxTextLength?: number;
  /**
   * Budget for the serialized `data`, UTF-8 bytes (default 48 KiB; between 4 KiB and 64 KiB,
   * the log's event limit). See `boundFacts` for what is dropped first.
   */
  readonly maxDataBytes?: number;
  /**
   * Most known entities considered per call (default 64; between 0 and 1,000). Extra names are
   * ignored, longest-first matching stays linear in the text.
   */
  readonly maxKnownEntities?: number;
}

const EMPTY_ANALYSIS: Analysis = { tokens: [], sentences: [], verbs: [] };

/** Output precedence of two mentions of the same span. */
const RANK: Readonly<Record<EntityType, number>> = { person: 0, organization: 1, place: 2, date: 3, quantity: 4, other: 5, thing: 6 };

function integerIn(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`NlpExtractor option ${name} must be an integer between ${min} and ${max}; got ${String(value)}`, {
      context: { option: name, value },
    });
  }
  return value;
}

/** The longest prefix of `text` within `max` code units, cut at whitespace when one is near. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // keep surrogate pairs whole
  const window = text.slice(Math.max(0, cut - 200), cut);
  const space = window.search(/\s\S*$/u);
  if (space > 0) cut = cut - window.length + space;
  return text.slice(0, cut);
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

function compareMentions(a: Mention, b: Mention): number {
  return a.start - b.start || b.end - a.end || RANK[a.type] - RANK[b.type] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function attempt<T>(run: () => T, fallback: T): T {
  try {
    return run();
  } catch {
    return fallback;
  }
}

/**
 * The offline default {@link Extractor}: deterministic rules over three pure-JavaScript NLP
 * libraries, no model download, no I/O.
 *
 * - entities: people, places, organizations and salient things from compromise's tags
 *   (`entities.ts`), names from `knownEntities`, dates/times/durations/numbers from wink-nlp's
 *   recogniser (`numeric-entities.ts`) and chrono-node's time expressions, with UTF-16 offsets;
 * - times: time expressions resolved to UTC intervals against the event's time
 *   (`time-expressions.ts` documents the rules);
 * - relations: subject-verb-object statements (`relations.ts`), then `speaker mentions entity`,
 *   then `entity co_occurs_with entity`.
 *
 * Output is deterministic (same input, same output, same order): entities by offset (longer
 * first at one offset, then by type precedence person, organization, place, date, quantity,
 * other, thing); times by offset; relations statements in text order, then mentions in order of
 * first mention, then co-occurrences sorted by subject and object; duplicates removed. Sizes stay
 * within the schema's `maxItems` and {@link NlpExtractorOptions.maxDataBytes}.
 *
 * One instance can serve concurrent calls; the wink model and the chrono parser are loaded once
 * per process on first use.
 */
export class NlpExtractor implements Extractor {
  readonly name = NLP_EXTRACTOR_NAME;
  readonly version = NLP_EXTRACTOR_VERSION;
  private readonly maxTextLength: number;
  private readonly maxDataBytes: number;
  private readonly maxKnownEntities: number;

  /** @throws ConfigurationError when an option is out of range (the message names it and the range). */
  constructor(options: NlpExtractorOptions = {}) {
    this.maxTextLength = integerIn('maxTextLength', options.maxTextLength, DEFAULT_MAX_TEXT_LENGTH, 1, 1_000_000);
    this.maxDataBytes = integerIn('maxDataBytes', options.maxDataBytes, DEFAULT_MAX_DATA_BYTES, 4096, 65_536);
    this.maxKnownEntities = integerIn('maxKnownEntities', options.maxKnownEntities, 64, 0, 1000);
  }

  /** See {@link Extractor.extract}; resolves with the same value as {@link extractSync}. */
  extract(input: ExtractionInput): Promise<FactsExtracted> {
    try {
      return Promise.resolve(this.extractSync(input));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Synchronous form of {@link extract}, for batch use (benchmarks, projection rebuilds).
   *
   * @throws ValidationError when `eventId` is not a UUID or `time` is not RFC 3339.
   */
  extractSync(input: ExtractionInput): FactsExtracted {
    const reference = checkExtractionInput(input);
    const text = truncateText(input.text, this.maxTextLength);
    const speaker = input.speaker === undefined ? undefined : canonicalPerson(input.speaker) || undefined;
    const known = this.knownNames(input.knownEntities ?? [], speaker);
    const others = known.filter((k) => k !== speaker);
    const addressee = speaker && others.length === 1 ? others[0] : undefined;

    const times = attempt(() => resolveTimeExpressions(text, reference), [] as TimeExpression[]);
    const numeric = attempt(() => findNumericMentions(text), []);
    const analysis = attempt(() => analyse(text), EMPTY_ANALYSIS);

    const timeMentions: Mention[] = times.map((t) => ({ name: collapseWhitespace(t.text), type: 'date', start: t.start, end: t.end, source: 'time' }));
    const numericMentions: Mention[] = numeric
      .filter((n) => !timeMentions.some((t) => overlaps(t, n)))
      .map((n) => ({ name: collapseWhitespace(n.text), type: n.type, start: n.start, end: n.end, source: 'numeric' }));
    const blockers = [...timeMentions, ...numericMentions];
    const blocked = (token: Token): boolean => blockers.some((b) => overlaps(b, token));

    const knownMentions = attempt(() => findKnownMentions(text, known), [] as Mention[]);
    const named = attempt(() => findNamedMentions(text, analysis, blocked), [] as Mention[]).filter(
      (m) => !knownMentions.some((k) => overlaps(k, m)),
    );
    const things = attempt(() => findThingMentions(text, analysis, blocked), [] as Mention[]).filter(
      (m) => m.type === 'thing' || !knownMentions.some((k) => overlaps(k, m)),
    );
    const mentions = this.merge([...knownMentions, ...named, ...things, ...blockers]);

    const relations: ExtractedRelation[] = [];
    const seen = new Set<string>();
    const add = (r: ExtractedRelation): void => {
      const key = `${r.subject}\u0000${r.predicate}\u0000${r.object}`;
      if (seen.has(key)) return;
      seen.add(key);
      relations.push(r);
    };
    attempt(() => findStatements({ text, analysis, mentions, times, speaker, addressee }), []).forEach(add);
    mentionRelations(speaker, mentions).forEach(add);
    coOccurrenceRelations(mentions).forEach(add);

    return boundFacts(
      {
        sourceevent: input.eventId,
        extractor: { name: this.name, version: this.version },
        entities: mentions.map((m) => ({ name: m.name, type: m.type, start: m.start, end: m.end })),
        times: times.map((t) => ({ text: t.text, start: t.from, ...(t.to === undefined ? {} : { end: t.to }) })),
        relations,
      },
      this.maxDataBytes,
    );
  }

  private knownNames(names: readonly string[], speaker: string | undefined): string[] {
    const out: string[] = [];
    for (const raw of [...(speaker ? [speaker] : []), ...names.slice(0, this.maxKnownEntities)]) {
      const name = canonicalPerson(raw);
      if (name !== '' && name.length <= 128 && /\p{L}/u.test(name) && !out.includes(name)) out.push(name);
    }
    return out;
  }

  /** Sorts mentions and removes duplicates of one span (the higher-precedence type stays). */
  private merge(mentions: readonly Mention[]): Mention[] {
    const out: Mention[] = [];
    for (const m of [...mentions].sort(compareMentions)) {
      if (m.name === '' || m.end <= m.start) continue;
      const prev = out[out.length - 1];
      if (prev && prev.start === m.start && prev.end === m.end) continue;
      out.push(m);
    }
    return out;
  }
}
