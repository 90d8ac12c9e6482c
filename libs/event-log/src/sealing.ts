import {
  canonicalJson,
  canonicalJsonTemplate,
  chainHash,
  chainHashOfCanonical,
  GENESIS_HASH,
  sha256Hex,
  UpcasterChain,
  type NewEvent,
  type Sha256Hex,
  type StoredEvent,
} from '@memfabric/events';
import type { ContentCipher, ContentKey, SealedContent } from './key-vault.js';
import type { ChainBreak, Position } from './port.js';

/**
 * An event exactly as the log stores it: every envelope attribute except `data`, the
 * transaction-time stamps, and the content encrypted under the data subject's key.
 * This is the form the hash chain covers; every adapter stores and hashes the same record.
 */
export interface StoredRecord extends Omit<NewEvent, 'data'> {
  readonly batchid: string;
  /** Transaction time (RFC 3339, ms precision, UTC). */
  readonly recordedat: string;
  /** 1-based position in the stream. */
  readonly streamposition: number;
  readonly content: SealedContent;
}

/** A stored record with its chain links. */
export interface SealedEvent {
  readonly record: StoredRecord;
  readonly prevhash: string;
  readonly hash: string;
}

/** Stream-level facts the writer fixes when it stores an event. */
export interface SealContext {
  readonly streamposition: number;
  readonly prevhash: string;
  readonly recordedat: string;
  readonly batchid: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encrypts an event's `data` under `key` (AAD = event id) and links it to its stream's chain.
 * @returns the record, its `prevhash` and its `hash` ({@link chainHash}).
 */
export function sealEvent(
  event: NewEvent,
  context: SealContext,
  key: ContentKey,
  cipher: ContentCipher,
  digest: Sha256Hex = sha256Hex,
): SealedEvent {
  const { data, ...attributes } = event;
  const content = cipher.encrypt(encoder.encode(JSON.stringify(data)), key, event.id);
  const record: StoredRecord = {
    ...attributes,
    batchid: event.batchid ?? context.batchid,
    recordedat: context.recordedat,
    streamposition: context.streamposition,
    content,
  };
  return { record, prevhash: context.prevhash, hash: chainHash(context.prevhash, record as unknown as Record<string, unknown>, digest) };
}

/**
 * The part of sealing that does not depend on the stream: the content encrypted under `key`
 * (AAD = event id) and the canonical JSON of the stored record with its `streamposition` left
 * open ({@link canonicalJsonTemplate}). Independent per event, so a writer may compute it for a
 * whole batch at once, on other threads, before it knows positions and chain heads; then
 * {@link completeSeal} fixes the position and links the chain.
 * @param context - `batchid` (used when the event carries none) and `recordedat` of the append.
 * @returns `[before, after]`: the record's canonical JSON is `before + streamposition + after`.
 * @throws TypeError when the event has no canonical JSON form (a lone surrogate, a non-finite number).
 */
export function presealEvent(
  event: NewEvent,
  context: Pick<SealContext, 'batchid' | 'recordedat'>,
  key: ContentKey,
  cipher: ContentCipher,
): readonly [string, string] {
  const { data, ...attributes } = event;
  const content = cipher.encrypt(encoder.encode(JSON.stringify(data)), key, event.id);
  const open: Omit<StoredRecord, 'streamposition'> = {
    ...attributes,
    batchid: event.batchid ?? context.batchid,
    recordedat: context.recordedat,
    content,
  };
  return canonicalJsonTemplate(open, 'streamposition');
}

/** A record completed by {@link completeSeal}: what a writer stores. */
export interface CompletedSeal {
  /** The stored record as canonical JSON; `JSON.parse` of it is the {@link StoredRecord}. */
  readonly record: string;
  readonly prevhash: string;
  /** {@link chainHash} of `prevhash` and the record: the same value {@link sealEvent} gives. */
  readonly hash: string;
}

/**
 * Completes a {@link presealEvent} result: puts in the stream position and links the record to
 * its stream's chain. `completeSeal(presealEvent(e, c, k, x), p, h)` stores and hashes the record
 * `sealEvent(e, { ...c, streamposition: p, prevhash: h }, k, x)` gives (same hash for the same
 * ciphertext; nonces are random per call).
 * @param streamposition - 1-based position in the stream (a positive integer).
 * @param prevhash - `hash` of the previous event of the stream, or the genesis hash.
 */
export function completeSeal(
  template: readonly [string, string],
  streamposition: number,
  prevhash: string,
  digest: Sha256Hex = sha256Hex,
): CompletedSeal {
  const record = `${template[0]}${canonicalJson(streamposition)}${template[1]}`;
  return { record, prevhash, hash: chainHashOfCanonical(prevhash, record, digest) };
}

/**
 * Decrypts and upcasts a sealed event into the form readers get.
 * @param key - the content key, or `undefined` when it was destroyed: `data` is then null and
 *   `erased` true.
 * @throws Error when the ciphertext does not authenticate under the key.
 */
export function openEvent(
  sealed: SealedEvent,
  position: Position,
  key: ContentKey | undefined,
  cipher: ContentCipher,
  upcasters: UpcasterChain,
): StoredEvent {
  const { content, ...attributes } = sealed.record;
  const base = { ...attributes, partition: position.partition, offset: position.offset, prevhash: sealed.prevhash, hash: sealed.hash };
  if (!key) return { ...base, erased: true, data: null };
  const raw = JSON.parse(decoder.decode(cipher.decrypt(content, key, sealed.record.id))) as Record<string, unknown>;
  const upcast = upcasters.upcast(sealed.record.dataschema, raw);
  return { ...base, dataschema: upcast.dataschema, data: upcast.data };
}

/**
 * Verifies one stream's chain: positions run 1, 2, 3, ..., each `prevhash` is the previous
 * `hash` (genesis: 64 zeros) and each `hash` recomputes from the stored record.
 * @param events - the stream's sealed events in stream order.
 * @param digest - the SHA-256 implementation (default pure JS).
 * @returns the first break, or `undefined` when the chain holds.
 */
export function verifyChain(events: Iterable<SealedEvent>, digest: Sha256Hex = sha256Hex): ChainBreak | undefined {
  let expectedPrev = GENESIS_HASH;
  let expectedPosition = 1;
  for (const { record, prevhash, hash } of events) {
    const at = { tenantid: record.tenantid, streamid: record.streamid, id: record.id, streamposition: record.streamposition };
    if (record.streamposition !== expectedPosition) {
      return { ...at, reason: `stream position ${record.streamposition}, expected ${expectedPosition} (missing or reordered event)` };
    }
    if (prevhash !== expectedPrev) return { ...at, reason: 'prevhash does not match the previous event hash' };
    if (chainHash(prevhash, record as unknown as Record<string, unknown>, digest) !== hash) {
      return { ...at, reason: 'hash does not match the stored record (record altered)' };
    }
    expectedPrev = hash;
    expectedPosition += 1;
  }
  return undefined;
}

/** The key an append deduplicates on within a tenant: the idempotency key, else the event id. */
export function dedupeKey(event: Pick<NewEvent, 'idempotencykey' | 'id'>): string {
  return event.idempotencykey !== undefined ? `key:${event.idempotencykey}` : `id:${event.id}`;
}

/**
 * True when a resubmitted event carries the same submission as the stored one (the fields a
 * client chooses, ignoring the log-assigned id and batch). Used to tell a retry from a
 * conflicting reuse of an idempotency key. An erased stored event cannot be compared and
 * counts as the same.
 */
export function sameSubmission(submitted: NewEvent, stored: StoredEvent): boolean {
  if (stored.erased) return true;
  const pick = (e: NewEvent | StoredEvent) =>
    canonicalJson({
      source: e.source, type: e.type, subject: e.subject ?? null, time: Date.parse(e.time), tenantid: e.tenantid,
      streamid: e.streamid, actor: e.actor, datasubject: e.datasubject, data: e.data,
    });
  const upcast = new UpcasterChain().upcast(submitted.dataschema, submitted.data);
  return pick({ ...submitted, data: upcast.data }) === pick(stored);
}
