import { ValidationError } from '@memfabric/errors';

/**
 * Signing ports and the JWS compact serialization (RFC 7515) the audit service signs with.
 *
 * Signatures are Ed25519 (RFC 8032, "pure" EdDSA over the message bytes), carried as JWS with
 * `alg: "EdDSA"` (RFC 8037), so an auditor can check a checkpoint or a manifest with any JOSE
 * library and nothing but the public key. The key material never enters this package: an
 * adapter (node:crypto in `@memfabric/audit-node`, an HSM or KMS elsewhere) implements
 * {@link Signer} and {@link SignatureVerifier}.
 */

/** The JWS algorithm name of Ed25519 (RFC 8037 §3.1). */
export const JWS_ALGORITHM = 'EdDSA';

/** Signs bytes with one private key. */
export interface Signer {
  /** Key id: the RFC 7638 JWK thumbprint (base64url SHA-256) of the public key. */
  readonly keyId: string;
  /** The public key, SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  readonly publicKeyPem: string;
  /** The public key as a JWK (`{ kty: "OKP", crv: "Ed25519", x }`, RFC 8037). */
  readonly publicKeyJwk: Readonly<Record<string, string>>;
  /**
   * Ed25519 signature (64 bytes) of `message`.
   * @throws UnavailableError when the key store cannot be reached (retriable).
   */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Verifies Ed25519 signatures with a public key given as SPKI PEM. */
export interface SignatureVerifier {
  /**
   * True when `signature` is a valid Ed25519 signature of `message` under `publicKeyPem`.
   * @throws ValidationError when `publicKeyPem` is not an Ed25519 SPKI PEM public key.
   */
  verify(message: Uint8Array, signature: Uint8Array, publicKeyPem: string): boolean;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Base64url without padding (RFC 4648 §5) of `bytes`. */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += ALPHABET[b0 >> 2]!;
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)]!;
    if (b1 !== undefined) out += ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)]!;
    if (b2 !== undefined) out += ALPHABET[b2 & 63]!;
  }
  return out;
}

/**
 * Decodes base64url without padding.
 * @throws ValidationError on a character outside the alphabet or an impossible length.
 */
export function fromBase64url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new ValidationError('not base64url: impossible length', [{ pointer: '', detail: 'impossible base64url length' }]);
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const c of text) {
    const v = LOOKUP.get(c);
    if (v === undefined) throw new ValidationError(`not base64url: character ${JSON.stringify(c)}`, [{ pointer: '', detail: 'not base64url' }]);
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The protected header of every signature this package makes. */
export interface JwsHeader {
  readonly alg: typeof JWS_ALGORITHM;
  readonly kid: string;
  /** Media type of the payload (`memfabric-checkpoint+json`, `memfabric-manifest+json`). */
  readonly typ: string;
}

/**
 * Signs `payload` as a JWS compact serialization (RFC 7515 §7.1):
 * `base64url(header) "." base64url(payload) "." base64url(signature)`. With `detached`, the
 * payload part is left empty (RFC 7515 Appendix F): the verifier supplies the bytes (a file).
 */
export async function signCompact(signer: Signer, payload: Uint8Array, typ: string, detached = false): Promise<string> {
  const header: JwsHeader = { alg: JWS_ALGORITHM, kid: signer.keyId, typ };
  const encodedHeader = base64url(utf8(JSON.stringify(header)));
  const encodedPayload = base64url(payload);
  const signature = await signer.sign(utf8(`${encodedHeader}.${encodedPayload}`));
  return `${encodedHeader}.${detached ? '' : encodedPayload}.${base64url(signature)}`;
}

/** What {@link verifyCompact} found. */
export type JwsCheck =
  | { readonly valid: true; readonly header: JwsHeader; readonly payload: Uint8Array }
  | { readonly valid: false; readonly reason: string };

/**
 * Verifies a JWS compact serialization made by {@link signCompact}.
 * @param detachedPayload - the payload bytes when the JWS was made detached.
 * @returns the header and payload when the signature holds under `publicKeyPem`, else why not.
 */
export function verifyCompact(jws: string, publicKeyPem: string, verifier: SignatureVerifier, detachedPayload?: Uint8Array): JwsCheck {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) return { valid: false, reason: 'not a JWS compact serialization (expected three dot-separated parts)' };
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  let header: JwsHeader;
  let payload: Uint8Array;
  let signature: Uint8Array;
  try {
    header = JSON.parse(decoder.decode(fromBase64url(encodedHeader))) as JwsHeader;
    payload = detachedPayload ?? fromBase64url(encodedPayload);
    signature = fromBase64url(encodedSignature);
  } catch (error) {
    return { valid: false, reason: `malformed JWS: ${(error as Error).message}` };
  }
  if (header.alg !== JWS_ALGORITHM) return { valid: false, reason: `JWS alg is ${JSON.stringify(header.alg)}, expected EdDSA` };
  if (detachedPayload !== undefined && encodedPayload !== '') return { valid: false, reason: 'expected a detached JWS (empty payload part)' };
  const input = utf8(`${encodedHeader}.${detachedPayload === undefined ? encodedPayload : base64url(detachedPayload)}`);
  if (!verifier.verify(input, signature, publicKeyPem)) return { valid: false, reason: 'Ed25519 signature does not verify under the public key' };
  return { valid: true, header, payload };
}

/** Decodes UTF-8 strictly. @throws TypeError on malformed UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
