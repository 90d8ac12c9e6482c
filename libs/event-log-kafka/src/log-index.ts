import { dedupeKey, type Checkpoint, type Position, type SealedEvent, type StreamInfo } from '@memfabric/event-log';
import { GENESIS_HASH } from '@memfabric/events';

/** One event of the topic as the index holds it: where it is and its sealed (encrypted) record. */
export interface IndexedEvent {
  readonly position: Position;
  /** The record as last seen; replaced by the broker's copy when the tail reader reads it back. */
  sealed: SealedEvent;
}

/** Where an indexed event came from. */
export type IndexSource = 'broker' | 'writer';

/** The last event of a stream: what the next append links to. */
export interface StreamHead {
  readonly streamposition: number;
  readonly hash: string;
}

interface StreamEntry {
  readonly tenantid: string;
  readonly streamid: string;
  /** Events in log order (by offset; one stream lives in one partition). */
  readonly events: IndexedEvent[];
}

const streamKey = (tenantid: string, streamid: string): string => JSON.stringify([tenantid, streamid]);
const tenantKey = (tenantid: string, key: string): string => JSON.stringify([tenantid, key]);
const positionKey = (p: Position): string => `${p.partition}:${p.offset}`;
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Index of the first element of `events` (sorted by offset) with an offset >= `offset`. */
function lowerBound(events: readonly IndexedEvent[], offset: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.position.offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertByOffset(events: IndexedEvent[], entry: IndexedEvent): void {
  const last = events[events.length - 1];
  if (!last || last.position.offset < entry.position.offset) events.push(entry);
  else events.splice(lowerBound(events, entry.position.offset), 0, entry);
}

/**
 * The in-memory state a Kafka writer needs and Kafka cannot answer by key: the events of every
 * stream (for heads, stream reads and verification), the first event of each dedupe key per
 * tenant (idempotency), an id index (`getEvent`) and per-partition order (`readAll`).
 * It is a materialised view of the topic, like a Kafka Streams state store restored from its
 * changelog: filled by the tail reader from offset 0 and by the writer's own acknowledged appends.
 *
 * Memory grows with the log: every sealed record (ciphertext, not plaintext) is held once.
 * No I/O here, so it is unit-testable.
 */
export class LogIndex {
  private readonly partitions = new Map<number, IndexedEvent[]>();
  private readonly byPosition = new Map<string, IndexedEvent>();
  private readonly streams = new Map<string, StreamEntry>();
  private readonly byId = new Map<string, IndexedEvent>();
  private readonly byDedupe = new Map<string, IndexedEvent>();
  private readonly readerNext = new Map<number, number>();
  private readonly contiguous = new Map<number, number>();
  /** Messages that were not memfabric event records (skipped). */
  skippedRecords = 0;
  /** Records a non-idempotent producer retry wrote twice (same id and hash; the later copy is ignored). */
  retryDuplicates = 0;

  /**
   * Adds the event at `position`. A position already present keeps its place; a copy read from
   * the broker replaces the writer's copy so that verification checks what the broker stores.
   * A second copy of an event (same id and hash at another offset) is a producer retry and is
   * ignored.
   * @returns the entry now holding the event (for a retry duplicate, the first copy).
   */
  apply(position: Position, sealed: SealedEvent, source: IndexSource): IndexedEvent {
    const existing = this.byPosition.get(positionKey(position));
    if (existing) {
      if (source === 'broker') existing.sealed = sealed;
      return existing;
    }
    const sameId = this.byId.get(sealed.record.id);
    if (sameId && sameId.sealed.hash === sealed.hash && sameId.sealed.record.tenantid === sealed.record.tenantid) {
      this.retryDuplicates += 1;
      return sameId;
    }
    const entry: IndexedEvent = { position, sealed };
    this.byPosition.set(positionKey(position), entry);
    let partition = this.partitions.get(position.partition);
    if (!partition) this.partitions.set(position.partition, (partition = []));
    insertByOffset(partition, entry);
    const { tenantid, streamid } = sealed.record;
    const sk = streamKey(tenantid, streamid);
    let stream = this.streams.get(sk);
    if (!stream) this.streams.set(sk, (stream = { tenantid, streamid, events: [] }));
    insertByOffset(stream.events, entry);
    if (!sameId) this.byId.set(sealed.record.id, entry);
    const dk = tenantKey(tenantid, dedupeKey(sealed.record));
    if (!this.byDedupe.has(dk)) this.byDedupe.set(dk, entry);
    this.extend(position.partition);
    return entry;
  }

  /** Records that the tail reader has read `partition` up to (excluding) `nextOffset`. */
  markRead(partition: number, nextOffset: number): void {
    if (nextOffset > (this.readerNext.get(partition) ?? 0)) this.readerNext.set(partition, nextOffset);
    this.extend(partition);
  }

  /** Next offset the tail reader will read in `partition`. */
  readerAt(partition: number): number {
    return this.readerNext.get(partition) ?? 0;
  }

  /** Offset below which the index holds every record of `partition` (no gaps). */
  indexedUpTo(partition: number): number {
    return this.contiguous.get(partition) ?? 0;
  }

  private extend(partition: number): void {
    let next = Math.max(this.contiguous.get(partition) ?? 0, this.readerNext.get(partition) ?? 0);
    while (this.byPosition.has(`${partition}:${next}`)) next += 1;
    this.contiguous.set(partition, next);
  }

  /** The stream's last event, or the genesis head (position 0, 64 zeros) for a new stream. */
  head(tenantid: string, streamid: string): StreamHead {
    const last = this.streams.get(streamKey(tenantid, streamid))?.events.at(-1);
    return last ? { streamposition: last.sealed.record.streamposition, hash: last.sealed.hash } : { streamposition: 0, hash: GENESIS_HASH };
  }

  /** The first event stored under a dedupe key (see `dedupeKey`) in a tenant. */
  findByDedupe(tenantid: string, key: string): IndexedEvent | undefined {
    return this.byDedupe.get(tenantKey(tenantid, key));
  }

  /** The event with this id (the first copy), if any. */
  findById(id: string): IndexedEvent | undefined {
    return this.byId.get(id);
  }

  /** A stream's events in stream order; empty for an unknown stream. */
  stream(tenantid: string, streamid: string): readonly IndexedEvent[] {
    return this.streams.get(streamKey(tenantid, streamid))?.events ?? [];
  }

  /** Streams (optionally of one tenant) ordered by tenant then stream id (code-unit order). */
  listStreams(tenantid?: string): StreamInfo[] {
    const out: StreamInfo[] = [];
    for (const s of this.streams.values()) {
      if (tenantid !== undefined && s.tenantid !== tenantid) continue;
      out.push({ tenantid: s.tenantid, streamid: s.streamid, events: s.events.at(-1)?.sealed.record.streamposition ?? 0 });
    }
    return out.sort((a, b) => compareText(a.tenantid, b.tenantid) || compareText(a.streamid, b.streamid));
  }

  /**
   * Events after `from`, partition by partition in ascending order and by offset within one,
   * up to `limit`, optionally of one tenant. Only the gap-free prefix of each partition is
   * returned, so a caller that continues from the last returned position never skips an event
   * that is still being restored.
   */
  scan(from: Checkpoint, limit: number, tenantid?: string, to?: Checkpoint): IndexedEvent[] {
    const out: IndexedEvent[] = [];
    if (limit <= 0) return out;
    const partitions = [...this.partitions.keys()].sort((a, b) => a - b);
    for (const p of partitions) {
      const events = this.partitions.get(p)!;
      const upTo = to === undefined ? this.indexedUpTo(p) : Math.min(this.indexedUpTo(p), to[p] ?? 0);
      for (let i = lowerBound(events, from[p] ?? 0); i < events.length; i += 1) {
        const entry = events[i]!;
        if (entry.position.offset >= upTo) break;
        if (tenantid !== undefined && entry.sealed.record.tenantid !== tenantid) continue;
        out.push(entry);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /**
   * For each partition, the offset just past its highest-offset event (within the gap-free
   * prefix) whose `recordedat` is at or before `recordedat` (RFC 3339 UTC, ms, compared as
   * text); partitions without one are absent. Scans each partition backwards from its end.
   */
  positionAt(recordedat: string): Checkpoint {
    const out: Record<number, number> = {};
    for (const [p, events] of this.partitions) {
      const upTo = this.indexedUpTo(p);
      for (let i = lowerBound(events, upTo) - 1; i >= 0; i -= 1) {
        const entry = events[i]!;
        if (entry.sealed.record.recordedat <= recordedat) {
          out[p] = entry.position.offset + 1;
          break;
        }
      }
    }
    return out;
  }

  /** The last event of every stream (optionally of one tenant), ordered by tenant then stream id. */
  heads(tenantid?: string): IndexedEvent[] {
    const out: { tenantid: string; streamid: string; last: IndexedEvent }[] = [];
    for (const s of this.streams.values()) {
      if (tenantid !== undefined && s.tenantid !== tenantid) continue;
      const last = s.events.at(-1);
      if (last) out.push({ tenantid: s.tenantid, streamid: s.streamid, last });
    }
    return out.sort((a, b) => compareText(a.tenantid, b.tenantid) || compareText(a.streamid, b.streamid)).map((h) => h.last);
  }

  /** Number of indexed events. */
  get size(): number {
    return this.byPosition.size;
  }
}
