import { describe, expect, it } from 'vitest';
import { canonicalPerson, canonicalProperName, collapseWhitespace, stripPossessive, titleCase } from './canonical.js';
import { canonicalPredicate, SINGLE_VALUED_PREDICATES, type PredicateParts } from './predicates.js';

describe('canonical names', () => {
  it('trims, collapses whitespace, strips possessives and title-cases people', () => {
    expect(collapseWhitespace('  John \n  Smith ')).toBe('John Smith');
    expect(stripPossessive("Melanie's")).toBe('Melanie');
    expect(stripPossessive('Melanie’s')).toBe('Melanie');
    expect(stripPossessive("James'")).toBe('James');
    expect(canonicalPerson("  caroline   o'neil's ")).toBe("Caroline O'neil");
    expect(canonicalPerson('JOHN SMITH')).toBe('John Smith');
    expect(canonicalPerson('McDonald')).toBe('McDonald');
    expect(titleCase('ana-maria lopez')).toBe('Ana-maria Lopez');
  });

  it('title-cases places and organizations only when written all in lower case', () => {
    expect(canonicalProperName('new york')).toBe('New York');
    expect(canonicalProperName('IBM')).toBe('IBM');
    expect(canonicalProperName("Google's")).toBe('Google');
  });
});

describe('canonicalPredicate', () => {
  const parts = (p: Partial<PredicateParts>): PredicateParts => ({
    surface: 'lives in',
    infinitive: 'live',
    tense: 'PresentTense',
    form: 'simple',
    negative: false,
    preposition: 'in',
    ...p,
  });

  it('maps the documented statements to single-valued predicates', () => {
    expect(canonicalPredicate(parts({}))).toEqual({ predicate: 'lives in', singlevalued: true });
    expect(canonicalPredicate(parts({ surface: 'is living in', form: 'progressive' }))).toEqual({ predicate: 'lives in', singlevalued: true });
    expect(canonicalPredicate(parts({ surface: 'moved to', infinitive: 'move', tense: 'PastTense', preposition: 'to' }))).toEqual({
      predicate: 'lives in',
      singlevalued: true,
    });
    expect(canonicalPredicate(parts({ surface: 'has moved to', infinitive: 'move', tense: 'PastTense', form: 'perfect', preposition: 'to' })).predicate).toBe('lives in');
    expect(canonicalPredicate(parts({ surface: 'works for', infinitive: 'work', preposition: 'for' }))).toEqual({ predicate: 'works at', singlevalued: true });
    expect(canonicalPredicate(parts({ surface: 'is married to', infinitive: 'marry', preposition: 'to' }))).toEqual({ predicate: 'is married to', singlevalued: true });
    expect(SINGLE_VALUED_PREDICATES).toEqual(['lives in', 'works at', 'is married to']);
  });

  it('keeps negated, hypothetical, past-state and infinitive statements as they are', () => {
    expect(canonicalPredicate(parts({ surface: 'does not live in', negative: true }))).toEqual({ predicate: 'does not live in', singlevalued: false });
    expect(canonicalPredicate(parts({ surface: 'will move to', infinitive: 'move', tense: 'FutureTense', form: 'future', preposition: 'to' })).singlevalued).toBe(false);
    expect(canonicalPredicate(parts({ surface: 'lived in', tense: 'PastTense' })).singlevalued).toBe(false);
    expect(canonicalPredicate(parts({ surface: 'was married to', infinitive: 'marry', tense: 'PastTense', preposition: 'to' })).singlevalued).toBe(false);
    expect(canonicalPredicate(parts({ surface: 'used to work at', infinitive: 'work', preposition: 'at' })).singlevalued).toBe(false);
    expect(canonicalPredicate(parts({ surface: 'move to', infinitive: 'move', tense: 'PresentTense', form: 'infinitive', preposition: 'to' })).singlevalued).toBe(false);
  });
});
