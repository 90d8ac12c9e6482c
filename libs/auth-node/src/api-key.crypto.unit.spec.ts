import { describe, expect, it } from 'vitest';
import { parseApiKey } from '@memfabric/auth';
import { generateApiKey, hashSecret, secretMatches } from './api-key.crypto.js';

describe('API key generation and hashing', () => {
  it('generates keys shaped mfk_<12 [a-z0-9]>_<43 base64url> that parse back', () => {
    for (let i = 0; i < 200; i++) {
      const { id, secret, key } = generateApiKey();
      expect(id).toMatch(/^[a-z0-9]{12}$/);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
      expect(parseApiKey(key)).toEqual({ id, secret });
    }
  });

  it('never repeats an id or a secret', () => {
    const keys = Array.from({ length: 500 }, generateApiKey);
    expect(new Set(keys.map((k) => k.id)).size).toBe(500);
    expect(new Set(keys.map((k) => k.secret)).size).toBe(500);
  });

  it('hashes a secret to lowercase hex SHA-256', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches a secret against its hash only', () => {
    const { secret } = generateApiKey();
    const hash = hashSecret(secret);
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(secret, hash.toUpperCase())).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}x`, hash)).toBe(false);
    expect(secretMatches(secret, hash.slice(2))).toBe(false);
    expect(secretMatches(secret, 'z'.repeat(64))).toBe(false);
    expect(secretMatches(secret, '')).toBe(false);
  });
});
