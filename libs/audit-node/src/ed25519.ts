import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { base64url, type SignatureVerifier, type Signer } from '@memfabric/audit';
import { ConfigurationError, ValidationError } from '@memfabric/errors';

/** File names of the signing key pair in the data directory. */
export const SIGNING_KEY_FILES = { privateKey: 'audit-signing.key', publicKey: 'audit-signing.pub' } as const;

/**
 * The RFC 7638 JWK thumbprint of an Ed25519 public key: base64url SHA-256 of
 * `{"crv":"Ed25519","kty":"OKP","x":...}` (members in lexicographic order, no whitespace).
 */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as { x?: string };
  return base64url(createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${jwk.x ?? ''}"}`).digest());
}

/** Ed25519 (RFC 8032) {@link Signer} over a node:crypto private key. */
export class NodeEd25519Signer implements Signer {
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly publicKeyJwk: Readonly<Record<string, string>>;

  /** @throws ConfigurationError unless `privateKey` is an Ed25519 private key. */
  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new ConfigurationError(`the audit signing key must be an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? privateKey.type}`);
    }
    const publicKey = createPublicKey(privateKey);
    this.keyId = jwkThumbprint(publicKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
    this.publicKeyJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk['x'] ?? '', kid: this.keyId, use: 'sig', alg: 'EdDSA' };
  }

  /** A signer with a fresh key (tests, throw-away use). */
  static generate(): NodeEd25519Signer {
    return new NodeEd25519Signer(generateKeyPairSync('ed25519').privateKey);
  }

  sign(message: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(sign(null, message, this.privateKey)));
  }
}

/** Ed25519 signature verification with node:crypto (pure EdDSA, RFC 8032 §5.1.7). */
export const nodeSignatureVerifier: SignatureVerifier = {
  verify(message: Uint8Array, signature: Uint8Array, publicKeyPem: string): boolean {
    let key: KeyObject;
    try {
      key = createPublicKey(publicKeyPem);
    } catch (cause) {
      throw new ValidationError('the public key is not a PEM public key', [{ pointer: '/publicKey', detail: 'must be an SPKI PEM (-----BEGIN PUBLIC KEY-----)' }], { cause });
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new ValidationError(`the public key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`, [{ pointer: '/publicKey', detail: 'must be an Ed25519 key' }]);
    }
    if (signature.length !== 64) return false;
    return verify(null, message, key, signature);
  },
};

/**
 * Loads the audit signing key of a data directory, creating an Ed25519 key pair on first use:
 * `<dir>/audit-signing.key` (PKCS #8 PEM, mode 0600, also set on an existing file) and
 * `<dir>/audit-signing.pub` (SPKI PEM, mode 0644: public, for auditors). Production deployments may keep the private key in a secret store and pass it
 * in as PEM instead.
 * @throws ConfigurationError when the file exists but is not an Ed25519 private key.
 */
export function loadOrCreateSigningKey(dir: string): NodeEd25519Signer {
  const file = path.join(dir, SIGNING_KEY_FILES.privateKey);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process won the race
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600); // a key file from before modes were enforced
  const signer = signerFromPem(readFileSync(file, 'utf8'), file);
  const pub = path.join(dir, SIGNING_KEY_FILES.publicKey);
  if (!existsSync(pub) || readFileSync(pub, 'utf8') !== signer.publicKeyPem) writeFileSync(pub, signer.publicKeyPem, { mode: 0o644 });
  return signer;
}

/**
 * A signer from a PKCS #8 PEM private key.
 * @param origin - where the PEM came from, for the error message.
 * @throws ConfigurationError unless it is an Ed25519 private key.
 */
export function signerFromPem(pem: string, origin: string): NodeEd25519Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new ConfigurationError(`${origin}: not a PEM private key; delete it to have a new Ed25519 key created, or restore the original`, { cause });
  }
  try {
    return new NodeEd25519Signer(key);
  } catch (cause) {
    throw new ConfigurationError(`${origin}: ${(cause as Error).message}`, { cause });
  }
}

/** SHA-256 of bytes, 64 lower-case hex. */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
