/** A content-encryption key of one data subject. */
export interface ContentKey {
  /** Opaque id stored beside each ciphertext. */
  readonly keyid: string;
  /** 32 bytes of AES-256 key material. */
  readonly key: Uint8Array;
}

/**
 * Holds one content key per data subject (per tenant), so that erasing a subject means
 * destroying its key (crypto-shredding): ciphertext in the immutable log stays, unreadable.
 */
export interface KeyVault {
  /** The subject's active key, created on first use (also after an earlier key was destroyed). */
  activeKey(tenantid: string, datasubject: string): Promise<ContentKey>;
  /** A key by id, or `undefined` when it was destroyed or never existed. */
  findKey(keyid: string): Promise<ContentKey | undefined>;
  /**
   * Destroys every key of the subject. Irreversible.
   * @returns the number of keys destroyed.
   */
  destroy(tenantid: string, datasubject: string): Promise<number>;
}

/** Encrypted content as stored in a record (binary fields base64url, RFC 4648 §5). */
export interface SealedContent {
  /** Algorithm: AES-256-GCM (NIST SP 800-38D). */
  readonly alg: 'A256GCM';
  readonly keyid: string;
  /** 12-byte nonce. */
  readonly iv: string;
  readonly ciphertext: string;
  /** 16-byte GCM authentication tag. */
  readonly tag: string;
}

/** Authenticated encryption of event content. `aad` binds a ciphertext to its event. */
export interface ContentCipher {
  encrypt(plaintext: Uint8Array, key: ContentKey, aad: string): SealedContent;
  /** @throws Error when the tag does not authenticate (wrong key, altered bytes). */
  decrypt(sealed: SealedContent, key: ContentKey, aad: string): Uint8Array;
}
