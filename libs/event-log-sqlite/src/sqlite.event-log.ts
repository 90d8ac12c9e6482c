import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import Database from 'better-sqlite3';
import { AesGcmContentCipher, nodeSha256Hex } from '@memfabric/crypto';
import { ConfigurationError, IdempotencyConflictError, MemfabricError, UnavailableError, ValidationError } from '@memfabric/errors';
import {
  advance,
  completeSeal,
  dedupeKey,
  openEvent,
  sameSubmission,
  verifyChain,
  type AppendOptions,
  type AppendResult,
  type BatchHandler,
  type Checkpoint,
  type ContentCipher,
  type ContentKey,
  type EventLog,
  type PositionedSealedEvent,
  type ReadAllOptions,
  type ReadPage,
  type ReadSealedOptions,
  type ReadStreamOptions,
  type SealedEvent,
  type SealedPage,
  type SealedStreamHead,
  type StoredRecord,
  type StreamInfo,
  type SubscribeOptions,
  type Subscription,
  type VerifyFilter,
  type VerifyReport,
} from '@memfabric/event-log';
import { GENESIS_HASH, newEventId, UpcasterChain, type NewEvent, type StoredEvent } from '@memfabric/events';
import { DDL, SCHEMA_VERSION } from './schema.js';
import { isSealFailure, sealChunk, type SealChains, type SealChunk, type SealOutcome } from './seal-chunk.js';
import { SealPool, type PendingSeal } from './seal-pool.js';
import { newContentKey, SqliteKeyVault } from './sqlite.key-vault.js';
import { applyContentPragmas, preparePrivateSqliteFile, restrictFiles, sqliteSideFiles, truncateWal, type WalCheckpoint } from './private-files.js';

/**
 * SQLite durability setting. `FULL` fsyncs the WAL at every commit: an acknowledged append
 * survives a process crash and a power loss. `NORMAL` survives a process crash but may lose
 * the last commits on power loss.
 */
export type Synchronous = 'FULL' | 'NORMAL';

/** Options of {@link SqliteEventLog.open}. */
export interface SqliteEventLogOptions {
  /** Path of the SQLite file (created with its directory when missing). */
  readonly path: string;
  /** 32-byte key that wraps the content keys (see `loadOrCreateMasterKey`). */
  readonly masterKey: Uint8Array;
  /** Durability; default `FULL` (crash- and power-loss-safe). */
  readonly synchronous?: Synchronous;
  /** How often an idle subscription polls for events written by other processes, in ms; default 200. */
  readonly pollIntervalMs?: number;
  /** Upcasters applied on read; default the catalog's. */
  readonly upcasters?: UpcasterChain;
  /**
   * Transaction-time clock (`recordedat` of each append); default the wall clock. Pinned by
   * tests that build two logs which must be identical (deterministic replay).
   */
  readonly clock?: () => Date;
  /**
   * Worker threads that encrypt and serialize the events of large appends while the writer
   * inserts (see `SealPool`); default `availableParallelism() - 1` (the writer keeps a core),
   * at least 1 and at most 4; 0 seals every append on the calling thread. Started with the
   * first large append (or `startSealWorkers`), stopped by `close`.
   */
  readonly sealWorkers?: number;
  /** Smallest append (events) sealed on the workers; smaller ones stay inline (latency). Default 128. */
  readonly sealPoolMinBatch?: number;
}

interface EventRow {
  offset: number;
  record: string;
  prevhash: string;
  hash: string;
}

interface HeadRow {
  tenantid: string;
  streamid: string;
  streamposition: number;
  id: string;
  hash: string;
  offset: number;
}

/** Chain heads: the row at each stream's highest position (`where` filters the streams). */
const headsSql = (where: string): string => `SELECT e.tenantid, e.streamid, e.streamposition, e.id, e.hash, e."offset" FROM events e
  JOIN (SELECT tenantid, streamid, MAX(streamposition) AS p FROM events ${where} GROUP BY tenantid, streamid) h
    ON e.tenantid = h.tenantid AND e.streamid = h.streamid AND e.streamposition = h.p
  ORDER BY e.tenantid, e.streamid`;

const INSERT_EVENT = `INSERT INTO events ("offset", id, tenantid, streamid, streamposition, type, time, actor, datasubject, batchid,
  dedupekey, recordedat, record, prevhash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

type InsertRow = [number, string, string, string, number, string, string, string, string, string, string, string, string, string, string];

const PARTITION = 0;
const DEFAULT_LIMIT = 1000;
/** Events per chunk handed to a seal worker. */
const SEAL_CHUNK = 64;
/** Events in a lane's first chunk of an append: smaller, so the writer can start inserting sooner. */
const FIRST_SEAL_CHUNK = 16;

/**
 * How an append seals: inline (each chunk when the writer reaches it) or on the pool. A stream's
 * events all go to one lane, which continues its chain from chunk to chunk.
 */
interface Sealer {
  readonly lanes: number;
  submit(chunk: SealChunk, lane: number): PendingSeal;
}

/** One data subject of an append: its key and whether the vault already stores it. */
interface SubjectKey {
  key: ContentKey;
  stored: boolean;
  /** Index of `key` in the key list of chunk `chunk`. */
  slot: number;
  chunk: number;
}

/** One stream of an append: its lane, its chain head (as stored so far) and the forecast position. */
interface StreamPlan {
  readonly lane: number;
  head: { streamposition: number; hash: string };
  forecast: number;
}

/** What the plan of an append found for one event (`chunk` -1: a repeat of an earlier event, not sealed). */
interface Slot {
  readonly dedupe: string;
  /** `tenantid \0 dedupe`. */
  readonly tenantKey: string;
  /** Where the event's seal is: chunk and index in it, and the position it was hashed at. */
  readonly chunk: number;
  readonly index: number;
  readonly position: number;
  readonly subject?: SubjectKey;
  readonly stream?: StreamPlan;
}

/** A chunk being filled for one lane. */
interface ChunkDraft {
  readonly id: number;
  readonly lane: number;
  readonly keys: ContentKey[];
  readonly events: NewEvent[];
  readonly keyOf: number[];
  readonly positions: number[];
  readonly heads: Record<string, string>;
}

/**
 * The embedded event log: one SQLite file in WAL mode (better-sqlite3), one partition whose
 * offsets are the global positions. Appends run in one `BEGIN IMMEDIATE` transaction per call,
 * so a batch is all-or-nothing and several processes may share the file safely.
 *
 * Content (`data`) is stored encrypted with AES-256-GCM under a per-data-subject key from the
 * vault in the same file; the hash chain covers the encrypted record, which is stored as its
 * canonical JSON (the string the hash covers). Appends of `sealPoolMinBatch` events or more are
 * encrypted, serialized and hashed on `sealWorkers` worker threads while this thread inserts,
 * inside the same synchronous transaction (see `appendInTransaction`).
 */
export class SqliteEventLog implements EventLog {
  /** The content-key vault kept in the same file (erasure destroys keys here). */
  readonly vault: SqliteKeyVault;
  private readonly cipher: ContentCipher = new AesGcmContentCipher();
  private readonly upcasters: UpcasterChain;
  private readonly appended = new EventEmitter();
  private readonly pollIntervalMs: number;
  private readonly clock: () => Date;
  private readonly stmts: ReturnType<SqliteEventLog['prepare']>;
  private readonly subscriptions = new Set<Subscription>();
  private readonly sealWorkers: number;
  private readonly sealPoolMinBatch: number;
  private sealPool: SealPool | undefined;
  private closed = false;

  private constructor(
    /** The underlying connection, for adapters that commit their writes with a checkpoint. */
    readonly db: Database.Database,
    options: SqliteEventLogOptions,
  ) {
    this.upcasters = options.upcasters ?? new UpcasterChain();
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.clock = options.clock ?? (() => new Date());
    this.sealWorkers = options.sealWorkers ?? Math.min(Math.max(availableParallelism() - 1, 1), 4);
    this.sealPoolMinBatch = options.sealPoolMinBatch ?? 128;
    this.vault = new SqliteKeyVault(db, options.masterKey);
    this.stmts = this.prepare();
    this.appended.setMaxListeners(0);
  }

  /**
   * Opens (creating when missing) the log at `options.path`. The file, its `-wal` and `-shm`
   * files get mode 0600 (also when they existed with a wider mode), a created directory 0700.
   * The connection runs with `secure_delete` and a `journal_size_limit` (see
   * `applyContentPragmas`); every store that shares it (memory units, vector rows, FTS5, graph)
   * inherits them.
   * @throws ConfigurationError when the path cannot be opened or the file holds a newer schema.
   */
  static open(options: SqliteEventLogOptions): SqliteEventLog {
    if (options.masterKey.length !== 32) throw new ConfigurationError('masterKey must be 32 bytes');
    let db: Database.Database;
    try {
      preparePrivateSqliteFile(options.path);
      db = new Database(options.path);
    } catch (cause) {
      throw new ConfigurationError(`cannot open event log ${options.path}: ${(cause as Error).message}`, { cause });
    }
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma('busy_timeout = 5000');
    applyContentPragmas(db);
    if (options.path !== ':memory:' && options.path !== '') restrictFiles(sqliteSideFiles(db.name));
    db.exec(DDL);
    const version = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
    if (!version) db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    else if (Number(version.value) > SCHEMA_VERSION) {
      db.close();
      throw new ConfigurationError(`${options.path} has schema version ${version.value}; this build reads up to ${SCHEMA_VERSION}`);
    }
    return new SqliteEventLog(db, options);
  }

  private prepare() {
    const db = this.db;
    return {
      nextOffset: db.prepare<[], { next: number }>('SELECT COALESCE(MAX("offset") + 1, 0) AS next FROM events').pluck(false),
      head: db.prepare<[string, string], { streamposition: number; hash: string }>(
        'SELECT streamposition, hash FROM events WHERE tenantid = ? AND streamid = ? ORDER BY streamposition DESC LIMIT 1',
      ),
      byDedupe: db.prepare<[string, string], EventRow>(
        'SELECT "offset", record, prevhash, hash FROM events WHERE tenantid = ? AND dedupekey = ?',
      ),
      byId: db.prepare<[string], EventRow>('SELECT "offset", record, prevhash, hash FROM events WHERE id = ?'),
      insert: db.prepare<InsertRow>(INSERT_EVENT),
      // Same insert, skipping a row that repeats an id or an idempotency key (the unique indexes
      // check that anyway): the writer then looks up the earlier event, see appendInTransaction.
      insertFresh: db.prepare<InsertRow>(`${INSERT_EVENT} ON CONFLICT DO NOTHING`),
      stream: db.prepare<[string, string, number, number], EventRow>(
        `SELECT "offset", record, prevhash, hash FROM events
         WHERE tenantid = ? AND streamid = ? AND streamposition >= ? ORDER BY streamposition LIMIT ?`,
      ),
      all: db.prepare<[number, number], EventRow>('SELECT "offset", record, prevhash, hash FROM events WHERE "offset" >= ? ORDER BY "offset" LIMIT ?'),
      allOfTenant: db.prepare<[number, string, number], EventRow>(
        'SELECT "offset", record, prevhash, hash FROM events WHERE "offset" >= ? AND tenantid = ? ORDER BY "offset" LIMIT ?',
      ),
      streams: db.prepare<[], StreamInfo>(
        'SELECT tenantid, streamid, MAX(streamposition) AS events FROM events GROUP BY tenantid, streamid ORDER BY tenantid, streamid',
      ),
      streamsOfTenant: db.prepare<[string], StreamInfo>(
        'SELECT tenantid, streamid, MAX(streamposition) AS events FROM events WHERE tenantid = ? GROUP BY streamid ORDER BY streamid',
      ),
      positionAt: db.prepare<[string], { offset: number }>('SELECT "offset" FROM events WHERE recordedat <= ? ORDER BY "offset" DESC LIMIT 1'),
      sealed: db.prepare<[number, number, number], EventRow>(
        'SELECT "offset", record, prevhash, hash FROM events WHERE "offset" >= ? AND "offset" < ? ORDER BY "offset" LIMIT ?',
      ),
      sealedOfTenant: db.prepare<[string, number, number, number], EventRow>(
        'SELECT "offset", record, prevhash, hash FROM events WHERE tenantid = ? AND "offset" >= ? AND "offset" < ? ORDER BY "offset" LIMIT ?',
      ),
      headsAll: db.prepare<[], HeadRow>(headsSql('')),
      headsOf: db.prepare<[string], HeadRow>(headsSql('WHERE tenantid = ?')),
      committed: db.prepare<[string], { partition: number; next_offset: number }>(
        'SELECT partition, next_offset FROM consumer_offsets WHERE grp = ?',
      ),
      commit: db.prepare(
        `INSERT INTO consumer_offsets (grp, partition, next_offset, committedat) VALUES (?, ?, ?, ?)
         ON CONFLICT (grp, partition) DO UPDATE SET next_offset = excluded.next_offset, committedat = excluded.committedat`,
      ),
    };
  }

  append(events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult[]> {
    this.assertOpen();
    const batchid = options.batchid ?? newEventId();
    const run = this.db.transaction((batch: readonly NewEvent[]) => this.appendInTransaction(batch, batchid));
    try {
      const results = run.immediate(events);
      if (results.some((r) => !r.duplicate)) this.appended.emit('append');
      return Promise.resolve(results);
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  /**
   * One append, inside its `BEGIN IMMEDIATE` transaction. Per event, in order: a repeat of an
   * earlier event of the batch (same tenant and dedupe key) returns that event's result; an event
   * already stored returns it as a duplicate, or throws `IdempotencyConflictError` when the
   * submission differs; any other event gets the next position of its stream, is encrypted under
   * its subject's active key (created with the subject's first stored event), hashed onto its
   * stream's chain and inserted at the next offset.
   *
   * Sealing runs first, for the whole batch, in chunks ({@link sealChunk}) — on the seal workers
   * for large batches, which then run ahead of the inserts. It hashes onto a forecast of the
   * chains (positions and heads as if no event of the batch were stored already); the insert
   * loop keeps each hash whose position and `prevhash` came true and rehashes the others. Stored
   * duplicates are found by the insert itself (`ON CONFLICT DO NOTHING` on the unique id and
   * dedupe key), not by two lookups per event; only an event that would create a content key is
   * looked up first, so a duplicate never creates one.
   */
  private appendInTransaction(batch: readonly NewEvent[], batchid: string): AppendResult[] {
    const offset = this.stmts.nextOffset.get()!.next;
    const recordedat = this.clock().toISOString();
    const sealer = this.sealer(batch.length);

    // Plan: the events to seal (first occurrences of a dedupe key), their keys and forecast positions.
    const firsts = new Set<string>();
    const subjects = new Map<string, SubjectKey>();
    const streams = new Map<string, StreamPlan>();
    const slots: Slot[] = [];
    const open: (ChunkDraft | undefined)[] = [];
    const pending: PendingSeal[] = [];
    const started = new Set<number>();
    let drafts = 0;
    const submit = (draft: ChunkDraft) => {
      pending[draft.id] = sealer.submit({ recordedat, batchid, ...draft, first: !started.has(draft.lane) }, draft.lane);
      started.add(draft.lane);
      open[draft.lane] = undefined;
    };
    for (const event of batch) {
      const dedupe = dedupeKey(event);
      const tenantKey = `${event.tenantid}\u0000${dedupe}`;
      if (firsts.has(tenantKey)) {
        slots.push({ dedupe, tenantKey, chunk: -1, index: -1, position: 0 });
        continue;
      }
      firsts.add(tenantKey);
      const subjectKey = `${event.tenantid}\u0000${event.datasubject}`;
      let subject = subjects.get(subjectKey);
      if (!subject) {
        const live = this.vault.liveKeySync(event.tenantid, event.datasubject);
        subject = { key: live ?? newContentKey(), stored: live !== undefined, slot: -1, chunk: -1 };
        subjects.set(subjectKey, subject);
      }
      const streamKey = `${event.tenantid}\u0000${event.streamid}`;
      let stream = streams.get(streamKey);
      const firstOfStream = !stream;
      if (!stream) {
        const head = this.stmts.head.get(event.tenantid, event.streamid) ?? { streamposition: 0, hash: GENESIS_HASH };
        stream = { lane: streams.size % sealer.lanes, head, forecast: head.streamposition };
        streams.set(streamKey, stream);
      }
      stream.forecast += 1;
      const draft = (open[stream.lane] ??= { id: drafts++, lane: stream.lane, keys: [], events: [], keyOf: [], positions: [], heads: {} });
      if (firstOfStream) draft.heads[streamKey] = stream.head.hash;
      if (subject.chunk !== draft.id) {
        subject.chunk = draft.id;
        subject.slot = draft.keys.push(subject.key) - 1;
      }
      draft.events.push(event);
      draft.keyOf.push(subject.slot);
      draft.positions.push(stream.forecast);
      slots.push({ dedupe, tenantKey, chunk: draft.id, index: draft.events.length - 1, position: stream.forecast, subject, stream });
      if (draft.events.length === (started.has(draft.lane) ? SEAL_CHUNK : FIRST_SEAL_CHUNK)) submit(draft);
    }
    for (const draft of open) if (draft) submit(draft);

    const taken: SealOutcome[][] = [];
    try {
      return this.insertPlanned(batch, batchid, recordedat, offset, slots, (slot) => (taken[slot.chunk] ??= pending[slot.chunk]!.take())[slot.index]!);
    } finally {
      for (let id = 0; id < pending.length; id += 1) if (!taken[id]) pending[id]!.drop();
    }
  }

  /** The insert loop of {@link appendInTransaction}: takes each event's seal in order and stores it. */
  private insertPlanned(
    batch: readonly NewEvent[],
    batchid: string,
    recordedat: string,
    firstOffset: number,
    slots: readonly Slot[],
    outcome: (slot: Slot) => SealOutcome,
  ): AppendResult[] {
    let offset = firstOffset;
    const seen = new Map<string, AppendResult>();
    const results: AppendResult[] = [];
    for (let i = 0; i < batch.length; i += 1) {
      const event = batch[i]!;
      const slot = slots[i]!;
      const { dedupe, tenantKey, subject, stream } = slot;
      if (!subject || !stream) {
        const earlier = seen.get(tenantKey) ?? this.findDuplicate(event, dedupe);
        // A repeat's first occurrence was inserted (seen) or found stored (found again here).
        if (!earlier) throw new Error(`append invariant broken: no earlier event for ${tenantKey}`);
        results.push({ ...earlier, duplicate: true });
        continue;
      }
      if (!subject.stored) {
        const earlier = this.findDuplicate(event, dedupe);
        if (earlier) {
          results.push(earlier);
          continue;
        }
        // Inside this transaction nothing else can have stored a key since the plan read none.
        this.vault.activeKeySync(event.tenantid, event.datasubject, subject.key);
        subject.stored = true;
      }
      const sealed = outcome(slot);
      if (isSealFailure(sealed)) {
        const earlier = this.findDuplicate(event, dedupe);
        if (earlier) {
          results.push(earlier);
          continue;
        }
        throw sealed.error;
      }
      const streamposition = stream.head.streamposition + 1;
      const [before, after, forecastPrev, forecastHash] = sealed;
      const link =
        streamposition === slot.position && forecastPrev === stream.head.hash
          ? { record: `${before}${streamposition}${after}`, prevhash: forecastPrev, hash: forecastHash }
          : completeSeal([before, after], streamposition, stream.head.hash, nodeSha256Hex);
      const row: InsertRow = [
        offset, event.id, event.tenantid, event.streamid, streamposition, event.type, event.time, event.actor, event.datasubject,
        event.batchid ?? batchid, dedupe, recordedat, link.record, link.prevhash, link.hash,
      ];
      if (this.stmts.insertFresh.run(...row).changes === 0) {
        const earlier = this.findDuplicate(event, dedupe);
        if (earlier) {
          results.push(earlier);
          continue;
        }
        this.stmts.insert.run(...row); // not a duplicate: raises the constraint error that skipped the row
      }
      stream.head = { streamposition, hash: link.hash };
      const result: AppendResult = {
        id: event.id, tenantid: event.tenantid, streamid: event.streamid, streamposition, partition: PARTITION, offset, duplicate: false,
      };
      seen.set(tenantKey, result);
      results.push(result);
      offset += 1;
    }
    return results;
  }

  /**
   * Starts the seal workers now rather than with the first large append (which is sealed
   * inline while they load), and resolves once they have loaded. A no-op with `sealWorkers: 0`.
   * @throws UnavailableError when the log is closed or a worker fails to start.
   */
  async startSealWorkers(): Promise<void> {
    this.assertOpen();
    if (this.sealWorkers === 0) return;
    this.sealPool ??= new SealPool(this.sealWorkers);
    await this.sealPool.whenReady();
  }

  /** Seals on the pool when the batch is large enough and the workers are up, else inline. */
  private sealer(events: number): Sealer {
    if (this.sealWorkers > 0 && events >= this.sealPoolMinBatch) {
      this.sealPool ??= new SealPool(this.sealWorkers);
      const pool = this.sealPool;
      if (pool.ready) return { lanes: pool.size, submit: (chunk, lane) => pool.submit(chunk, lane) };
    }
    const chains: SealChains = new Map();
    return {
      lanes: 1,
      submit: (chunk) => ({ take: () => sealChunk(chunk, this.cipher, chains, nodeSha256Hex), drop: () => undefined }),
    };
  }

  /** The stored event an append would duplicate, or undefined; throws on a conflicting reuse. */
  private findDuplicate(event: NewEvent, dedupe: string): AppendResult | undefined {
    const row = this.stmts.byDedupe.get(event.tenantid, dedupe) ?? this.stmts.byId.get(event.id);
    if (!row) return undefined;
    const stored = this.open([row])[0]!;
    if (stored.tenantid !== event.tenantid || !sameSubmission(event, stored)) {
      throw new IdempotencyConflictError(
        `${event.idempotencykey !== undefined ? `idempotency key "${event.idempotencykey}"` : `event id ${event.id}`} was already used for a different event`,
        { context: { tenantid: event.tenantid, existingId: stored.id } },
      );
    }
    return {
      id: stored.id, tenantid: stored.tenantid, streamid: stored.streamid, streamposition: stored.streamposition,
      partition: PARTITION, offset: stored.offset, duplicate: true,
    };
  }

  /** Decrypts rows, fetching each content key once per call. */
  private open(rows: readonly EventRow[]): StoredEvent[] {
    const keys = new Map<string, ContentKey | undefined>();
    return rows.map((row) => {
      const sealed = toSealed(row);
      const keyid = sealed.record.content.keyid;
      if (!keys.has(keyid)) keys.set(keyid, this.vault.findKeySync(keyid));
      return openEvent(sealed, { partition: PARTITION, offset: row.offset }, keys.get(keyid), this.cipher, this.upcasters);
    });
  }

  getEvent(id: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    const row = this.stmts.byId.get(id);
    return Promise.resolve(row ? this.open([row])[0] : undefined);
  }

  readStream(tenantid: string, streamid: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const rows = this.stmts.stream.all(tenantid, streamid, options.fromStreamPosition ?? 1, options.limit ?? DEFAULT_LIMIT);
    return Promise.resolve(this.open(rows));
  }

  readAll(options: ReadAllOptions = {}): Promise<ReadPage> {
    this.assertOpen();
    const from = options.from ?? {};
    const start = from[PARTITION] ?? 0;
    const limit = options.limit ?? DEFAULT_LIMIT;
    const rows =
      options.tenantid === undefined ? this.stmts.all.all(start, limit) : this.stmts.allOfTenant.all(start, options.tenantid, limit);
    const events = this.open(rows);
    return Promise.resolve({ events, next: advance(from, events) });
  }

  /**
   * The log as of transaction time `time` (see {@link EventLog.positionAt}): `{ 0: offset + 1 }`
   * of the highest offset whose `recordedat` is at or before `time`, `{}` when there is none.
   * Cost: a backward scan of the offsets recorded after `time`.
   * @throws ValidationError when `time` is not a valid date.
   */
  positionAt(time: Date): Promise<Checkpoint> {
    this.assertOpen();
    if (!(time instanceof Date) || Number.isNaN(time.getTime())) {
      return Promise.reject(new ValidationError('positionAt needs a valid Date', [{ pointer: '/time', detail: 'must be a valid date' }]));
    }
    const row = this.stmts.positionAt.get(time.toISOString());
    const checkpoint: Checkpoint = row ? { [PARTITION]: row.offset + 1 } : {};
    return Promise.resolve(checkpoint);
  }

  /** Sealed records in offset order between `from` (inclusive) and `to` (exclusive); see {@link EventLog.readSealed}. */
  readSealed(options: ReadSealedOptions = {}): Promise<SealedPage> {
    this.assertOpen();
    const from = options.from ?? {};
    const start = from[PARTITION] ?? 0;
    const stop = options.to === undefined ? Number.MAX_SAFE_INTEGER : (options.to[PARTITION] ?? 0);
    const limit = options.limit ?? DEFAULT_LIMIT;
    const rows =
      options.tenantid === undefined ? this.stmts.sealed.all(start, stop, limit) : this.stmts.sealedOfTenant.all(options.tenantid, start, stop, limit);
    const events = rows.map(toPositioned);
    return Promise.resolve({ events, next: advance(from, events) });
  }

  /** One stream's sealed records in stream order; see {@link EventLog.readSealedStream}. */
  readSealedStream(tenantid: string, streamid: string, options: ReadStreamOptions = {}): Promise<PositionedSealedEvent[]> {
    this.assertOpen();
    const rows = this.stmts.stream.all(tenantid, streamid, options.fromStreamPosition ?? 1, options.limit ?? DEFAULT_LIMIT);
    return Promise.resolve(rows.map(toPositioned));
  }

  /** Every stream's head, read in one read transaction (one WAL snapshot); see {@link EventLog.streamHeads}. */
  streamHeads(tenantid?: string): Promise<SealedStreamHead[]> {
    this.assertOpen();
    const rows = this.db.transaction(() => (tenantid === undefined ? this.stmts.headsAll.all() : this.stmts.headsOf.all(tenantid)))();
    return Promise.resolve(
      rows.map((r) => ({ tenantid: r.tenantid, streamid: r.streamid, streamposition: r.streamposition, id: r.id, hash: r.hash, partition: PARTITION, offset: r.offset })),
    );
  }

  listStreams(tenantid?: string): Promise<StreamInfo[]> {
    this.assertOpen();
    return Promise.resolve(tenantid === undefined ? this.stmts.streams.all() : this.stmts.streamsOfTenant.all(tenantid));
  }

  end(): Promise<Checkpoint> {
    this.assertOpen();
    return Promise.resolve({ [PARTITION]: this.stmts.nextOffset.get()!.next });
  }

  committed(group: string): Promise<Checkpoint> {
    this.assertOpen();
    return Promise.resolve(this.committedSync(group));
  }

  private committedSync(group: string): Checkpoint {
    const checkpoint: Record<number, number> = {};
    for (const row of this.stmts.committed.all(group)) checkpoint[row.partition] = row.next_offset;
    return checkpoint;
  }

  /**
   * Commits a consumer group's checkpoint. Call it inside your own `db.transaction` to commit
   * a projection's writes and its checkpoint atomically.
   */
  commitSync(group: string, checkpoint: Checkpoint): void {
    const at = new Date().toISOString();
    for (const [partition, next] of Object.entries(checkpoint)) this.stmts.commit.run(group, Number(partition), next, at);
  }

  subscribe(group: string, handler: BatchHandler, options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const maxBatch = options.maxBatch ?? 500;
    let stopping = false;
    let wake: (() => void) | undefined;
    const onAppend = () => wake?.();
    this.appended.on('append', onAppend);
    const idle = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }).finally(() => (wake = undefined));

    const loop = async () => {
      try {
        while (!stopping && !this.closed) {
          const from = this.committedSync(group);
          const page = await this.readAll({ from, limit: maxBatch });
          if (page.events.length === 0) {
            await idle();
            continue;
          }
          await handler(page.events);
          this.commitSync(group, page.next);
        }
      } catch (error) {
        options.onError?.(error);
      } finally {
        this.appended.off('append', onAppend);
      }
    };
    const closed = loop();
    const subscription: Subscription = {
      stop: async () => {
        stopping = true;
        wake?.();
        await closed;
        this.subscriptions.delete(subscription);
      },
      closed,
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  verify(filter: VerifyFilter = {}): Promise<VerifyReport> {
    this.assertOpen();
    const streams = (filter.tenantid === undefined ? this.stmts.streams.all() : this.stmts.streamsOfTenant.all(filter.tenantid)).filter(
      (s) => filter.streamid === undefined || s.streamid === filter.streamid,
    );
    const iterate = this.db.prepare<[string, string], EventRow>(
      'SELECT "offset", record, prevhash, hash FROM events WHERE tenantid = ? AND streamid = ? ORDER BY streamposition',
    );
    let events = 0;
    for (const stream of streams) {
      let count = 0;
      const rows = function* () {
        for (const row of iterate.iterate(stream.tenantid, stream.streamid)) {
          count += 1;
          yield toSealed(row);
        }
      };
      let firstBroken;
      try {
        firstBroken = verifyChain(rows(), nodeSha256Hex);
      } catch (cause) {
        firstBroken = { tenantid: stream.tenantid, streamid: stream.streamid, id: 'unknown', streamposition: count, reason: `unreadable record: ${(cause as Error).message}` };
      }
      events += count;
      if (firstBroken) return Promise.resolve({ streams: streams.length, events, valid: false, firstBroken });
    }
    return Promise.resolve({ streams: streams.length, events, valid: true });
  }

  /**
   * Empties the WAL into the database file and truncates it to 0 bytes (see `truncateWal`), so
   * no earlier version of a page (an erased subject's content, a destroyed key) stays in it.
   * Call it after work that deleted content, once its writes are committed.
   * @returns what the checkpoint did; `busy` when another connection kept it from completing.
   * @throws UnavailableError once the log is closed.
   */
  truncateWal(): WalCheckpoint {
    this.assertOpen();
    return truncateWal(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.closed = true;
    await this.sealPool?.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('event log is closed');
  }
}

/** Maps SQLite failures to the typed errors callers switch on (busy/full/I/O are retriable). */
function translate(error: unknown): Error {
  if (MemfabricError.is(error)) return error;
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_IOERR' || code === 'SQLITE_FULL') {
    return new UnavailableError(`event log write failed: ${(error as Error).message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function toSealed(row: EventRow): SealedEvent {
  return { record: JSON.parse(row.record) as StoredRecord, prevhash: row.prevhash, hash: row.hash };
}

function toPositioned(row: EventRow): PositionedSealedEvent {
  return { ...toSealed(row), partition: PARTITION, offset: row.offset };
}
