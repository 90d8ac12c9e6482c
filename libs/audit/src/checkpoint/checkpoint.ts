import { canonicalJson, sha256Hex, type Sha256Hex } from '@memfabric/events';
import { fromUtf8, signCompact, utf8, verifyCompact, type SignatureVerifier, type Signer } from '../signing.js';

/** Media type (JWS `typ`) of a signed checkpoint. */
export const CHECKPOINT_TYP = 'memfabric-checkpoint+json';

/** The head of one stream's hash chain: its last event when the checkpoint was taken. */
export interface StreamHead {
  readonly streamid: string;
  /** 1-based stream position of the head event (= events in the stream). */
  readonly streamposition: number;
  /** Id of the head event. */
  readonly id: string;
  /** Its chain hash (64 hex). */
  readonly hash: string;
}

/**
 * What a checkpoint commits to: every stream head of one tenant at one log position, and a
 * Merkle root over them ({@link headsRoot}). Signed as JWS (Ed25519); the payload is the RFC
 * 8785 canonical JSON of this object.
 */
export interface CheckpointBody {
  /** Format version. */
  readonly v: 1;
  readonly tenantid: string;
  /** Log offset of the tenant's last event covered (`-1` when the tenant had none). */
  readonly position: number;
  /** Events of the tenant covered (sum of head positions). */
  readonly events: number;
  /** Heads ordered by `streamid` (UTF-16 code units, as canonical JSON orders keys). */
  readonly heads: readonly StreamHead[];
  /** {@link headsRoot} of `heads`. */
  readonly root: string;
  /** When the checkpoint was taken (RFC 3339 UTC). */
  readonly createdat: string;
  /** Key id of the signing key (RFC 7638 thumbprint). */
  readonly keyid: string;
}

/** A checkpoint and its JWS compact serialization (the payload is the canonical body). */
export interface SignedCheckpoint {
  readonly checkpoint: CheckpointBody;
  readonly jws: string;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Merkle tree hash of the stream heads, shaped as RFC 6962 §2.1 (Certificate Transparency):
 * leaves are `SHA-256("\u0000" || canonicalJson(head))`, inner nodes
 * `SHA-256("\u0001" || left || right)` over the hex digests, the split point being the largest
 * power of two smaller than the number of leaves. The empty tree hashes the empty string. An
 * auditor holding one stream's head can check it against the root with a log-size proof.
 */
export function headsRoot(heads: readonly StreamHead[], digest: Sha256Hex = sha256Hex): string {
  const leaves = [...heads].sort((a, b) => compareIds(a.streamid, b.streamid)).map((h) => digest(`\u0000${canonicalJson(h)}`));
  const tree = (from: number, to: number): string => {
    const n = to - from;
    if (n === 0) return digest('');
    if (n === 1) return leaves[from]!;
    let k = 1;
    while (k * 2 < n) k *= 2;
    return digest(`\u0001${tree(from, from + k)}${tree(from + k, to)}`);
  };
  return tree(0, leaves.length);
}

/** Builds the body of a checkpoint from the heads of one tenant's streams. */
export function checkpointBody(
  tenantid: string,
  heads: readonly StreamHead[],
  position: number,
  createdat: string,
  keyid: string,
  digest: Sha256Hex = sha256Hex,
): CheckpointBody {
  const sorted = [...heads].sort((a, b) => compareIds(a.streamid, b.streamid));
  return {
    v: 1,
    tenantid,
    position,
    events: sorted.reduce((n, h) => n + h.streamposition, 0),
    heads: sorted,
    root: headsRoot(sorted, digest),
    createdat,
    keyid,
  };
}

/** Signs a checkpoint body (JWS compact, payload = canonical JSON of the body). */
export async function signCheckpoint(body: CheckpointBody, signer: Signer): Promise<SignedCheckpoint> {
  return { checkpoint: body, jws: await signCompact(signer, utf8(canonicalJson(body)), CHECKPOINT_TYP) };
}

/**
 * Checks a signed checkpoint with only the public key: the signature, that the signed payload
 * is the body as given, and that the root recomputes from the heads.
 * @returns `undefined` when it holds, else why not.
 */
export function checkSignedCheckpoint(
  signed: SignedCheckpoint,
  publicKeyPem: string,
  verifier: SignatureVerifier,
  digest: Sha256Hex = sha256Hex,
): string | undefined {
  const check = verifyCompact(signed.jws, publicKeyPem, verifier);
  if (!check.valid) return check.reason;
  let payload: string;
  try {
    payload = fromUtf8(check.payload);
  } catch {
    return 'signed payload is not UTF-8';
  }
  if (payload !== canonicalJson(signed.checkpoint)) return 'checkpoint body differs from the signed payload';
  if (headsRoot(signed.checkpoint.heads, digest) !== signed.checkpoint.root) return 'Merkle root does not recompute from the heads';
  return undefined;
}

/** A chain event as a checkpoint comparison needs it. */
export interface ChainLink {
  readonly id: string;
  readonly hash: string;
}

/** Where live or exported events disagree with a signed checkpoint. */
export interface CheckpointMismatch {
  readonly streamid: string;
  readonly streamposition: number;
  /** Id of the event now at that position (the signed head's id when it is missing). */
  readonly eventId: string;
  readonly missing: boolean;
  readonly reason: string;
}

/**
 * Compares a checkpoint's heads with the events present now.
 * @param lookup - the event at a stream position now, or `undefined` when there is none.
 * @returns the first head (by stream id) whose event is missing or has another id or hash.
 */
export function compareHeads(body: CheckpointBody, lookup: (streamid: string, streamposition: number) => ChainLink | undefined): CheckpointMismatch | undefined {
  for (const head of body.heads) {
    const now = lookup(head.streamid, head.streamposition);
    if (!now) {
      return {
        streamid: head.streamid,
        streamposition: head.streamposition,
        eventId: head.id,
        missing: true,
        reason: `event ${head.id} (stream position ${head.streamposition}) signed in the checkpoint of ${body.createdat} is missing`,
      };
    }
    if (now.id !== head.id || now.hash !== head.hash) {
      return {
        streamid: head.streamid,
        streamposition: head.streamposition,
        eventId: now.id,
        missing: false,
        reason:
          now.id !== head.id
            ? `event at stream position ${head.streamposition} is ${now.id}, the checkpoint of ${body.createdat} signed ${head.id}`
            : `hash at stream position ${head.streamposition} differs from the checkpoint of ${body.createdat}: the chain up to this event was rewritten`,
      };
    }
  }
  return undefined;
}
