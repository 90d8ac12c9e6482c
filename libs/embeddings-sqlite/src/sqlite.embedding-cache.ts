import os from 'node:os';
import Database from 'better-sqlite3';
import type { CachedEmbedding, EmbeddingCache } from '@memfabric/embeddings';
import { ConfigurationError, UnavailableError, ValidationError } from '@memfabric/errors';
import { applyContentPragmas, preparePrivateSqliteFile, restrictFiles, sqliteSideFiles, truncateWal, type WalCheckpoint } from '@memfabric/event-log-sqlite';

/** `PRAGMA application_id` of an embedding cache file ("MFEC"): a file of another kind is refused. */
export const EMBEDDING_CACHE_APPLICATION_ID = 0x4d464543;
/** Schema version of the file (`PRAGMA user_version`). */
export const EMBEDDING_CACHE_SCHEMA_VERSION = 1;
/** Default bound of {@link SqliteEmbeddingCacheOptions.maxEntries}: about 1.1 GB of 512-d vectors. */
export const DEFAULT_EMBEDDING_CACHE_MAX_ENTRIES = 500_000;
/** Largest accepted `maxEntries`. */
const MAX_ENTRIES_LIMIT = 100_000_000;
/** A hit refreshes an entry's `used` time only when it is older than this (ms), so reads rarely write. */
const TOUCH_AFTER_MS = 60_000;
const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** Options of {@link SqliteEmbeddingCache.open}. */
export interface SqliteEmbeddingCacheOptions {
  /**
   * The SQLite file, created (mode 0600, its directory 0700) when missing; `:memory:` for a
   * private in-memory database. Several processes may open the same file (WAL).
   */
  readonly path: string;
  /**
   * Most entries kept, over all models (1..100 000 000; default
   * {@link DEFAULT_EMBEDDING_CACHE_MAX_ENTRIES}). Past it the least recently used entries are
   * deleted at the end of the `set` that went over. The file takes about
   * `maxEntries × (4 × dimensions + ~120)` bytes (SQLite does not shrink a file by itself:
   * deleted pages are reused).
   */
  readonly maxEntries?: number;
  /** Clock of the `used` times, ms since the epoch (default `Date.now`; tests pin it). */
  readonly clock?: () => number;
}

interface Statements {
  readonly modelId: Database.Statement<[string], { id: number }>;
  readonly insertModel: Database.Statement<[string]>;
  readonly lookup: Database.Statement<[number, Buffer], { id: number; dims: number; vector: Buffer; used: number }>;
  readonly touch: Database.Statement<[number, number]>;
  readonly upsert: Database.Statement<[number, Buffer, number, Buffer, number]>;
  readonly remove: Database.Statement<[number, Buffer]>;
  readonly entries: Database.Statement<[], { entries: number }>;
  readonly evict: Database.Statement<[number]>;
}

/**
 * {@link EmbeddingCache} in a SQLite file (better-sqlite3), so embeddings outlive the process:
 * a rebuild or a new evaluation over the same texts costs a hash and a lookup per text instead
 * of a model call.
 *
 * Layout: table `embedding_models` (model id → integer) and table `embeddings`, one row per
 * (model, 32-byte SHA-256 key) with `dims`, the vector as a BLOB of `dims` little-endian IEEE 754
 * float32 values, and `used` (ms, last write or hit); the entry count is kept by triggers in
 * `embedding_cache_meta`, exact across processes. Lookups of one call run in one read
 * transaction, inserts of one call in one `BEGIN IMMEDIATE` transaction (an upsert per entry),
 * followed in it by the eviction of the least recently used entries past `maxEntries`.
 *
 * A row whose BLOB is not `4 × dims` bytes, holds a non-finite value, or whose `dims` differ
 * from the dimensions asked for is a miss (the next `set` replaces it).
 *
 * Erasure: the connection runs with `secure_delete = ON` (deleted rows and freed pages are
 * overwritten with zeros) and a 64 MiB `journal_size_limit`; {@link SqliteEmbeddingCache.delete}
 * then checkpoints the WAL and truncates it to 0 bytes, so the deleted vectors and keys leave
 * every file (unless another connection holds the WAL: {@link SqliteEmbeddingCache.truncateWal}
 * retries). The file is refused unless it is empty or carries this cache's `application_id`,
 * so a misconfigured path cannot write into another database.
 */
export class SqliteEmbeddingCache implements EmbeddingCache {
  private readonly statements: Statements;
  private readonly models = new Map<string, number>();
  private evictions = 0;

  private constructor(
    /** The open connection (tests and diagnostics). */
    readonly db: Database.Database,
    /** Most entries kept. */
    readonly maxEntries: number,
    private readonly clock: () => number,
  ) {
    this.statements = {
      modelId: db.prepare('SELECT id FROM embedding_models WHERE model = ?'),
      insertModel: db.prepare('INSERT OR IGNORE INTO embedding_models (model) VALUES (?)'),
      lookup: db.prepare('SELECT id, dims, vector, used FROM embeddings WHERE model = ? AND key = ?'),
      touch: db.prepare('UPDATE embeddings SET used = ? WHERE id = ?'),
      upsert: db.prepare(
        'INSERT INTO embeddings (model, key, dims, vector, used) VALUES (?, ?, ?, ?, ?) ON CONFLICT (model, key) DO UPDATE SET dims = excluded.dims, vector = excluded.vector, used = excluded.used',
      ),
      remove: db.prepare('DELETE FROM embeddings WHERE model = ? AND key = ?'),
      entries: db.prepare('SELECT entries FROM embedding_cache_meta WHERE id = 1'),
      evict: db.prepare('DELETE FROM embeddings WHERE id IN (SELECT id FROM embeddings ORDER BY used, id LIMIT ?)'),
    };
  }

  /**
   * Opens (creating when missing) the cache file.
   * @throws ConfigurationError when `maxEntries` is out of range, the platform is big-endian,
   *   the file cannot be opened or is not a SQLite database, or it is a database of another
   *   kind (other tables, another `application_id`) or of a newer schema.
   */
  static open(options: SqliteEmbeddingCacheOptions): SqliteEmbeddingCache {
    const maxEntries = options.maxEntries ?? DEFAULT_EMBEDDING_CACHE_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_ENTRIES_LIMIT) {
      throw new ConfigurationError(`SqliteEmbeddingCache: maxEntries must be an integer in 1..${MAX_ENTRIES_LIMIT} (got ${maxEntries})`);
    }
    if (os.endianness() !== 'LE') throw new ConfigurationError('SqliteEmbeddingCache stores little-endian float32 vectors and needs a little-endian platform');
    let db: Database.Database | undefined;
    try {
      preparePrivateSqliteFile(options.path);
      db = new Database(options.path);
      db.pragma('busy_timeout = 5000');
      initialise(db, options.path);
      if (options.path !== ':memory:' && options.path !== '') restrictFiles(sqliteSideFiles(options.path));
      return new SqliteEmbeddingCache(db, maxEntries, options.clock ?? Date.now);
    } catch (error) {
      db?.close();
      if (error instanceof ConfigurationError) throw error;
      throw new ConfigurationError(`cannot open the embedding cache ${options.path}: ${(error as Error).message} (point MEMFABRIC_EMBEDDING_CACHE at another file, or delete this one: it holds derived data only)`, {
        cause: error,
        context: { path: options.path },
      });
    }
  }

  /** Entries held now, over all models (every process's writes counted). */
  get size(): number {
    return this.statements.entries.get()?.entries ?? 0;
  }

  /** Entries this instance deleted to stay within `maxEntries` since it was opened. */
  get evicted(): number {
    return this.evictions;
  }

  /**
   * Looks `keys` up for `modelId` in one read transaction; hits older than a minute get their
   * `used` time refreshed afterwards (one write transaction, skipped when none is due).
   * @throws ValidationError when a key is not 64 lower-case hex characters.
   * @throws UnavailableError (retriable) when the file stays locked past the busy timeout (5 s).
   */
  get(modelId: string, keys: readonly string[], dimensions?: number): Promise<(Float32Array | undefined)[]> {
    return settle(() => {
      if (keys.length === 0) return [];
      const keyBytes = keys.map(keyToBytes);
      const model = this.modelIdOf(modelId, false);
      if (model === undefined) return keys.map(() => undefined);
      const now = this.clock();
      const stale: number[] = [];
      const found = this.db.transaction(() =>
        keyBytes.map((key) => {
          const row = this.statements.lookup.get(model, key);
          if (row === undefined) return undefined;
          const vector = decodeVector(row.vector, row.dims, dimensions);
          if (vector !== undefined && row.used < now - TOUCH_AFTER_MS) stale.push(row.id);
          return vector;
        }),
      )();
      if (stale.length > 0) {
        this.db.transaction(() => {
          for (const id of stale) this.statements.touch.run(now, id);
        }).immediate();
      }
      return found;
    });
  }

  /**
   * Stores `entries` for `modelId` in one `BEGIN IMMEDIATE` transaction (replacing entries with
   * the same key), then deletes the least recently used entries past `maxEntries`.
   * @throws ValidationError when a key is not 64 lower-case hex characters or a vector is not a
   *   non-empty Float32Array (nothing is stored then).
   * @throws UnavailableError (retriable) when the file stays locked past the busy timeout.
   */
  set(modelId: string, entries: readonly CachedEmbedding[]): Promise<void> {
    return settle(() => {
      if (entries.length === 0) return;
      const rows = entries.map(({ key, vector }, i) => {
        if (!(vector instanceof Float32Array) || vector.length === 0) {
          throw new ValidationError('embedding cache entries need a non-empty Float32Array vector', [{ pointer: `/${i}/vector`, detail: 'not a non-empty Float32Array' }]);
        }
        return { key: keyToBytes(key, i), dims: vector.length, vector: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength) };
      });
      const now = this.clock();
      this.db.transaction(() => {
        const model = this.modelIdOf(modelId, true)!;
        for (const row of rows) this.statements.upsert.run(model, row.key, row.dims, row.vector, now);
        const excess = (this.statements.entries.get()?.entries ?? 0) - this.maxEntries;
        if (excess > 0) this.evictions += this.statements.evict.run(excess).changes;
      }).immediate();
    });
  }

  /**
   * Deletes the entries of `keys` for `modelId` (one `BEGIN IMMEDIATE` transaction; with
   * `secure_delete` the rows are zeroed in the file) and, when any was deleted, checkpoints and
   * truncates the WAL so no older page holding them stays in it.
   * @returns the number of entries deleted.
   * @throws ValidationError when a key is not 64 lower-case hex characters.
   * @throws UnavailableError (retriable) when the file stays locked past the busy timeout.
   */
  delete(modelId: string, keys: readonly string[]): Promise<number> {
    return settle(() => {
      if (keys.length === 0) return 0;
      const keyBytes = keys.map(keyToBytes);
      const model = this.modelIdOf(modelId, false);
      if (model === undefined) return 0;
      const removed = this.db.transaction(() => keyBytes.reduce((n, key) => n + this.statements.remove.run(model, key).changes, 0)).immediate();
      if (removed > 0) this.truncateWal();
      return removed;
    });
  }

  /**
   * Copies the WAL into the file and truncates it to 0 bytes (`wal_checkpoint(TRUNCATE)`);
   * `busy` when another connection kept it from completing (call again later).
   */
  truncateWal(): WalCheckpoint {
    return truncateWal(this.db);
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.db.open) this.db.close();
  }

  private modelIdOf(modelId: string, create: boolean): number | undefined {
    const known = this.models.get(modelId);
    if (known !== undefined) return known;
    if (typeof modelId !== 'string' || modelId.length === 0) throw new ValidationError('model id must be a non-empty string', [{ pointer: '/modelId', detail: 'empty' }]);
    if (create) this.statements.insertModel.run(modelId);
    const id = this.statements.modelId.get(modelId)?.id;
    if (id !== undefined) this.models.set(modelId, id);
    return id;
  }
}

/** Creates the schema in an empty file or checks the file is an embedding cache. */
function initialise(db: Database.Database, file: string): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (applicationId !== EMBEDDING_CACHE_APPLICATION_ID) {
    const tables = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").get()?.n ?? 0;
    if (applicationId !== 0 || tables > 0) {
      throw new ConfigurationError(`${file} is not an embedding cache (application_id ${applicationId}, ${tables} schema objects): point the embedding cache at a file of its own`, {
        context: { path: file, applicationId },
      });
    }
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > EMBEDDING_CACHE_SCHEMA_VERSION) {
    throw new ConfigurationError(`embedding cache ${file} has schema version ${version}, newer than this code's ${EMBEDDING_CACHE_SCHEMA_VERSION}: use another file or upgrade`, {
      context: { path: file, version },
    });
  }
  db.pragma('journal_mode = WAL');
  // derived data: a power loss may lose the last transactions, never corrupt the file
  db.pragma('synchronous = NORMAL');
  applyContentPragmas(db);
  db.exec(`
    BEGIN IMMEDIATE;
    CREATE TABLE IF NOT EXISTS embedding_models (id INTEGER PRIMARY KEY, model TEXT NOT NULL UNIQUE);
    CREATE TABLE IF NOT EXISTS embeddings (
      id INTEGER PRIMARY KEY,
      model INTEGER NOT NULL REFERENCES embedding_models (id),
      key BLOB NOT NULL,
      dims INTEGER NOT NULL,
      vector BLOB NOT NULL,
      used INTEGER NOT NULL,
      UNIQUE (model, key)
    );
    CREATE INDEX IF NOT EXISTS embeddings_used ON embeddings (used, id);
    CREATE TABLE IF NOT EXISTS embedding_cache_meta (id INTEGER PRIMARY KEY CHECK (id = 1), entries INTEGER NOT NULL);
    INSERT OR IGNORE INTO embedding_cache_meta (id, entries) VALUES (1, 0);
    CREATE TRIGGER IF NOT EXISTS embeddings_counted_insert AFTER INSERT ON embeddings
      BEGIN UPDATE embedding_cache_meta SET entries = entries + 1 WHERE id = 1; END;
    CREATE TRIGGER IF NOT EXISTS embeddings_counted_delete AFTER DELETE ON embeddings
      BEGIN UPDATE embedding_cache_meta SET entries = entries - 1 WHERE id = 1; END;
    PRAGMA application_id = ${EMBEDDING_CACHE_APPLICATION_ID};
    PRAGMA user_version = ${EMBEDDING_CACHE_SCHEMA_VERSION};
    COMMIT;
  `);
}

/** The 32 bytes of a SHA-256 hex key. */
function keyToBytes(key: string, index: number): Buffer {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new ValidationError('embedding cache keys are SHA-256 digests in lower-case hex (64 characters)', [{ pointer: `/${index}`, detail: 'not 64 lower-case hex characters' }]);
  }
  return Buffer.from(key, 'hex');
}

/** The vector of a row, or undefined when the row is damaged or of other dimensions. */
function decodeVector(blob: unknown, dims: number, dimensions: number | undefined): Float32Array | undefined {
  if (!Buffer.isBuffer(blob) || !Number.isInteger(dims) || dims < 1 || blob.byteLength !== dims * 4) return undefined;
  if (dimensions !== undefined && dims !== dimensions) return undefined;
  const vector = new Float32Array(dims);
  new Uint8Array(vector.buffer).set(blob);
  for (let i = 0; i < dims; i++) if (!Number.isFinite(vector[i]!)) return undefined;
  return vector;
}

/** The result of a synchronous call as a promise; SQLITE_BUSY becomes a retriable UnavailableError. */
function settle<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => {
    try {
      resolve(call());
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
        throw new UnavailableError('the embedding cache file is locked by another connection; retry', { cause: error });
      }
      throw error;
    }
  });
}
