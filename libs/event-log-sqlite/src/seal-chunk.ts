import { chainHashOfCanonical, type NewEvent, type Sha256Hex } from '@memfabric/events';
import { presealEvent, type ContentCipher, type ContentKey } from '@memfabric/event-log';

/**
 * Events of one append to seal together, in append order, with the stream positions and chain
 * heads the writer expects them to get. Plain data, so it can be posted to a worker thread as
 * it is (structured clone).
 *
 * Positions and heads are a forecast (made inside the write transaction, assuming no event of
 * the batch is already stored): the writer checks each event's position and `prevhash` against
 * what it actually stores and rehashes the event when they differ, so a wrong forecast costs
 * time, never correctness.
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
  /** `positions[i]`: the stream position forecast for `events[i]`. */
  readonly positions: readonly number[];
  /**
   * Chain heads of the streams whose first event of this append is in this chunk, by stream key
   * (`tenantid \0 streamid`); later chunks continue the chains {@link SealChains} keeps.
   */
  readonly heads: Readonly<Record<string, string>>;
  /** True for the first chunk of an append a sealer receives: earlier chains are dropped. */
  readonly first: boolean;
}

/**
 * Why an event could not be sealed. Errors survive the structured clone between threads with
 * their class (`TypeError` stays a `TypeError`) and message.
 */
export interface SealFailure {
  readonly error: Error;
}

/**
 * Per event of a chunk: `[before, after, prevhash, hash]` — the record's canonical JSON is
 * `before + position + after`, and `hash` links it to `prevhash` at the forecast position — or
 * why sealing failed.
 */
export type SealOutcome = readonly [string, string, string, string] | SealFailure;

/** The chain head of each stream a sealer has hashed so far in the current append. */
export type SealChains = Map<string, string>;

/**
 * Seals every event of `chunk` in order (see `presealEvent`), hashing each onto its stream's
 * forecast chain; an event that fails does not stop the others.
 * @param chains - carried from chunk to chunk of one append by the same sealer.
 */
export function sealChunk(chunk: SealChunk, cipher: ContentCipher, chains: SealChains, digest: Sha256Hex): SealOutcome[] {
  if (chunk.first) chains.clear();
  for (const [stream, head] of Object.entries(chunk.heads)) chains.set(stream, head);
  const context = { batchid: chunk.batchid, recordedat: chunk.recordedat };
  return chunk.events.map((event, i): SealOutcome => {
    try {
      const [before, after] = presealEvent(event, context, chunk.keys[chunk.keyOf[i]!]!, cipher);
      const stream = `${event.tenantid}\u0000${event.streamid}`;
      const prevhash = chains.get(stream) ?? '';
      const hash = chainHashOfCanonical(prevhash, `${before}${chunk.positions[i]!}${after}`, digest);
      chains.set(stream, hash);
      return [before, after, prevhash, hash];
    } catch (cause) {
      return { error: cause instanceof Error ? cause : new Error(String(cause)) };
    }
  });
}

/** True when sealing the event failed. */
export function isSealFailure(outcome: SealOutcome): outcome is SealFailure {
  return !Array.isArray(outcome);
}
