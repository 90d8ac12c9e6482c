/**
 * Canonical entity names, so that every mention of one entity gets the same key in the graph:
 * trimmed, whitespace collapsed to one space, possessive "'s" / "’s" / trailing "'" removed,
 * people (and all-lower-case places and organizations) title-cased, things lower-cased except
 * proper nouns and acronyms.
 */

const POSSESSIVE = /(?:['’]s|(?<=s)['’])$/iu;

/** Collapses runs of whitespace (any Unicode space, newlines) to one space and trims. */
export function collapseWhitespace(value: string): string {
  return value.replace(/\s+/gu, ' ').trim();
}

/** Removes a possessive ending: "Melanie's" → "Melanie", "James’" → "James". */
export function stripPossessive(value: string): string {
  return value.replace(POSSESSIVE, '');
}

/**
 * Upper-cases the first letter of each word; a word written all in capitals ("JOHN") is
 * lower-cased after its first letter, any other casing ("McDonald") is kept.
 */
export function titleCase(value: string): string {
  return value.replace(/[\p{L}\p{N}][\p{L}\p{N}'’.-]*/gu, (word) => {
    const first = word.charAt(0).toUpperCase();
    const rest = word.slice(1);
    return first + (word.length > 2 && word === word.toUpperCase() ? rest.toLowerCase() : rest);
  });
}

/** Canonical name of a person: collapsed, possessive removed, title-cased. */
export function canonicalPerson(value: string): string {
  return titleCase(stripPossessive(collapseWhitespace(value)));
}

/** Canonical name of a place or organization: title-cased only when written all in lower case. */
export function canonicalProperName(value: string): string {
  const name = stripPossessive(collapseWhitespace(value));
  return name === name.toLowerCase() ? titleCase(name) : name;
}
