import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';

/** `prevhash` of the first event of a stream: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON of a value per RFC 8785 (JSON Canonicalization Scheme): sorted keys, no
 * whitespace, ECMAScript number formatting. Two equal values always give the same string.
 * @throws TypeError when the value cannot be represented in JSON (undefined, a function).
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
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
