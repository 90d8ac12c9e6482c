import { ValidationError } from '@memfabric/errors';
import { advance } from './checkpoint.js';
import type { Checkpoint, Position } from './port.js';

const PREFIX = 'mf1.';

/**
 * Encodes the positions a write reached as an opaque consistency token.
 *
 * The token holds, per partition, the offset just past the highest position of the write
 * (a {@link Checkpoint}). A reader has applied every event of the write once its committed
 * checkpoint is at least the token's value in each partition (`hasReached` of every position).
 * Format: `mf1.` + base64url of the JSON object `{ "<partition>": <next offset> }`; clients must
 * treat it as opaque.
 *
 * @param positions - where the events of the write are stored (duplicates included: the reader
 *   must have seen them as well).
 */
export function encodeConsistencyToken(positions: Iterable<Position>): string {
  const checkpoint = advance({}, positions);
  return `${PREFIX}${toBase64Url(JSON.stringify(checkpoint))}`;
}

/**
 * Decodes a token made by {@link encodeConsistencyToken}.
 * @returns the checkpoint a reader must reach: next offset by partition.
 * @throws ValidationError (pointer `/consistencyToken`) when the token is malformed.
 */
export function decodeConsistencyToken(token: string): Checkpoint {
  const invalid = () => new ValidationError('consistency token is malformed', [{ pointer: '/consistencyToken', detail: 'is not a token this service issued' }]);
  if (!token.startsWith(PREFIX)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(token.slice(PREFIX.length)));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const checkpoint: Record<number, number> = {};
  for (const [partition, offset] of Object.entries(parsed)) {
    if (!/^(0|[1-9][0-9]*)$/.test(partition) || !Number.isSafeInteger(offset) || (offset as number) < 0) throw invalid();
    checkpoint[Number(partition)] = offset as number;
  }
  return checkpoint;
}

/** base64url (RFC 4648 §5, no padding) of the UTF-8 bytes of `text`. */
function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The UTF-8 text of base64url `encoded`.
 * @throws Error when it is not base64url or not UTF-8.
 */
function fromBase64Url(encoded: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw new Error('not base64url');
  const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
