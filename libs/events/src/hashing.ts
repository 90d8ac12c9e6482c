import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** `prevhash` of the first event of a stream: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON of a value per RFC 8785 (JSON Canonicalization Scheme): object members sorted
 * by the UTF-16 code units of their names, no whitespace, strings and numbers serialized as
 * ECMAScript's JSON.stringify does (which is what RFC 8785 §3.2.2 prescribes). Members whose
 * value is `undefined` are omitted, as JSON.stringify omits them. Two equal values always give
 * the same string.
 *
 * Written here rather than taken from the `canonicalize` package because this runs once per
 * appended event and per verified event: that package checks strings for lone surrogates in a
 * JavaScript loop, which made it the most expensive step of an append; this uses the native
 * `String.prototype.isWellFormed`, and lets the native `JSON.stringify` write a copy of the
 * value whose members were inserted in sorted order (an object with a member name that starts
 * with a digit, which engines enumerate in numeric order, or `__proto__`, is written member by
 * member instead). The tests check it against `canonicalize` as the reference.
 *
 * @throws TypeError on NaN, ±Infinity, a string with a lone surrogate, a bigint, a function or
 *   a symbol, or when the top-level value is `undefined`.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) throw new TypeError('value has no JSON representation');
  try {
    return JSON.stringify(sortedCopy(value));
  } catch (error) {
    if (error !== KEY_ORDER_UNSAFE) throw error;
    return serialize(value);
  }
}

/** Thrown by {@link sortedCopy} when insertion order would not be enumeration order. */
const KEY_ORDER_UNSAFE = new Error('key order unsafe');

/** `value` with every object rebuilt in sorted member order, checked as {@link serialize} checks it. */
function sortedCopy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) throw new TypeError('lone surrogate in string: not representable in canonical JSON');
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not representable in JSON`);
      return value;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((item: unknown) => (item === undefined ? null : sortedCopy(item)));
      const record = value as Record<string, unknown>;
      const json = (record as { toJSON?: () => unknown }).toJSON;
      if (typeof json === 'function') return sortedCopy(json.call(record));
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(record).sort()) {
        const first = key.charCodeAt(0);
        if ((first >= 48 && first <= 57) || key === '__proto__') throw KEY_ORDER_UNSAFE;
        if (!key.isWellFormed()) throw new TypeError('lone surrogate in string: not representable in canonical JSON');
        const member = record[key];
        if (member !== undefined) copy[key] = sortedCopy(member);
      }
      return copy;
    }
    default:
      throw new TypeError(`a ${typeof value} is not representable in JSON`);
  }
}

/** Canonical JSON written member by member (the general path of {@link canonicalJson}). */
function serialize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return serializeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not representable in JSON`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : serialize(item));
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const json = (record as { toJSON?: () => unknown }).toJSON;
      if (typeof json === 'function') return serialize(json.call(record));
      return `{${serializeMembers(record, Object.keys(record).sort())}}`;
    }
    default:
      throw new TypeError(`a ${typeof value} is not representable in JSON`);
  }
}

function serializeString(value: string): string {
  if (!value.isWellFormed()) throw new TypeError('lone surrogate in string: not representable in canonical JSON');
  return JSON.stringify(value);
}

/** `"key":value` pairs of `record` in the order of `keys`, comma-separated; undefined members skipped. */
function serializeMembers(record: Readonly<Record<string, unknown>>, keys: readonly string[]): string {
  let out = '';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${out === '' ? '' : ','}${serializeString(key)}:${serialize(member)}`;
  }
  return out;
}

/**
 * The canonical JSON of a plain object with one member left open: `[before, after]` such that
 * `before + canonicalJson(v) + after === canonicalJson({ ...record, [hole]: v })` for every
 * JSON value `v`. Lets a writer serialize a record before it knows one field (the stream
 * position, fixed inside the write transaction) and fill it in with one concatenation.
 * @throws TypeError as {@link canonicalJson}, and when `record` already has a `hole` member.
 */
export function canonicalJsonTemplate(record: Readonly<Record<string, unknown>>, hole: string): readonly [string, string] {
  if (Object.hasOwn(record, hole)) throw new TypeError(`record already has a member "${hole}"`);
  const keys = Object.keys(record);
  keys.push(hole);
  keys.sort();
  let before = '';
  let after = '';
  let open = false;
  for (const key of keys) {
    if (key === hole) {
      open = true;
      continue;
    }
    const member = record[key];
    if (member === undefined) continue;
    const text = `${serializeString(key)}:${typeof member === 'string' ? serializeString(member) : canonicalJson(member)}`;
    if (open) after += `,${text}`;
    else before += `${before === '' ? '' : ','}${text}`;
  }
  return [`{${before}${before === '' ? '' : ','}${serializeString(hole)}:`, `${after}}`];
}

/** A SHA-256 (FIPS 180-4) of a UTF-8 string as 64 lower-case hex characters. */
export type Sha256Hex = (text: string) => string;

/** Portable {@link Sha256Hex} in pure JavaScript (@noble/hashes); adapters may pass a native one. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * Hash-chain link of one stored event: SHA-256 over the canonical JSON of
 * `{ prevhash, record }`, where `record` is the event exactly as stored (content encrypted).
 * Because the chain covers the stored form, it still verifies after a data subject's content
 * key is destroyed.
 *
 * @param prevhash - `hash` of the previous event of the stream, or {@link GENESIS_HASH}.
 * @param record - the stored record (every attribute except `hash`).
 * @param digest - the SHA-256 implementation (default pure JS; any correct one gives the same hash).
 * @returns 64 lower-case hex characters.
 */
export function chainHash(prevhash: string, record: Readonly<Record<string, unknown>>, digest: Sha256Hex = sha256Hex): string {
  return chainHashOfCanonical(prevhash, canonicalJson(record), digest);
}

/**
 * {@link chainHash} of a record given as its canonical JSON (`canonicalJson(record)`), for
 * writers that already hold that string (they store it): the same 64 hex characters, without
 * serializing the record again. `canonicalJson({ prevhash, record })` is `{"prevhash":…,"record":…}`
 * because the two names sort in that order.
 */
export function chainHashOfCanonical(prevhash: string, canonicalRecord: string, digest: Sha256Hex = sha256Hex): string {
  return digest(`{"prevhash":${serializeString(prevhash)},"record":${canonicalRecord}}`);
}
