import { CO_OCCURS_WITH, MENTIONS, type ExtractedRelation } from '../port.js';
import { breaksAfter, type Mention } from './entities.js';
import { canonicalPredicate } from './predicates.js';
import type { TimeExpression } from './time-expressions.js';
import { thirdPersonPresent, type Analysis, type Token, type VerbPhrase } from './tokens.js';

/**
 * Relations of one turn: `speaker mentions entity`, `entity co_occurs_with entity`, and
 * subject-verb-object statements read off compromise's parse.
 */

/** Everything the relation rules read. */
export interface RelationContext {
  readonly text: string;
  readonly analysis: Analysis;
  /** Every entity mention of the turn, in text order. */
  readonly mentions: readonly Mention[];
  readonly times: readonly TimeExpression[];
  /** Canonical name of the speaker: first-person pronouns resolve to it. */
  readonly speaker: string | undefined;
  /** Canonical name of the one other known entity: second-person pronouns resolve to it. */
  readonly addressee: string | undefined;
}

/** Types that take part in statements and co-occurrence (dates and numbers only get `mentions`). */
const RELATIONAL: ReadonlySet<string> = new Set(['person', 'place', 'organization', 'thing', 'other']);

const FIRST_PERSON = new Set(['i', 'me', 'myself']);
const SECOND_PERSON = new Set(['you', 'yourself', 'ya', 'u']);
const CLAUSE_CONJUNCTIONS = new Set(['and', 'but', 'or', 'then', 'so', 'yet']);

type Person = 'first' | 'second' | 'third';

interface Argument {
  readonly name: string;
  readonly person: Person;
}

function pronounBase(token: Token): string {
  return (token.implicit ?? token.normal).toLowerCase().replace(/['’].*$/u, '');
}


/** True for each token inside a date or quantity mention (skipped when looking for arguments). */
function temporalCoverage(analysis: Analysis, mentions: readonly Mention[]): boolean[] {
  const spans = mentions.filter((m) => !RELATIONAL.has(m.type));
  return analysis.tokens.map((t) => t.text !== '' && spans.some((m) => m.start <= t.start && t.end <= m.end));
}

/** The longest relational mention covering each token (undefined when none). */
function coverage(analysis: Analysis, mentions: readonly Mention[]): (Mention | undefined)[] {
  return analysis.tokens.map((t) => {
    let best: Mention | undefined;
    if (t.text === '') return undefined;
    for (const m of mentions) {
      if (!RELATIONAL.has(m.type) || m.start > t.start || m.end < t.end) continue;
      if (!best || m.end - m.start > best.end - best.start) best = m;
    }
    return best;
  });
}

/** Resolves "I"/"me" to the speaker and "you" to the addressee; as a subject only "I" and "you" count. */
function resolvePronoun(token: Token, ctx: RelationContext, role: 'subject' | 'object'): Argument | undefined {
  const base = pronounBase(token);
  if ((role === 'object' ? FIRST_PERSON.has(base) : base === 'i') && ctx.speaker) return { name: ctx.speaker, person: 'first' };
  if (SECOND_PERSON.has(base) && ctx.addressee) return { name: ctx.addressee, person: 'second' };
  return undefined;
}

function isSkippable(token: Token): boolean {
  return token.text === '' || token.tags.has('Adverb') || token.tags.has('Negative');
}

/** Agreement for a subject that was "I" or "you": the predicate reads as said of a third person. */
function agree(words: string[], verb: VerbPhrase, firstIsMain: boolean): string[] {
  const [head, ...rest] = words;
  if (head === undefined) return words;
  const map: Readonly<Record<string, string>> = { am: 'is', "'m": 'is', are: 'is', "'re": 'is', were: 'was', have: 'has', "'ve": 'has', do: 'does' };
  const mapped = map[head];
  if (mapped) return [mapped, ...rest];
  if (firstIsMain && verb.tense === 'PresentTense' && verb.form === 'simple' && verb.auxiliary === '') {
    return [thirdPersonPresent(head), ...rest];
  }
  return words;
}

/**
 * Subject-verb-object statements: for each verb phrase, the subject is the nearest mention or
 * pronoun before it in its clause (a verb after "and"/"but" shares the previous verb's subject),
 * the object the first mention or pronoun after it, across prepositions, determiners, adverbs,
 * adjectives and numbers, before the next verb or clause punctuation. First-person pronouns
 * resolve to the speaker, second-person to the addressee; other pronouns are not resolved (no
 * coreference), so their statements are skipped, and so are questions (a sentence ending in "?").
 *
 * The predicate is the verb phrase (adverbs dropped, contractions expanded) plus the
 * preposition before the object, with third-person agreement when the subject was "I"/"you":
 * "I started training for the Lisbon half marathon" said by Leo → `Leo / started training for /
 * Lisbon half marathon`. A few predicates are canonical and single-valued (see
 * `predicates.ts`). `validfrom` is the start of the first time expression in the same sentence.
 */
export function findStatements(ctx: RelationContext): ExtractedRelation[] {
  const { analysis } = ctx;
  const tokens = analysis.tokens;
  const covered = coverage(analysis, ctx.mentions);
  const temporal = temporalCoverage(analysis, ctx.mentions);
  const verbStarts = new Set(analysis.verbs.map((v) => v.first));
  const questions = new Set(
    analysis.sentences.flatMap((s, i) => (/\?/.test(tokens[s.last]?.post ?? '') || /\?\s*$/.test(ctx.text.slice(s.start, s.end + 3)) ? [i] : [])),
  );
  const out: ExtractedRelation[] = [];
  let previous: { verb: VerbPhrase; subject: Argument | undefined } | undefined;
  for (const verb of analysis.verbs) {
    const head = tokens[verb.first];
    if (!head) continue;
    const sentence = analysis.sentences[head.sentence];
    if (!sentence) continue;
    if (questions.has(head.sentence)) continue; // a question states no fact
    const sameSentence = previous !== undefined && tokens[previous.verb.first]?.sentence === head.sentence;
    const clauseStart = sameSentence && previous ? Math.max(sentence.first, previous.verb.last + 1) : sentence.first;

    // Subject: walk back from the verb.
    let subject: Argument | undefined;
    let coordinated = false;
    for (let j = verb.first - 1; j >= clauseStart; j -= 1) {
      const t = tokens[j]!;
      if (breaksAfter(t)) break; // "..., and appreciate": a comma separates the clauses
      if (isSkippable(t) || temporal[j]) continue;
      const m = covered[j];
      if (m) subject = { name: m.name, person: 'third' };
      else if (t.tags.has('Pronoun')) subject = resolvePronoun(t, ctx, 'subject');
      else if (t.tags.has('Conjunction') && CLAUSE_CONJUNCTIONS.has(t.normal)) coordinated = true;
      break;
    }
    if (!subject && sameSentence && previous) {
      // "I went to the group and met John": between the two verbs only the first verb's object
      // and a coordinating conjunction.
      const before = tokens.slice(previous.verb.last + 1, verb.first).filter((t) => !isSkippable(t));
      if (coordinated || before.some((t) => CLAUSE_CONJUNCTIONS.has(t.normal) && t.tags.has('Conjunction'))) {
        subject = previous.subject;
      }
    }
    previous = { verb, subject };
    if (!subject) continue;

    // Object: walk forward from the verb.
    let object: Argument | undefined;
    const gap: Token[] = [];
    for (let k = verb.last + 1; k <= sentence.last; k += 1) {
      if (verbStarts.has(k)) break;
      const t = tokens[k]!;
      const m = covered[k];
      if (temporal[k] && !m) {
        // "is next Saturday at 3pm in St. Louis": dates and numbers are adverbials, not objects.
        if (breaksAfter(t)) break;
        continue;
      }
      if (m) {
        // "I love Melanie's pottery class": the owner is not the object when a mention follows.
        const owner = (t.tags.has('Possessive') || /['’]s$/iu.test(t.text)) && m.end <= t.end;
        if (owner && covered[k + 1] && covered[k + 1] !== m) continue;
        object = { name: m.name, person: 'third' };
        break;
      }
      if (t.tags.has('Pronoun')) {
        object = resolvePronoun(t, ctx, 'object');
        break;
      }
      const allowed =
        isSkippable(t) ||
        t.tags.has('Preposition') ||
        t.normal === 'to' ||
        t.tags.has('Determiner') ||
        t.tags.has('Possessive') ||
        t.tags.has('Adjective') ||
        t.tags.has('Value') ||
        t.tags.has('Date');
      if (!allowed || (t.tags.has('Conjunction') && t.normal !== 'to')) break;
      gap.push(t);
      if (breaksAfter(t)) break;
    }
    if (!object || object.name === subject.name) continue;

    const verbTokens = tokens.slice(verb.first, verb.last + 1).filter((t) => !t.tags.has('Adverb') || t.tags.has('Negative'));
    let words = verbTokens.map((t) => (t.implicit ?? t.text).toLowerCase()).filter((w) => w !== '');
    const firstIsMain = verbTokens.find((t) => (t.implicit ?? t.text) !== '')?.tags.has('Auxiliary') !== true;
    if (subject.person !== 'third') words = agree(words, verb, firstIsMain);
    const prepositions = gap.filter((t) => t.tags.has('Preposition') || t.normal === 'to');
    const lastPreposition = prepositions[prepositions.length - 1];
    const adjectives = verb.copula && lastPreposition ? gap.filter((t) => t.tags.has('Adjective') && t.index < lastPreposition.index) : [];
    const tail = [...adjectives, ...(lastPreposition ? [lastPreposition] : [])].map((t) => t.normal);
    const surface = [...words, ...tail].join(' ').replace(/\s+/g, ' ').trim();
    if (surface === '' || surface.length > 256) continue;
    const { predicate, singlevalued } = canonicalPredicate({
      surface,
      infinitive: verb.infinitive,
      tense: verb.tense,
      form: verb.form,
      negative: verb.negative,
      preposition: lastPreposition?.normal ?? '',
    });
    const time = ctx.times.find((x) => x.start >= sentence.start && x.start < Math.max(sentence.end, sentence.start + 1));
    out.push({
      subject: subject.name,
      predicate,
      object: object.name,
      ...(time ? { validfrom: time.from } : {}),
      ...(singlevalued ? { singlevalued: true } : {}),
    });
  }
  return out;
}

/**
 * `speaker mentions entity` for every distinct entity name of the turn (any type), in order of
 * first mention; none without a speaker, and never the speaker mentioning itself.
 */
export function mentionRelations(speaker: string | undefined, mentions: readonly Mention[]): ExtractedRelation[] {
  if (!speaker) return [];
  const seen = new Set<string>([speaker]);
  const out: ExtractedRelation[] = [];
  for (const m of mentions) {
    if (seen.has(m.name)) continue;
    seen.add(m.name);
    out.push({ subject: speaker, predicate: MENTIONS, object: m.name });
  }
  return out;
}

/** Most distinct entities paired by {@link coOccurrenceRelations} (at most 496 pairs). */
export const MAX_CO_OCCURRING_ENTITIES = 32;

/**
 * `entity co_occurs_with entity` for every unordered pair of distinct relational entities
 * (people, places, organizations, things, others; not dates or numbers) of the turn. Each pair
 * appears once, oriented by code-unit order (`subject < object`), so the relation is symmetric
 * by construction and independent of mention order; pairs are sorted by subject, then object.
 * Only the first {@link MAX_CO_OCCURRING_ENTITIES} distinct entities (by first mention) pair up.
 */
export function coOccurrenceRelations(mentions: readonly Mention[]): ExtractedRelation[] {
  const names: string[] = [];
  for (const m of mentions) {
    if (!RELATIONAL.has(m.type) || names.includes(m.name)) continue;
    names.push(m.name);
    if (names.length === MAX_CO_OCCURRING_ENTITIES) break;
  }
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: ExtractedRelation[] = [];
  for (let i = 0; i < sorted.length; i += 1) {
    for (let j = i + 1; j < sorted.length; j += 1) {
      out.push({ subject: sorted[i]!, predicate: CO_OCCURS_WITH, object: sorted[j]! });
    }
  }
  return out;
}
