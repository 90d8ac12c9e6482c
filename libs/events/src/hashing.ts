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
 * `String.prototype.isWellFormed`. The tests check it against `canonicalize` as the reference.
 *
 * @throws TypeError on NaN, ±Infinity, a string with a lone surrogate, a bigint, a function or
 *   a symbol, or when the top-level value is `undefined`.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) throw new TypeError('value has no JSON representation');
  return serialize(value);
}

function serialize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) throw new TypeError('lone surrogate in string: not representable in canonical JSON');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not representable in JSON`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : serialize(item))).join(',')}]`;
      const record = value as Record<string, unknown>;
      const json = (record as { toJSON?: () => unknown }).toJSON;
      if (typeof json === 'function') return serialize(json.call(record));
      const members: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        members.push(`${serialize(key)}:${serialize(member)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`a ${typeof value} is not representable in JSON`);
  }
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
  return digest(canonicalJson({ prevhash, record }));
}
