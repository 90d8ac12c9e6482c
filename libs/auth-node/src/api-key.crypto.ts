import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_ID_LENGTH, formatApiKey } from '@memfabric/auth';

/** Alphabet of key ids: lowercase letters and digits. */
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Random bytes of a secret: 32 (256 bits), 43 characters of base64url. */
const SECRET_BYTES = 32;

/** A freshly generated API key: show `key` once, store only {@link hashSecret} of `secret`. */
export interface GeneratedApiKey {
  /** 12 characters of `[a-z0-9]`, the public part (the key's name in lists and audit records). */
  readonly id: string;
  /** 43 characters of base64url (32 random bytes). */
  readonly secret: string;
  /** `mfk_<id>_<secret>`, what the client sends as `Authorization: Bearer <key>`. */
  readonly key: string;
}

/** `length` characters drawn uniformly from {@link ID_ALPHABET} (rejection sampling, no modulo bias). */
function randomId(length: number): string {
  const limit = 256 - (256 % ID_ALPHABET.length); // 252: the largest multiple of 36 not above 256
  let id = '';
  while (id.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && id.length < length) id += ID_ALPHABET[byte % ID_ALPHABET.length]!;
    }
  }
  return id;
}

/**
 * Generates a new API key from the operating system's CSPRNG (`node:crypto` randomBytes):
 * a 12-character `[a-z0-9]` id (about 62 bits, unique in practice; stores still refuse a
 * duplicate) and a 256-bit secret.
 */
export function generateApiKey(): GeneratedApiKey {
  const id = randomId(API_KEY_ID_LENGTH);
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, secret, key: formatApiKey(id, secret) };
}

/** Lowercase hex SHA-256 (64 characters) of a key's secret part, as stored in `ApiKeyRecord.secretHash`. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Whether `secret` hashes to `hexHash`, compared in constant time (`timingSafeEqual` on the
 * 32-byte digests).
 * @returns false also when `hexHash` is not 64 hex characters.
 */
export function secretMatches(secret: string, hexHash: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(hexHash)) return false;
  const expected = Buffer.from(hexHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(actual, expected);
}
