/**
 * Predicate normalisation and the single-valued predicates.
 *
 * A single-valued predicate admits one object per subject at a time: when the graph records
 * `Leo lives in Porto` after `Leo lives in Lisbon`, the older fact's validity ends (Graphiti-style
 * invalidation, never deletion). The set is deliberately small and only assigned to affirmative
 * statements about the present or a completed change:
 *
 * | canonical predicate | recognised from (subject in any person, not negated, no modal or future) |
 * |---|---|
 * | `lives in` | "live(s) in", "am/is living in", "moved to/into", "have moved to" |
 * | `works at` | "work(s) at/for", "am/is working at/for" |
 * | `is married to` | "am/is married to", "got married to", "married" + object (past) |
 *
 * "lived in", "used to work at", "don't live in", "will move to" keep their surface predicate
 * and are not single-valued.
 */
export const SINGLE_VALUED_PREDICATES: readonly string[] = ['lives in', 'works at', 'is married to'];

/** What the rules know about one subject-verb-object statement. */
export interface PredicateParts {
  /** The surface predicate, lower case, agreement already applied ("has moved to"). */
  readonly surface: string;
  /** Infinitive of the main verb ("move"). */
  readonly infinitive: string;
  /** Tense of the verb phrase (see `VerbPhrase.tense`). */
  readonly tense: 'PastTense' | 'PresentTense' | 'FutureTense';
  /** Form of the verb phrase (see `VerbPhrase.form`). */
  readonly form: 'modal' | 'future' | 'infinitive' | 'perfect' | 'progressive' | 'simple';
  readonly negative: boolean;
  /** The preposition before the object ("to"), or empty. */
  readonly preposition: string;
}

/** Words that make a statement hypothetical or habitual-past ("want to move", "used to work"). */
const HYPOTHETICAL = /\b(?:will|would|could|should|might|may|can|must|shall|gonna|going|wanna|want|wants|hope|hopes|plan|plans|used)\b/;

/**
 * Maps a statement to its canonical predicate.
 *
 * @returns the canonical single-valued predicate with `singlevalued: true` when a rule of the
 *   table above applies; otherwise the surface predicate with `singlevalued: false`.
 */
export function canonicalPredicate(parts: PredicateParts): { predicate: string; singlevalued: boolean } {
  const { surface, form, tense, preposition: prep, infinitive: verb } = parts;
  const plain = { predicate: surface, singlevalued: false };
  if (parts.negative || HYPOTHETICAL.test(surface)) return plain;
  if (form === 'modal' || form === 'future' || form === 'infinitive') return plain;
  const present = tense === 'PresentTense' && (form === 'simple' || form === 'progressive');
  const pastChange = tense === 'PastTense' && (form === 'simple' || form === 'perfect');
  if (verb === 'live' && prep === 'in' && present) return { predicate: 'lives in', singlevalued: true };
  if (verb === 'move' && (prep === 'to' || prep === 'into') && pastChange) return { predicate: 'lives in', singlevalued: true };
  if (verb === 'work' && (prep === 'at' || prep === 'for') && present) return { predicate: 'works at', singlevalued: true };
  if (verb === 'marry' && (prep === 'to' || prep === '')) {
    const current = /\b(?:is|am|are|got|get|gets)\b/.test(surface) || (pastChange && !/\b(?:was|were)\b/.test(surface));
    if (current) return { predicate: 'is married to', singlevalued: true };
  }
  return plain;
}
