import type { EntityType } from '../port.js';
import { canonicalPerson, canonicalProperName, collapseWhitespace, stripPossessive } from './canonical.js';
import type { Analysis, Token } from './tokens.js';

/**
 * Entity mentions from compromise's tags: people, places, organizations, names the caller
 * already knows, and salient "things" (topic noun phrases such as "pottery class", "support
 * group", "Lisbon half marathon").
 */

/** An entity mention with its canonical name and UTF-16 offsets into the text. */
export interface Mention {
  readonly name: string;
  readonly type: EntityType;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  /** Where the mention came from; decides which of two overlapping mentions of one span wins. */
  readonly source: 'known' | 'named' | 'thing' | 'numeric' | 'time';
}

/** Words that never head (or alone make) a thing: pronoun-like and generic nouns, interjections. */
const STOP_NOUNS = new Set(
  `thing things stuff lot lots bit bits way ways time times day days kind kinds sort sorts type types one ones
  people person guy guys everyone everybody someone somebody anyone anybody noone nobody something anything
  everything nothing someplace anywhere everywhere somewhere part parts place places idea ideas fact facts
  moment moments while end start point points case cases reason reasons piece pieces side sides
  look looks chance chances try care sense deal matter matters luck job jobs congrats congratulations tons ton bunch
  hey hi hello yeah yes no ok okay wow lol haha oh ah um uh hmm thanks thank thx bye please sure cool awesome
  today tonight tomorrow yesterday morning evening night afternoon week weekend month year years weeks months
  mine yours his hers ours theirs its myself yourself himself herself ourselves themselves
  what which who whom whose this that these those there here`.split(/\s+/),
);

/** Modifiers stripped from the front of a thing: determiners, quantifiers, evaluative adjectives. */
const LEADING_STOP = new Set(
  `a an the this that these those my your his her our their its some any every each all both either neither
  no another other such same own many much more most few several lot lots plenty enough
  great good nice cool awesome amazing wonderful fantastic beautiful lovely awful terrible bad best better
  worst favorite favourite new old big little small huge tiny whole real really very super first last next
  certain main major sweet fun special perfect important different similar whole entire true`.split(/\s+/),
);

const POSSESSIVE_PRONOUNS = new Set(['my', 'your', 'his', 'her', 'our', 'their', 'its']);

/** Tags that keep a word out of every entity (besides dates and numbers, which wink reports). */
const NEVER_ENTITY = ['Pronoun', 'Determiner', 'Emoji', 'Emoticon', 'Url', 'Email', 'HashTag', 'AtMention', 'Expression', 'QuestionWord'];
const NUMERIC = ['Date', 'Value', 'Duration', 'Month', 'WeekDay', 'Time', 'Money', 'Percent', 'Fraction', 'Ordinal', 'Cardinal'];

function hasAny(token: Token, tags: readonly string[]): boolean {
  return tags.some((t) => token.tags.has(t));
}

/**
 * Punctuation after a word that ends a phrase ("Caroline!", "group,", "health - I"). An attached
 * hyphen or slash ("half-marathon", "and/or") and an ampersand ("kids & work") join.
 */
export function breaksAfter(token: Token): boolean {
  if (token.tags.has('Abbreviation') && token.post.trim() === '.') return false; // "Dr. Jane Doe", "St. Louis"
  return token.post.trim() !== '' && !/^(?:[-/]|\s*&\s*)$/u.test(token.post);
}

function namedType(token: Token): EntityType | undefined {
  if (!token.located || token.text === '' || hasAny(token, NEVER_ENTITY)) return undefined;
  // Names are written with a capital: "kids & work" is not a company, "grace" not a person.
  // (Names the caller knows are matched in any case by findKnownMentions.)
  if (!/\p{Lu}/u.test(token.text)) return undefined;
  if (token.tags.has('Person') || token.tags.has('Honorific')) return 'person';
  if (token.tags.has('Organization')) return 'organization';
  if (token.tags.has('Place')) return 'place';
  return undefined;
}

function isPossessive(token: Token): boolean {
  return token.tags.has('Possessive') || /['’]s$/i.test(token.text);
}

/** Joins tokens with the text between them (whitespace collapsed): keeps "half-marathon" whole. */
function joinTokens(text: string, run: readonly Token[], word: (t: Token) => string): string {
  let out = '';
  run.forEach((t, i) => {
    const prev = run[i - 1];
    if (prev) {
      const between = text.slice(prev.end, t.start);
      const mark = between.trim();
      out += mark === '' ? ' ' : mark === '.' ? '. ' : /\s/.test(between) ? ` ${mark} ` : mark;
    }
    out += word(t);
  });
  return collapseWhitespace(out);
}

function mentionOf(text: string, run: readonly Token[], type: EntityType, name: string, source: Mention['source']): Mention | undefined {
  const head = run[0];
  const tail = run[run.length - 1];
  if (!head || !tail || name === '') return undefined;
  let end = tail.end;
  const possessive = /['’]s$|(?<=s)['’]$/i.exec(text.slice(head.start, end));
  if (possessive) end -= possessive[0].length;
  return { name, type, start: head.start, end, source };
}

/**
 * People, places and organizations: maximal runs of words compromise tags `Person`
 * (or `Honorific`), `Place` or `Organization`, within a sentence, broken by punctuation and after
 * a possessive. Names are canonicalised (people title-cased, possessive removed).
 *
 * @param blocked - true for a token covered by a date or number mention (never part of a name).
 */
export function findNamedMentions(text: string, analysis: Analysis, blocked: (t: Token) => boolean): Mention[] {
  const out: Mention[] = [];
  let run: Token[] = [];
  let runType: EntityType | undefined;
  const flush = (): void => {
    // A person is named without honorifics ("Dr. Jane Doe" → "Jane Doe") when a name follows.
    while (runType === 'person' && run.length > 1 && run[0]?.tags.has('Honorific')) run = run.slice(1);
    if (run.length > 0 && runType) {
      const raw = joinTokens(text, run, (t) => t.text);
      const name = runType === 'person' ? canonicalPerson(raw) : canonicalProperName(raw);
      const mention = /[\p{L}]/u.test(name) ? mentionOf(text, run, runType, name, 'named') : undefined;
      if (mention) out.push(mention);
    }
    run = [];
    runType = undefined;
  };
  for (const token of analysis.tokens) {
    const type = blocked(token) ? undefined : namedType(token);
    const prev = run[run.length - 1];
    if (!type || type !== runType || (prev && prev.sentence !== token.sentence)) flush();
    if (!type) continue;
    run.push(token);
    runType = type;
    if (breaksAfter(token) || isPossessive(token)) flush();
  }
  flush();
  return out;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Occurrences of names the caller knows (a conversation's speakers), matched case-insensitively
 * as whole words, with an optional possessive. Each is a `person` with the known name as written
 * by the caller (canonicalised).
 *
 * @param names - canonical names; longer names are matched first, so "Mel Smith" wins over "Mel".
 */
export function findKnownMentions(text: string, names: readonly string[]): Mention[] {
  const out: Mention[] = [];
  const taken: [number, number][] = [];
  for (const name of [...names].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0))) {
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(name).replace(/ /g, '\\s+')}(?![\\p{L}\\p{N}_])`, 'giu');
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (taken.some(([s, e]) => start < e && s < end)) continue;
      taken.push([start, end]);
      out.push({ name, type: 'person', start, end, source: 'known' });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

function isNominal(token: Token): boolean {
  if (!token.located || token.text === '' || hasAny(token, NEVER_ENTITY) || hasAny(token, NUMERIC)) return false;
  if (POSSESSIVE_PRONOUNS.has(token.normal)) return false;
  if (token.chunk !== 'Noun') return false;
  return token.tags.has('Noun') || token.tags.has('Adjective') || token.tags.has('Acronym') || token.tags.has('ProperNoun');
}

function isCommonNoun(token: Token): boolean {
  return (
    token.tags.has('Noun') &&
    !token.tags.has('ProperNoun') &&
    !token.tags.has('Acronym') &&
    !token.tags.has('Person') &&
    !token.tags.has('Place') &&
    !token.tags.has('Organization') &&
    !token.tags.has('Adjective')
  );
}

function isProper(token: Token): boolean {
  return token.tags.has('ProperNoun') || token.tags.has('Acronym');
}

function thingWord(token: Token): string {
  if (isProper(token) || token.tags.has('Person') || token.tags.has('Place') || token.tags.has('Organization')) return token.text;
  return token.text.toLowerCase();
}

/** Longest allowed thing name, UTF-16 code units; longer phrases are noise and are dropped. */
export const MAX_THING_LENGTH = 80;

/**
 * Salient things: noun phrases that are not pronouns, stopwords, dates or numbers. A phrase is a
 * maximal run of nominal words (nouns, adjectives, acronyms, proper nouns inside a compromise
 * noun chunk) within a sentence, broken by punctuation and after a possessive; leading
 * determiners, quantifiers and evaluative adjectives ("a", "my", "great", "new") and trailing
 * non-nouns are stripped; the phrase must end in a common noun that is not a generic word
 * ("thing", "time", "lot", "people", ...). A run of proper nouns alone that compromise did not
 * type becomes an `other` entity ("LGBTQ").
 *
 * Names keep proper nouns and acronyms as written and lower-case the rest: "Lisbon half
 * marathon", "LGBTQ support group", "pottery class".
 */
export function findThingMentions(text: string, analysis: Analysis, blocked: (t: Token) => boolean): Mention[] {
  const out: Mention[] = [];
  let run: Token[] = [];
  const flush = (): void => {
    let phrase = run;
    run = [];
    while (phrase[0] && LEADING_STOP.has(phrase[0].normal)) phrase = phrase.slice(1);
    let last = phrase.length - 1;
    while (last >= 0 && !isCommonNoun(phrase[last]!) && !isProper(phrase[last]!)) last -= 1;
    phrase = phrase.slice(0, last + 1);
    const tail = phrase[phrase.length - 1];
    if (!tail) return;
    const named = phrase.every((t) => namedType(t) !== undefined);
    if (named) return; // people, places and organizations are reported by findNamedMentions
    if (!isCommonNoun(tail)) {
      // Proper nouns / acronyms compromise did not type: an `other` entity when all are proper.
      if (!phrase.every((t) => isProper(t) || namedType(t))) return;
      const name = canonicalProperName(joinTokens(text, phrase, (t) => t.text));
      if (name.length < 2 || name.length > MAX_THING_LENGTH || !/\p{L}/u.test(name) || STOP_NOUNS.has(name.toLowerCase())) return;
      const mention = mentionOf(text, phrase, 'other', name, 'thing');
      if (mention) out.push(mention);
      return;
    }
    if (STOP_NOUNS.has(stripPossessive(tail.normal))) return;
    const name = stripPossessive(joinTokens(text, phrase, thingWord));
    if (name.length < 2 || name.length > MAX_THING_LENGTH || !/\p{L}/u.test(name)) return;
    const mention = mentionOf(text, phrase, 'thing', name, 'thing');
    if (mention) out.push(mention);
  };
  for (const token of analysis.tokens) {
    const prev = run[run.length - 1];
    if (prev && prev.sentence !== token.sentence) flush();
    if (blocked(token) || !isNominal(token)) {
      flush();
      continue;
    }
    if (isPossessive(token) && namedType(token)) {
      // "Melanie's pottery class": the owner is a named entity, the thing starts after it.
      flush();
      continue;
    }
    run.push(token);
    if (breaksAfter(token) || isPossessive(token)) flush();
  }
  flush();
  return out;
}
