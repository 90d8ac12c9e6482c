import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { ContentCipher, ContentKey, SealedContent } from '@memfabric/event-log';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const IV_POOL_BYTES = IV_BYTES * 4096;

/**
 * Random nonces drawn from a pooled CSPRNG buffer: one `randomBytes` call per 4096 nonces
 * instead of one per message (the call overhead dominated small encryptions).
 */
class NoncePool {
  private pool = randomBytes(IV_POOL_BYTES);
  private used = 0;
  next(): Buffer {
    if (this.used + IV_BYTES > this.pool.length) {
      this.pool = randomBytes(IV_POOL_BYTES);
      this.used = 0;
    }
    const iv = this.pool.subarray(this.used, this.used + IV_BYTES);
    this.used += IV_BYTES;
    return iv;
  }
}

/** SHA-256 on Node's OpenSSL binding: the same digest as the portable one, about 8x faster. */
export function nodeSha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce per message and the event id as
 * additional authenticated data, on Node's OpenSSL binding.
 */
export class AesGcmContentCipher implements ContentCipher {
  private readonly nonces = new NoncePool();

  encrypt(plaintext: Uint8Array, key: ContentKey, aad: string): SealedContent {
    const iv = this.nonces.next();
    const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      alg: 'A256GCM',
      keyid: key.keyid,
      iv: iv.toString('base64url'),
      ciphertext: ciphertext.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    };
  }

  decrypt(sealed: SealedContent, key: ContentKey, aad: string): Uint8Array {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(sealed.iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64url')), decipher.final()]);
  }
}

/**
 * Wraps content keys under a master key (key-encryption key) with AES-256-GCM, so a copy of the
 * key table alone does not reveal content keys. Wrapped form: iv(12) || tag(16) || ciphertext(32).
 */
export class KeyWrapper {
  private readonly master: Buffer;

  /** @throws RangeError unless `masterKey` is 32 bytes. */
  constructor(masterKey: Uint8Array) {
    if (masterKey.length !== 32) throw new RangeError(`master key must be 32 bytes, got ${masterKey.length}`);
    this.master = Buffer.from(masterKey);
  }

  wrap(key: Uint8Array, keyid: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.master, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(keyid, 'utf8'));
    const body = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** @throws Error when the wrapped key does not authenticate (wrong master key, altered row). */
  unwrap(wrapped: Uint8Array, keyid: string): Buffer {
    const buf = Buffer.from(wrapped);
    const decipher = createDecipheriv('aes-256-gcm', this.master, buf.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(keyid, 'utf8'));
    decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}

/** 32 random bytes from the OS CSPRNG. */
export function newKeyMaterial(): Buffer {
  return randomBytes(32);
}
