/** Words that never name an entity on their own (question words, pronouns, auxiliaries, articles). */
const STOP_WORDS = new Set(
  `a an the and or but if of to in on at by for with from about into over after before during as is are was were be been being
  do does did done have has had having will would shall should can could may might must not no yes
  what when where which who whom whose why how that this these those there here then than
  i me my mine we us our ours you your yours he him his she her hers it its they them their theirs
  some any all each every many much more most other another such own same so too very just also ever
  go went gone get got make made take took say said tell told think thought know knew like likes liked
  one two first last next new old recent recently kind sort type thing things time times`
    .split(/\s+/)
    .filter(Boolean),
);

/** Longest word n-gram tried as an entity name. */
export const MAX_NAME_WORDS = 3;

/**
 * Candidate entity names in a query: every contiguous run of 1 to {@link MAX_NAME_WORDS} words
 * that does not start or end with a stop word, as written (the graph store canonicalises
 * names: case, possessives, punctuation). `"When did Caroline go to the LGBTQ support group?"`
 * → `Caroline`, `LGBTQ`, `LGBTQ support`, `LGBTQ support group`, `support`, `support group`,
 * `group`.
 *
 * @returns distinct candidates, longest first, at most 64.
 */
export function candidateNames(query: string): string[] {
  const words = query.match(/[\p{L}\p{N}][\p{L}\p{N}'’&.-]*/gu) ?? [];
  const clean = words.map((w) => w.replace(/['’]s$/u, '').replace(/[.'’-]+$/u, ''));
  const out = new Set<string>();
  for (let size = MAX_NAME_WORDS; size >= 1; size -= 1) {
    for (let i = 0; i + size <= clean.length; i += 1) {
      const gram = clean.slice(i, i + size);
      if (STOP_WORDS.has(gram[0]!.toLowerCase()) || STOP_WORDS.has(gram[gram.length - 1]!.toLowerCase())) continue;
      if (gram.some((w) => w.length === 0)) continue;
      out.add(gram.join(' '));
    }
  }
  return [...out].slice(0, 64);
}

/**
 * English function words dropped from the lexical channel's query: they match most documents,
 * add nothing to BM25's ranking (near-zero IDF) and make the full-text index score every
 * document that contains them. A subset of the SMART stop list (Salton, 1971).
 */
const LEXICAL_STOP_WORDS = new Set(
  `a an the and or but if of to in on at by for with from about into onto over under as than then so
  is am are was were be been being do does did doing have has had having will would shall should can could may might must
  what when where which who whom whose why how that this these those there here
  i me my myself we us our ours you your yours he him his she her hers it its they them their theirs
  not no nor any some all each both either neither own same such very just too also only ever`
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * The query text the lexical channel searches: the query's words without function words
 * (see {@link LEXICAL_STOP_WORDS}); the whole query when nothing else is left.
 */
export function lexicalQueryText(query: string): string {
  const words = query.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
  const kept = words.filter((w) => !LEXICAL_STOP_WORDS.has(w.toLowerCase().replace(/['’].*$/u, '')));
  return kept.length > 0 ? kept.join(' ') : query;
}

/** True for an English function word the lexical channel drops (lower-case input; see {@link lexicalQueryText}). */
export function isLexicalStopWord(word: string): boolean {
  return LEXICAL_STOP_WORDS.has(word);
}
