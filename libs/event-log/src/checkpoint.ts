import type { Checkpoint, Position } from './port.js';

/** True when the checkpoint has moved past `position` (the event at `position` was read). */
export function hasReached(checkpoint: Checkpoint, position: Position): boolean {
  return (checkpoint[position.partition] ?? 0) > position.offset;
}

/** Events between a checkpoint and the log end, summed over partitions. */
export function lag(checkpoint: Checkpoint, end: Checkpoint): number {
  let total = 0;
  for (const [partition, endOffset] of Object.entries(end)) {
    total += Math.max(0, endOffset - (checkpoint[Number(partition)] ?? 0));
  }
  return total;
}

/** The checkpoint after reading `positions` from `start`. */
export function advance(start: Checkpoint, positions: Iterable<Position>): Checkpoint {
  const next: Record<number, number> = { ...start };
  for (const p of positions) next[p.partition] = Math.max(next[p.partition] ?? 0, p.offset + 1);
  return next;
}
