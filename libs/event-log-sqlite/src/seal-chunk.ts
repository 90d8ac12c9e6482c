import { presealEvent, type ContentCipher, type ContentKey } from '@memfabric/event-log';
import type { NewEvent } from '@memfabric/events';

/**
 * Consecutive events of one append to preseal together (see `presealEvent`): plain data, so it
 * can be posted to a worker thread as it is (structured clone).
 */
export interface SealChunk {
  /** Transaction time of the append (RFC 3339, ms, UTC). */
  readonly recordedat: string;
  /** Batch id of the append, for events that carry none. */
  readonly batchid: string;
  /** Content keys the chunk's events are encrypted under. */
  readonly keys: readonly ContentKey[];
  readonly events: readonly NewEvent[];
  /** `keyOf[i]` indexes `keys`: the key of `events[i]`. */
  readonly keyOf: readonly number[];
}

/**
 * Why an event could not be presealed. Errors survive the structured clone between threads
 * with their class (`TypeError` stays a `TypeError`) and message.
 */
export interface SealFailure {
  readonly error: Error;
}

/** Per event of a chunk: the record template `[before, after]`, or why sealing failed. */
export type SealOutcome = readonly [string, string] | SealFailure;

/** Preseals every event of `chunk` in order; an event that fails does not stop the others. */
export function sealChunk(chunk: SealChunk, cipher: ContentCipher): SealOutcome[] {
  const context = { batchid: chunk.batchid, recordedat: chunk.recordedat };
  return chunk.events.map((event, i) => {
    try {
      return presealEvent(event, context, chunk.keys[chunk.keyOf[i]!]!, cipher);
    } catch (cause) {
      return { error: cause instanceof Error ? cause : new Error(String(cause)) };
    }
  });
}

/** True when sealing the event failed. */
export function isSealFailure(outcome: SealOutcome): outcome is SealFailure {
  return !Array.isArray(outcome);
}
