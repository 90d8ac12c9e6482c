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
 * `<dir>/audit-signing.pub` (SPKI PEM, mode 0644: public, for auditors). Production deployments may keep the private key in a secret store and mount it
 * as a file instead ({@link signerFromKeyFile}), or pass any {@link Signer} (HSM, KMS).
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
 * @param hint - what to do about a PEM that does not parse; default: delete the data
 *   directory's key file to have a new one created.
 * @throws ConfigurationError (one line, starting with `origin`) unless it is an Ed25519 private key.
 */
export function signerFromPem(pem: string, origin: string, hint = 'delete it to have a new Ed25519 key created, or restore the original'): NodeEd25519Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new ConfigurationError(`${origin}: not a PEM private key; ${hint}`, { cause });
  }
  try {
    return new NodeEd25519Signer(key);
  } catch (cause) {
    throw new ConfigurationError(`${origin}: ${(cause as Error).message}`, { cause });
  }
}

/** What to do about a provisioned key file that is unusable. */
const KEY_FILE_HINT = 'it must hold an Ed25519 private key as PKCS #8 PEM (-----BEGIN PRIVATE KEY-----), e.g. from `openssl genpkey -algorithm ed25519`';

/**
 * A signer from a key file provisioned outside the fabric (a Kubernetes Secret mounted
 * read-only, a file written by a secrets agent): an Ed25519 private key as PKCS #8 PEM. Unlike
 * {@link loadOrCreateSigningKey}, nothing is created or written and the file's mode is left as
 * the platform set it; the public key is the signer's `publicKeyPem`.
 * @throws ConfigurationError, one line naming the file, when it cannot be read (missing, a
 *   directory, permission denied) or does not hold an Ed25519 private key.
 */
export function signerFromKeyFile(file: string): NodeEd25519Signer {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a key file' : code === 'EACCES' || code === 'EPERM' ? 'not readable by this process (permission denied)' : `cannot be read (${code ?? (cause as Error).message})`;
    throw new ConfigurationError(`audit signing key file ${file}: ${why}; ${KEY_FILE_HINT}`, { cause });
  }
  return signerFromPem(pem, `audit signing key file ${file}`, KEY_FILE_HINT);
}

/** Where the audit's signing key comes from (see {@link loadAuditSigner}). */
export interface SigningKeySource {
  /** A provisioned key file (PKCS #8 PEM, Ed25519); wins over `dataDir`. */
  readonly keyFile?: string;
  /** Data directory whose `audit-signing.key` is used, created on first use. */
  readonly dataDir?: string;
}

/**
 * Loads the audit signer: from `keyFile` when given ({@link signerFromKeyFile}: read-only,
 * nothing created), else from `<dataDir>/audit-signing.key` ({@link loadOrCreateSigningKey}:
 * created with its `.pub` on first use). Every audit process of one deployment must sign with
 * the same key, or checkpoints signed by one fail verification in another.
 * @throws ConfigurationError when neither is given, or the key is unusable (one line naming the file).
 */
export function loadAuditSigner(source: SigningKeySource): NodeEd25519Signer {
  if (source.keyFile !== undefined) return signerFromKeyFile(source.keyFile);
  if (source.dataDir !== undefined) return loadOrCreateSigningKey(source.dataDir);
  throw new ConfigurationError('the audit needs a signing key: pass a key file, a data directory (where audit-signing.key lives) or a signer');
}

/** SHA-256 of bytes, 64 lower-case hex. */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
