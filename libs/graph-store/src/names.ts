import { sha256Hex } from '@memfabric/events';
import type { EntityType } from './model.js';

/**
 * Entity resolution by name: one entity per (tenant, canonical name).
 *
 * The canonical name is the surface form folded so that trivial variants meet: Unicode NFKC,
 * typographic apostrophes as `'`, surrounding quotes and punctuation removed, a trailing
 * possessive removed (`Caroline's`, `James'`), whitespace collapsed, lower case. Articles and
 * honorifics are kept (`The Hague` is not `Hague`); merging true synonyms is left to an
 * extractor that emits one name for them (Graphiti resolves those with a model; this projection
 * stays deterministic so a replay gives the same graph).
 */

const APOSTROPHES = /[\u2018\u2019\u02bc\u2032\uff07`´]/g;
const EDGE_PUNCTUATION = /^[\s"'“”«»‹›()[\]{}<>.,;:!?¡¿*_~-]+|[\s"'“”«»‹›()[\]{}<>.,;:!?¡¿*_~-]+$/gu;
// a trailing "'" (James') is already gone with the surrounding punctuation
const POSSESSIVE = /'s$/iu;
const WHITESPACE = /\s+/gu;

/**
 * The display form of a surface name: NFKC, apostrophes unified, surrounding punctuation and a
 * trailing possessive removed, whitespace collapsed; case kept. `"  Caroline’s "` → `Caroline`.
 * @returns the empty string when nothing is left.
 */
export function displayName(surface: string): string {
  let name = surface.normalize('NFKC').replace(APOSTROPHES, "'").replace(WHITESPACE, ' ');
  name = name.replace(EDGE_PUNCTUATION, '');
  return name.replace(POSSESSIVE, '').replace(EDGE_PUNCTUATION, '');
}

/**
 * The canonical name of a surface form: {@link displayName} in lower case (locale independent).
 * `"CAROLINE's"`, `"caroline"`, `" Caroline "` → `caroline`.
 * @returns the empty string when the surface has no name in it (such mentions are skipped).
 */
export function canonicalName(surface: string): string {
  return displayName(surface).toLowerCase();
}

/**
 * The canonical form of a predicate: NFKC, lower case, runs of whitespace, `-` and `_` as one `_`,
 * surrounding `_` removed. `"Lives in"`, `"lives_in"`, `"LIVES-IN"` → `lives_in`.
 * @returns the empty string when nothing is left (the relation is skipped).
 */
export function canonicalPredicate(predicate: string): string {
  return predicate
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Deterministic entity id: `ent_` + the first 32 hex digits (128 bits) of
 * SHA-256(`tenant␀canonicalName`). Every adapter and every replay gives an entity the same id.
 */
export function entityId(tenant: string, canonical: string): string {
  return `ent_${sha256Hex(`${tenant}\u0000${canonical}`).slice(0, 32)}`;
}

/**
 * Deterministic fact id: `fact_` + the first 32 hex digits of SHA-256(`tenant␀eventId␀index`),
 * where `eventId` is the `facts.extracted` event whose relation number `index` created the fact.
 */
export function factId(tenant: string, eventId: string, index: number): string {
  return `fact_${sha256Hex(`${tenant}\u0000${eventId}\u0000${index}`).slice(0, 32)}`;
}

const TYPE_RANK: Readonly<Record<EntityType, number>> = {
  other: 0,
  thing: 1,
  date: 2,
  quantity: 2,
  person: 3,
  place: 3,
  organization: 3,
};

/**
 * The type an entity keeps when a mention gives another: the more specific one wins
 * (person/place/organization > date/quantity > thing > other); between equally specific types
 * the one seen first stays, so a replay in log order always gives the same type.
 */
export function mergeEntityType(current: EntityType, seen: EntityType): EntityType {
  return TYPE_RANK[seen] > TYPE_RANK[current] ? seen : current;
}
