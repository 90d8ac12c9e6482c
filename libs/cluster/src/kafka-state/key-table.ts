import type { KafkaMessage } from 'kafkajs';

/** Record key prefix of a subject's destroyed-keys marker: `destroyed/<tenant>/<subject>` (URI-encoded parts). */
export const DESTROYED_KEY_PREFIX = 'destroyed/';
/** Record key of the tail reader's barrier tombstones (see `TopicSpec.barrierKey`). */
export const BARRIER_KEY = 'barrier/tail';

/** Value of a content-key record (record key: the key id). */
export interface ContentKeyCreatedRecord {
  readonly type: 'content-key.created';
  readonly v: 1;
  readonly tenantid: string;
  readonly datasubject: string;
  /**
   * The 32-byte content key wrapped under the master key by `KeyWrapper` (AES-256-GCM, the key
   * id as additional data): base64url of iv(12) || tag(16) || ciphertext(32), 60 bytes.
   */
  readonly wrapped: string;
  /** When the key was created (RFC 3339, UTC, ms). */
  readonly createdAt: string;
}

/**
 * Value of a subject's destroyed-keys marker (record key `destroyed/<tenant>/<subject>`): every
 * key id of the subject destroyed so far, no key material. Compaction keeps the latest marker of
 * a subject forever, so the subject stays known as erased after its key records are gone.
 */
export interface ContentKeysDestroyedRecord {
  readonly type: 'content-keys.destroyed';
  readonly v: 1;
  readonly tenantid: string;
  readonly datasubject: string;
  /** Every destroyed key id of the subject, cumulative. */
  readonly keyids: readonly string[];
  /** When this destruction was requested (RFC 3339, UTC, ms). */
  readonly destroyedAt: string;
}

/** A live content key as the table holds it: still wrapped. */
export interface WrappedKey {
  readonly keyid: string;
  readonly tenantid: string;
  readonly datasubject: string;
  /** 60 bytes, see {@link ContentKeyCreatedRecord.wrapped}. */
  readonly wrapped: Buffer;
  readonly createdAt: string;
  readonly partition: number;
  readonly offset: number;
}

interface Subject {
  readonly live: Map<string, WrappedKey>;
  readonly destroyed: Set<string>;
}

const WRAPPED_BYTES = 60;

/** The record key of a subject's marker. */
export function destroyedMarkerKey(tenantid: string, datasubject: string): string {
  return `${DESTROYED_KEY_PREFIX}${encodeURIComponent(tenantid)}/${encodeURIComponent(datasubject)}`;
}

/** The partition key of every record of a subject, so they share a partition and stay in order. */
export function subjectPartitionKey(tenantid: string, datasubject: string): string {
  return JSON.stringify([tenantid, datasubject]);
}

const subjectId = subjectPartitionKey;

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * The key vault's state, folded from the key topic in offset order: the live (wrapped) keys of
 * every subject and the ids of destroyed ones. No I/O here.
 *
 * Rules: a key record adds a live key unless its id was destroyed (or is already known: a
 * producer retry's second copy); a marker destroys every key id it lists; a tombstone destroys its
 * key id. Destroying is final: a key record read after its destruction (another partition, or a
 * restarted reader) is ignored. Records that are none of these are counted and skipped.
 */
export class KeyTable {
  private readonly keys = new Map<string, WrappedKey>();
  private readonly subjects = new Map<string, Subject>();
  private readonly destroyedIds = new Set<string>();
  /** Records that were neither key records, markers nor tombstones (skipped). */
  skippedRecords = 0;

  /** Forgets everything (the reader restarts at offset 0). */
  reset(): void {
    this.keys.clear();
    this.subjects.clear();
    this.destroyedIds.clear();
    this.skippedRecords = 0;
  }

  /** Folds one record of the key topic. */
  apply(partition: number, message: KafkaMessage): void {
    const key = message.key?.toString('utf8');
    if (key === undefined || key === '') {
      this.skippedRecords += 1;
      return;
    }
    if (message.value === null) {
      if (key !== BARRIER_KEY && !key.startsWith(DESTROYED_KEY_PREFIX)) this.destroyKey(key);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(message.value.toString('utf8'));
    } catch {
      this.skippedRecords += 1;
      return;
    }
    const record = value as Readonly<Record<string, unknown>>;
    if (typeof value !== 'object' || value === null || record.v !== 1 || !isText(record.tenantid) || !isText(record.datasubject)) {
      this.skippedRecords += 1;
    } else if (record.type === 'content-key.created' && typeof record.wrapped === 'string' && typeof record.createdAt === 'string') {
      this.addKey(key, record.tenantid, record.datasubject, record.wrapped, record.createdAt, partition, Number(message.offset));
    } else if (record.type === 'content-keys.destroyed' && Array.isArray(record.keyids)) {
      const subject = this.subject(record.tenantid, record.datasubject);
      for (const keyid of record.keyids) if (isText(keyid)) this.destroyKey(keyid, subject);
    } else {
      this.skippedRecords += 1;
    }
  }

  private subject(tenantid: string, datasubject: string): Subject {
    const id = subjectId(tenantid, datasubject);
    let subject = this.subjects.get(id);
    if (!subject) this.subjects.set(id, (subject = { live: new Map(), destroyed: new Set() }));
    return subject;
  }

  private addKey(keyid: string, tenantid: string, datasubject: string, wrapped: string, createdAt: string, partition: number, offset: number): void {
    if (this.destroyedIds.has(keyid) || this.keys.has(keyid)) return;
    const bytes = Buffer.from(wrapped, 'base64url');
    if (bytes.length !== WRAPPED_BYTES) {
      this.skippedRecords += 1;
      return;
    }
    const entry: WrappedKey = { keyid, tenantid, datasubject, wrapped: bytes, createdAt, partition, offset };
    this.keys.set(keyid, entry);
    this.subject(tenantid, datasubject).live.set(keyid, entry);
  }

  private destroyKey(keyid: string, known?: Subject): void {
    this.destroyedIds.add(keyid);
    const entry = this.keys.get(keyid);
    const subject = known ?? (entry ? this.subject(entry.tenantid, entry.datasubject) : undefined);
    this.keys.delete(keyid);
    subject?.live.delete(keyid);
    subject?.destroyed.add(keyid);
  }

  /** A live key by id. */
  find(keyid: string): WrappedKey | undefined {
    return this.keys.get(keyid);
  }

  /** The subject's live keys in topic order (partition, then offset); the first is the active one. */
  live(tenantid: string, datasubject: string): WrappedKey[] {
    const subject = this.subjects.get(subjectId(tenantid, datasubject));
    return [...(subject?.live.values() ?? [])].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  }

  /** Ids of the subject's destroyed keys. */
  destroyed(tenantid: string, datasubject: string): string[] {
    return [...(this.subjects.get(subjectId(tenantid, datasubject))?.destroyed ?? [])];
  }

  /** Keys the subject ever had (`total`, destroyed ones included) and its live ones. */
  counts(tenantid: string, datasubject: string): { total: number; live: number } {
    const subject = this.subjects.get(subjectId(tenantid, datasubject));
    return { total: (subject?.live.size ?? 0) + (subject?.destroyed.size ?? 0), live: subject?.live.size ?? 0 };
  }

  /** Number of live keys. */
  get size(): number {
    return this.keys.size;
  }

  /** Any live key (to check the master key against), or `undefined`. */
  any(): WrappedKey | undefined {
    return this.keys.values().next().value;
  }
}
