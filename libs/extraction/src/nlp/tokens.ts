import nlp from 'compromise';

/**
 * The compromise parse of a text, flattened into tokens with UTF-16 offsets, sentences and verb
 * phrases. compromise (spencermountain/compromise, v14) is a rule-based English tagger: tags
 * such as `Person`, `Place`, `Organization`, `Pronoun`, `Date`; chunks `Noun`/`Verb`/`Pivot`.
 */

/** One word of the text. */
export interface Token {
  /** Position in {@link Analysis.tokens}. */
  readonly index: number;
  /** Index of the sentence holding it. */
  readonly sentence: number;
  /** The word as written, without surrounding punctuation (empty for an implied word). */
  readonly text: string;
  /** compromise's normal form (lower case, apostrophes kept). */
  readonly normal: string;
  /** The word a contraction stands for ("am" for the hidden copula of "I'm", "not" of "don't"). */
  readonly implicit: string | undefined;
  /** compromise's root form: infinitive of a verb ("moved" → "move"), singular of a noun. */
  readonly root: string | undefined;
  /** Offset of the word in the text, UTF-16 code units; `end` is exclusive. */
  readonly start: number;
  readonly end: number;
  /** False when the word could not be located in the text (offsets are then unreliable). */
  readonly located: boolean;
  /** Punctuation and whitespace after the word. */
  readonly post: string;
  readonly tags: ReadonlySet<string>;
  /** compromise's chunk: `Noun`, `Verb`, `Adjective`, `Pivot`, or undefined. */
  readonly chunk: string | undefined;
}

/** A sentence: a token range and its character range. */
export interface Sentence {
  readonly first: number;
  /** Index of the last token (inclusive). */
  readonly last: number;
  readonly start: number;
  readonly end: number;
}

/**
 * A verb phrase: a run of words in one of compromise's `Verb` chunks ("don't live", "started
 * training", "'m married", "would love"), with what the predicate rules need to know about it.
 */
export interface VerbPhrase {
  /** First and last token (inclusive). */
  readonly first: number;
  readonly last: number;
  /** The main verb's token (the last verb that is not an auxiliary). */
  readonly main: number;
  /** Infinitive of the main verb ("live", "move", "marry"; "be" for a copula). */
  readonly infinitive: string;
  /** `PastTense` (a past-tense word or a perfect), `FutureTense` (will/shall), else `PresentTense`. */
  readonly tense: 'PastTense' | 'PresentTense' | 'FutureTense';
  /**
   * `modal` (can/would/should...), `future`, `infinitive` (after "to"), `perfect` (have + past
   * participle), `progressive` (-ing main verb), else `simple`.
   */
  readonly form: 'modal' | 'future' | 'infinitive' | 'perfect' | 'progressive' | 'simple';
  readonly negative: boolean;
  /** Auxiliary words ("do", "have", "would"), space separated; empty when none. */
  readonly auxiliary: string;
  readonly copula: boolean;
}

/** Everything the extraction rules read from one text. */
export interface Analysis {
  readonly tokens: readonly Token[];
  readonly sentences: readonly Sentence[];
  readonly verbs: readonly VerbPhrase[];
}

interface RawTerm {
  text?: string;
  normal?: string;
  implicit?: string;
  root?: string;
  post?: string;
  tags?: string[];
  chunk?: string | null;
  offset?: { index?: number; start?: number; length?: number };
}

interface RawSentence {
  terms?: RawTerm[];
}

function tokensOf(text: string, sentences: readonly RawSentence[]): { tokens: Token[]; spans: Sentence[] } {
  const tokens: Token[] = [];
  const spans: Sentence[] = [];
  let cursor = 0;
  sentences.forEach((sentence, s) => {
    const first = tokens.length;
    for (const term of sentence.terms ?? []) {
      const word = term.text ?? '';
      let start = term.offset?.start ?? -1;
      let located = start >= 0 && text.slice(start, start + word.length) === word;
      if (!located && word !== '') {
        const found = text.indexOf(word, cursor);
        located = found >= 0;
        start = located ? found : cursor;
      }
      if (word === '') {
        start = cursor;
        located = true;
      }
      const end = start + word.length;
      cursor = Math.max(cursor, end);
      tokens.push({
        index: tokens.length,
        sentence: s,
        text: word,
        normal: term.normal ?? word.toLowerCase(),
        implicit: term.implicit ?? undefined,
        root: term.root ?? undefined,
        start,
        end,
        located,
        post: term.post ?? '',
        tags: new Set(term.tags ?? []),
        chunk: term.chunk ?? undefined,
      });
    }
    if (tokens.length > first) {
      const head = tokens[first];
      const tail = tokens[tokens.length - 1];
      if (head && tail) spans.push({ first, last: tokens.length - 1, start: head.start, end: tail.end });
    }
  });
  return { tokens, spans };
}

const MODALS = new Set(['can', 'could', 'would', 'should', 'might', 'may', 'must', 'shall', 'will', "'d", "'ll", 'ought']);
const FUTURE = new Set(['will', 'shall', "'ll"]);
const HAVE = new Set(['have', 'has', 'had', "'ve"]);
const NEGATIONS = new Set(['not', 'never', "n't"]);

function wordOf(t: Token): string {
  return (t.implicit ?? t.normal).toLowerCase();
}

function isVerbish(t: Token): boolean {
  return t.chunk === 'Verb' && (t.tags.has('Verb') || t.tags.has('Negative') || t.tags.has('Adverb') || t.tags.has('Auxiliary'));
}

function phraseOf(tokens: readonly Token[], first: number, last: number): VerbPhrase | undefined {
  const run = tokens.slice(first, last + 1);
  const verbs = run.filter((t) => t.tags.has('Verb'));
  if (verbs.length === 0) return undefined;
  const mainToken = [...verbs].reverse().find((t) => !t.tags.has('Auxiliary') && !t.tags.has('Modal')) ?? verbs[verbs.length - 1]!;
  const aux = verbs.filter((t) => t !== mainToken && t.index < mainToken.index).map(wordOf);
  const words = run.map(wordOf);
  const negative = run.some((t) => t.tags.has('Negative')) || words.some((w) => NEGATIONS.has(w));
  const modal = aux.some((w) => MODALS.has(w)) || run.some((t) => t.tags.has('Modal'));
  const future = aux.some((w) => FUTURE.has(w));
  const perfect = aux.some((w) => HAVE.has(w)) && mainToken.tags.has('PastTense');
  const before = tokens[first - 1];
  const infinitiveForm = before?.normal === 'to' && before.sentence === mainToken.sentence;
  const past = perfect || verbs.some((t) => t.tags.has('PastTense') && !t.tags.has('Passive')) || aux.some((w) => w === 'did' || w === 'was' || w === 'were' || w === 'had');
  const copula = mainToken.tags.has('Copula');
  const infinitive = (copula ? 'be' : (mainToken.root ?? mainToken.implicit ?? mainToken.normal)).toLowerCase();
  return {
    first,
    last,
    main: mainToken.index,
    infinitive,
    tense: future ? 'FutureTense' : past ? 'PastTense' : 'PresentTense',
    form: future ? 'future' : modal ? 'modal' : infinitiveForm ? 'infinitive' : perfect ? 'perfect' : mainToken.tags.has('Gerund') ? 'progressive' : 'simple',
    negative,
    auxiliary: aux.join(' '),
    copula,
  };
}

/** Verb phrases: maximal runs of verb-chunk words within a sentence, broken by punctuation. */
function verbsOf(tokens: readonly Token[]): VerbPhrase[] {
  const out: VerbPhrase[] = [];
  let first = -1;
  const flush = (last: number): void => {
    if (first >= 0) {
      const phrase = phraseOf(tokens, first, last);
      if (phrase) out.push(phrase);
    }
    first = -1;
  };
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1];
    if (first >= 0 && prev && (prev.sentence !== t.sentence || prev.post.trim() !== '')) flush(i - 1);
    if (isVerbish(t)) {
      if (first < 0) first = i;
    } else flush(i - 1);
  });
  flush(tokens.length - 1);
  return out;
}

/**
 * Tags and chunks `text` with compromise and returns its tokens (with UTF-16 offsets into
 * `text`), sentences and verb phrases.
 *
 * @throws whatever compromise throws on pathological input; callers catch it.
 */
export function analyse(text: string): Analysis {
  if (text.trim() === '') return { tokens: [], sentences: [], verbs: [] };
  const doc = nlp(text);
  doc.compute('root');
  const sentences = doc.json({ offset: true }) as RawSentence[];
  const { tokens, spans } = tokensOf(text, sentences);
  const verbs = verbsOf(tokens);
  return { tokens, sentences: spans, verbs };
}

const conjugations = new Map<string, string>();

/**
 * Third-person singular present of a verb ("love" → "loves", "have" → "has"), with compromise's
 * conjugator; memoised (the vocabulary of a corpus is small).
 */
export function thirdPersonPresent(infinitive: string): string {
  const cached = conjugations.get(infinitive);
  if (cached !== undefined) return cached;
  let form: string;
  try {
    const conjugated = nlp(infinitive).verbs().conjugate() as { PresentTense?: string }[];
    form = conjugated[0]?.PresentTense ?? infinitive;
  } catch {
    form = infinitive;
  }
  if (conjugations.size < 10_000) conjugations.set(infinitive, form);
  return form;
}
