import { ValidationError } from '@memfabric/errors';
import { advance, type Checkpoint, type Position } from '@memfabric/event-log';

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
  return `${PREFIX}${Buffer.from(JSON.stringify(checkpoint), 'utf8').toString('base64url')}`;
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
    parsed = JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'));
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
