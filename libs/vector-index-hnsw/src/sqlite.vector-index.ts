import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ConfigurationError } from '@memfabric/errors';
import {
  dotAt,
  EmbeddingModelMismatchError,
  IndexClosedError,
  matchesFilter,
  modelProblems,
  prepareIds,
  preparePoints,
  prepareTenant,
  prepareVectorQuery,
  TopK,
  type EmbeddingModelRef,
  type NormalizedFilter,
  type PreparedPoint,
  type PreparedVectorQuery,
  type SearchHit,
  type UnitPayload,
  type UnitStatus,
  type VectorIndex,
  type VectorPoint,
  type VectorQuery,
} from '@memfabric/vector-index';
import { checkPrefix, defaultIndexDir, openDatabase, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, restrictFile, type DatabaseOrPath } from './config.js';
import { VECTOR_SCHEMA_VERSION, vectorDdl } from './schema.js';
import { VectorMatrix, type CachedGraph, type PointMeta, type TenantCache } from './tenant-cache.js';
import { DEFAULT_HNSW, UsearchGraph, type HnswParams } from './usearch-graph.js';

/** Options of {@link SqliteVectorIndex.open}. */
export interface SqliteVectorIndexOptions {
  /**
   * The SQLite database holding the points: an open better-sqlite3 connection (for example the
   * event log's `db`, so a projection writes points and its checkpoint in one transaction), or
   * a file path (opened in WAL mode and closed by {@link SqliteVectorIndex.close}).
   */
  readonly database: DatabaseOrPath;
  /** The embedding model; recorded on first open, and every later open must name the same. */
  readonly model: EmbeddingModelRef;
  /** Table-name prefix, `[a-z][a-z0-9_]*`; default `vec` (tables `vec_points`, ...). */
  readonly tablePrefix?: string;
  /**
   * Directory of the per-tenant HNSW files; default `<database file>.hnsw` beside the SQLite
   * file. `null` (and the default for an in-memory database) keeps graphs in memory only: they
   * are rebuilt from the rows after a restart.
   */
  readonly indexDir?: string | null;
  /**
   * A tenant with fewer live points than this is searched exactly (its vectors held in one
   * matrix in memory); so is any search whose filter matches fewer points. Default 2,000.
   */
  readonly exactThreshold?: number;
  /** HNSW parameters; defaults {@link DEFAULT_HNSW} (M 16, efConstruction 128, ef 128). */
  readonly hnsw?: Partial<HnswParams>;
  /**
   * Rebuild a tenant's graph once vectors removed or replaced since its last build exceed this
   * fraction of its live points (HNSW quality degrades with many deletions). Default 0.25.
   */
  readonly rebuildRatio?: number;
}

/** Diagnostics of one tenant's rows and caches ({@link SqliteVectorIndex.cacheInfo}). */
export interface TenantCacheInfo {
  /** Live (not deleted) points. */
  readonly live: number;
  /** The tenant's change sequence (high-water mark of every change). */
  readonly seq: number;
  /** The `seq` this process's cache reflects (behind `seq` until the next search replays the rows). */
  readonly cachedSeq?: number;
  /** Vectors held for exact search (tenant below the threshold). */
  readonly vectors?: number;
  /** The in-memory graph, when this process has built or loaded one. */
  readonly graph?: {
    readonly size: number;
    readonly seq: number;
    /** `file`: loaded from `indexDir` and replayed; `rows`: built from the rows. */
    readonly source: 'file' | 'rows';
    /** Changed since loaded or saved (written by the next {@link SqliteVectorIndex.saveIndexFiles}). */
    readonly dirty: boolean;
    readonly file?: string;
  };
}

interface PayloadRow {
  key: number;
  id: string;
  tenant: string;
  stream: string;
  actor: string;
  world_time: number;
  tx_time: number;
  log_offset: number;
  status: UnitStatus;
  text: string;
}

interface MetaRow {
  key: number;
  id: string;
  stream: string;
  actor: string;
  world_time: number;
  tx_time: number;
  log_offset: number;
  status: UnitStatus;
}

interface ChangedRow extends MetaRow {
  deleted: number;
  vseq: number;
  /** Present when the vector changed after the replay's starting point. */
  vector: Buffer | null;
}

interface TenantRow {
  seq: number;
  live: number;
}

/** What a `<tenant>.json` file beside an HNSW file says about it. */
interface GraphManifest {
  format: 1;
  instance: string;
  tenant: string;
  model: EmbeddingModelRef;
  connectivity: number;
  seq: number;
  size: number;
  file: string;
}

const OVERSAMPLE_FACTOR = 4;
const MIN_CANDIDATES = 64;

function toBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBlob(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}

function toMeta(row: MetaRow): PointMeta {
  return {
    id: row.id,
    stream: row.stream,
    actor: row.actor,
    worldTime: row.world_time,
    txTime: row.tx_time,
    offset: row.log_offset,
    status: row.status,
  };
}

/** SQL conditions (and their parameters) for a filter over `<prefix>_points`. */
function filterSql(f: NormalizedFilter): { sql: string; params: unknown[] } {
  const parts = ['status IN (SELECT value FROM json_each(?))'];
  const params: unknown[] = [JSON.stringify(f.statuses)];
  if (f.streams) {
    parts.push('stream IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.streams));
  }
  if (f.actors) {
    parts.push('actor IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.actors));
  }
  const bound = (column: string, op: string, value: number | undefined) => {
    if (value === undefined) return;
    parts.push(`${column} ${op} ?`);
    params.push(value);
  };
  bound('world_time', '>=', f.worldFrom);
  bound('world_time', '<=', f.worldTo);
  bound('tx_time', '>=', f.txFrom);
  bound('tx_time', '<=', f.txTo);
  bound('log_offset', '<=', f.maxOffset);
  return { sql: parts.join(' AND '), params };
}

/** True when the filter restricts statuses only and lets active points through. */
function mostlyUnfiltered(f: NormalizedFilter): boolean {
  return (
    f.statuses.includes('active') &&
    !f.streams &&
    !f.actors &&
    f.worldFrom === undefined &&
    f.worldTo === undefined &&
    f.txFrom === undefined &&
    f.txTo === undefined &&
    f.maxOffset === undefined
  );
}

/**
 * The embedded {@link VectorIndex}. Points (payload and vector) are rows of SQLite tables,
 * written in the caller's transaction when the caller wants (the `...Sync` methods); everything
 * else is a cache over those rows that this process rebuilds at will:
 *
 * - per tenant, the filterable payload of each live point, and either its vectors in one matrix
 *   (tenants below `exactThreshold`: exact search) or an HNSW graph (usearch; Malkov &
 *   Yashunin, "Efficient and robust approximate nearest neighbor search using Hierarchical
 *   Navigable Small World graphs", IEEE TPAMI 2020) saved to `<indexDir>/` on close (files
 *   mode 0600, a created directory 0700; they hold vectors and integer keys, no text);
 * - every write bumps the tenant's change sequence `seq` and stamps the rows it touched, so a
 *   search first replays the rows changed since its cache's `seq` (also those written by other
 *   processes), a saved graph is brought up to date the same way on open, and a missing,
 *   foreign, unreadable or inconsistent file is rebuilt from the rows.
 *
 * Search: exact below the threshold; on a larger tenant, exact over the matching points when a
 * filter matches few of them (fewer than `max(exactThreshold / 4, live / 50)`, at most
 * `exactThreshold`); otherwise the graph is asked for `max(4k, 64)` candidates, filtered against
 * the cached payload, and asked again with 4x more while fewer than `k` pass, falling back to
 * exact search when the candidates would exceed a quarter of the tenant. Inside a transaction open on
 * the connection a search reads the rows directly (exact, no cache: they may be rolled back).
 */
export class SqliteVectorIndex implements VectorIndex {
  readonly model: EmbeddingModelRef;
  /** Table-name prefix in use. */
  readonly tablePrefix: string;
  /** Directory of the HNSW files, or null when graphs live in memory only. */
  readonly indexDir: string | null;
  /** Tenants with fewer live points are searched exactly. */
  readonly exactThreshold: number;
  readonly hnsw: HnswParams;
  private readonly rebuildRatio: number;
  private readonly instance: string;
  private readonly caches = new Map<string, TenantCache>();
  private readonly filterStatements = new Map<string, Database.Statement>();
  private readonly stmts: ReturnType<SqliteVectorIndex['prepare']>;
  private readonly writeUpsert: (points: PreparedPoint[]) => void;
  private readonly writeDelete: (tenant: string, ids: readonly string[]) => void;
  private readonly writeStatus: (tenant: string, ids: readonly string[], status: UnitStatus) => void;
  /** A search in one read transaction, so the tenant's `seq`, its rows and the replay agree. */
  private readonly readSearch: Database.Transaction<(q: PreparedVectorQuery) => SearchHit[]>;
  private closed = false;

  private constructor(
    /** The connection holding the tables (shared with the caller when it passed one). */
    readonly db: Database.Database,
    private readonly ownsDb: boolean,
    options: SqliteVectorIndexOptions,
    model: EmbeddingModelRef,
    instance: string,
  ) {
    this.model = model;
    this.tablePrefix = options.tablePrefix ?? 'vec';
    this.indexDir = options.indexDir === undefined ? defaultIndexDir(db) : options.indexDir;
    this.exactThreshold = options.exactThreshold ?? 2000;
    this.hnsw = { ...DEFAULT_HNSW, ...options.hnsw };
    this.rebuildRatio = options.rebuildRatio ?? 0.25;
    this.instance = instance;
    this.stmts = this.prepare();
    this.writeUpsert = db.transaction((points: PreparedPoint[]) => this.upsertRows(points));
    this.writeDelete = db.transaction((tenant: string, ids: readonly string[]) => this.deleteRows(tenant, ids));
    this.writeStatus = db.transaction((tenant: string, ids: readonly string[], status: UnitStatus) => {
      const seq = this.stmts.bumpSeq.get(tenant)!.seq;
      for (const id of ids) this.stmts.setStatus.run(status, seq, tenant, id);
    });
    this.readSearch = db.transaction((q: PreparedVectorQuery) => this.searchCached(q));
    if (this.indexDir && existsSync(this.indexDir)) {
      // files saved before modes were enforced
      if ((statSync(this.indexDir).mode & 0o077) !== 0) chmodSync(this.indexDir, PRIVATE_DIR_MODE);
      for (const name of readdirSync(this.indexDir)) restrictFile(path.join(this.indexDir, name));
    }
  }

  /**
   * Opens (creating when missing) the index tables in `options.database`.
   * @throws ConfigurationError on invalid options (the message says what to fix), an
   *   unopenable file, or tables written by a newer schema version.
   * @throws EmbeddingModelMismatchError when the tables hold vectors of another model or
   *   dimension: rebuild the projection with the new model instead.
   */
  static open(options: SqliteVectorIndexOptions): SqliteVectorIndex {
    const owner = 'SqliteVectorIndex';
    const problems = modelProblems(options?.model);
    if (problems.length > 0) throw new ConfigurationError(`${owner}: ${problems.join('; ')}`);
    const prefix = checkPrefix(options.tablePrefix ?? 'vec', owner);
    checkNumbers(options, owner);
    const { db, owned } = openDatabase(options.database, owner);
    try {
      const instance = db
        .transaction(() => {
          db.exec(vectorDdl(prefix));
          const meta = new Map(
            db
              .prepare<[], { key: string; value: string }>(`SELECT key, value FROM ${prefix}_meta`)
              .all()
              .map((r) => [r.key, r.value]),
          );
          const insert = db.prepare(`INSERT INTO ${prefix}_meta (key, value) VALUES (?, ?)`);
          if (!meta.has('model_id')) {
            insert.run('schema_version', String(VECTOR_SCHEMA_VERSION));
            insert.run('model_id', options.model.id);
            insert.run('dimension', String(options.model.dimension));
            const id = randomUUID();
            insert.run('instance', id);
            return id;
          }
          if (Number(meta.get('schema_version')) > VECTOR_SCHEMA_VERSION) {
            throw new ConfigurationError(
              `${owner}: tables ${prefix}_* have schema version ${meta.get('schema_version')}; this build reads up to ${VECTOR_SCHEMA_VERSION}`,
            );
          }
          const stored = { id: meta.get('model_id')!, dimension: Number(meta.get('dimension')) };
          if (stored.id !== options.model.id || stored.dimension !== options.model.dimension) {
            throw new EmbeddingModelMismatchError(stored, options.model, `opening vector index ${prefix}_* in ${db.name}`);
          }
          return meta.get('instance')!;
        })
        .immediate();
      return new SqliteVectorIndex(db, owned, options, { id: options.model.id, dimension: options.model.dimension }, instance);
    } catch (error) {
      if (owned) db.close();
      throw error;
    }
  }

  private prepare() {
    const p = this.tablePrefix;
    const db = this.db;
    const metaColumns = 'key, id, stream, actor, world_time, tx_time, log_offset, status';
    return {
      tenant: db.prepare<[string], TenantRow>(`SELECT seq, live FROM ${p}_tenants WHERE tenant = ?`),
      bumpSeq: db.prepare<[string], { seq: number }>(
        `INSERT INTO ${p}_tenants (tenant, seq, live) VALUES (?, 1, 0)
         ON CONFLICT (tenant) DO UPDATE SET seq = seq + 1 RETURNING seq`,
      ),
      addLive: db.prepare<[number, string]>(`UPDATE ${p}_tenants SET live = live + ? WHERE tenant = ?`),
      existing: db.prepare<[string, string], { key: number; deleted: number }>(`SELECT key, deleted FROM ${p}_points WHERE tenant = ? AND id = ?`),
      insert: db.prepare(
        `INSERT INTO ${p}_points (tenant, id, stream, actor, world_time, tx_time, log_offset, status, text, vector, seq, vseq, deleted)
         VALUES (@tenant, @id, @stream, @actor, @worldTime, @txTime, @offset, @status, @text, @vector, @seq, @seq, 0)`,
      ),
      update: db.prepare(
        `UPDATE ${p}_points SET stream = @stream, actor = @actor, world_time = @worldTime, tx_time = @txTime,
           log_offset = @offset, status = @status, text = @text, vector = @vector, seq = @seq, vseq = @seq, deleted = 0
         WHERE key = @key`,
      ),
      tombstone: db.prepare<[number, string, string]>(
        `UPDATE ${p}_points SET deleted = 1, vector = NULL, text = '', stream = '', actor = '', seq = ?
         WHERE tenant = ? AND id = ? AND deleted = 0`,
      ),
      setStatus: db.prepare<[UnitStatus, number, string, string]>(
        `UPDATE ${p}_points SET status = ?, seq = ? WHERE tenant = ? AND id = ? AND deleted = 0`,
      ),
      get: db.prepare<[string, string], PayloadRow>(
        `SELECT key, id, tenant, stream, actor, world_time, tx_time, log_offset, status, text
         FROM ${p}_points WHERE tenant = ? AND id = ? AND deleted = 0`,
      ),
      // Key order everywhere (the graph's insertion order decides its links): the same rows
      // build the same graph, whatever order SQLite would return them in.
      liveMeta: db.prepare<[string], MetaRow>(`SELECT ${metaColumns} FROM ${p}_points WHERE tenant = ? AND deleted = 0 ORDER BY key`),
      liveVectors: db.prepare<[string], { key: number; vector: Buffer }>(
        `SELECT key, vector FROM ${p}_points WHERE tenant = ? AND deleted = 0 ORDER BY key`,
      ),
      changedSince: db.prepare<[number, string, number], ChangedRow>(
        `SELECT ${metaColumns}, deleted, vseq, CASE WHEN vseq > ? THEN vector END AS vector
         FROM ${p}_points WHERE tenant = ? AND seq > ? ORDER BY key`,
      ),
      vectorsOf: db.prepare<[string], { key: number; tenant: string; vector: Buffer | null }>(
        `SELECT p.key AS key, p.tenant AS tenant, p.vector AS vector FROM json_each(?) j CROSS JOIN ${p}_points p ON p.key = j.value`,
      ),
    };
  }

  // ------------------------------------------------------------------------------------------
  // writes

  /**
   * Inserts or replaces points, synchronously, inside the caller's transaction when one is
   * open on {@link db} (better-sqlite3 nests it as a savepoint), else in its own.
   * @throws EmbeddingModelMismatchError / ValidationError as {@link VectorIndex.upsert}.
   */
  upsertSync(points: readonly VectorPoint[]): void {
    this.assertOpen();
    const prepared = preparePoints(points, this.model);
    if (prepared.length > 0) this.writeUpsert(prepared);
  }

  /** Deletes points (tombstones without vector or text), synchronously; see {@link upsertSync}. */
  deleteSync(tenant: string, ids: readonly string[]): void {
    this.assertOpen();
    const unique = prepareIds(tenant, ids);
    if (unique.length > 0) this.writeDelete(tenant, unique);
  }

  /** Sets the status of points, synchronously; see {@link upsertSync}. */
  setStatusSync(tenant: string, ids: readonly string[], status: UnitStatus): void {
    this.assertOpen();
    const unique = prepareIds(tenant, ids, { value: status });
    if (unique.length > 0) this.writeStatus(tenant, unique, status);
  }

  private upsertRows(points: readonly PreparedPoint[]): void {
    const seqs = new Map<string, number>();
    const added = new Map<string, number>();
    for (const p of points) {
      let seq = seqs.get(p.tenant);
      if (seq === undefined) {
        seq = this.stmts.bumpSeq.get(p.tenant)!.seq;
        seqs.set(p.tenant, seq);
      }
      const row = { ...p, vector: toBlob(p.vector), seq };
      const existing = this.stmts.existing.get(p.tenant, p.id);
      if (!existing) this.stmts.insert.run(row);
      else this.stmts.update.run({ ...row, key: existing.key });
      if (!existing || existing.deleted) added.set(p.tenant, (added.get(p.tenant) ?? 0) + 1);
    }
    for (const [tenant, n] of added) this.stmts.addLive.run(n, tenant);
  }

  private deleteRows(tenant: string, ids: readonly string[]): void {
    const seq = this.stmts.bumpSeq.get(tenant)!.seq;
    let removed = 0;
    for (const id of ids) removed += this.stmts.tombstone.run(seq, tenant, id).changes;
    if (removed > 0) {
      this.stmts.addLive.run(-removed, tenant);
      this.forgetGraph(tenant);
    }
  }

  /**
   * Drops the tenant's saved graph files and in-process graph after a deletion: they may hold the
   * deleted vectors (usearch keeps removed slots), and deletion is how erasure purges embeddings.
   * The next search rebuilds the graph from the rows; files are a cache, so nothing is lost.
   */
  private forgetGraph(tenant: string): void {
    const cache = this.caches.get(tenant);
    if (cache) cache.graph = undefined;
    if (!this.indexDir || !existsSync(this.indexDir)) return;
    const base = this.fileBase(tenant);
    for (const name of readdirSync(this.indexDir)) {
      if (name === `${base}.json` || (name.startsWith(`${base}.`) && name.endsWith('.usearch'))) rmSync(path.join(this.indexDir, name), { force: true });
    }
  }

  // ------------------------------------------------------------------------------------------
  // reads

  /**
   * The search of {@link VectorIndex.search}, synchronously.
   * @throws ValidationError / EmbeddingModelMismatchError as {@link VectorIndex.search}.
   */
  searchSync(query: VectorQuery): SearchHit[] {
    this.assertOpen();
    const q = prepareVectorQuery(query, this.model);
    // inside the caller's transaction rows may still be rolled back: never cache them
    if (this.db.inTransaction) return this.searchRows(q);
    return this.readSearch.deferred(q);
  }

  private searchCached(q: PreparedVectorQuery): SearchHit[] {
    const state = this.stmts.tenant.get(q.tenant);
    if (!state || state.live === 0) return [];
    const cache = this.cacheFor(q.tenant, state);
    const top = new TopK(q.k);
    if (cache.vectors) {
      cache.vectors.scan(q.vector, q.filter, top);
      return top.hits();
    }
    if (!mostlyUnfiltered(q.filter)) {
      // few matches: exact over them (their vectors are read from the rows); many: the graph
      // with oversampling finds k of them quickly
      const exactBelow = Math.min(this.exactThreshold, Math.max(this.exactThreshold / 4, state.live / 50));
      const keys = this.matchingKeys(cache, q.filter, exactBelow);
      if (keys.length < exactBelow) return this.exactOverKeys(q, keys);
    }
    const graph = cache.graph!.graph;
    let wanted = Math.max(q.k * OVERSAMPLE_FACTOR, MIN_CANDIDATES);
    for (;;) {
      const asked = Math.min(wanted, graph.size);
      const candidates = graph.search(q.vector, asked);
      const found = new TopK(q.k);
      for (const c of candidates) {
        const m = cache.meta.get(c.key);
        if (m && matchesFilter(m, q.filter)) found.offer(m.id, c.score);
      }
      if (found.size >= q.k || candidates.length < asked || asked >= graph.size) return found.hits();
      wanted *= OVERSAMPLE_FACTOR;
      if (wanted > graph.size / 4) return this.exactOverKeys(q, this.matchingKeys(cache, q.filter, Infinity));
    }
  }

  /** Keys of live points passing the filter, at most `limit` of them. */
  private matchingKeys(cache: TenantCache, filter: NormalizedFilter, limit: number): number[] {
    const keys: number[] = [];
    for (const [key, m] of cache.meta) {
      if (!matchesFilter(m, filter)) continue;
      keys.push(key);
      if (keys.length >= limit) break;
    }
    return keys;
  }

  /** Exact search over the given points, reading their vectors from the rows. */
  private exactOverKeys(q: PreparedVectorQuery, keys: readonly number[]): SearchHit[] {
    const top = new TopK(q.k);
    if (keys.length === 0) return top.hits();
    const ids = this.caches.get(q.tenant)!.meta;
    for (const row of this.stmts.vectorsOf.iterate(JSON.stringify(keys))) {
      const m = ids.get(row.key);
      if (row.tenant !== q.tenant || !row.vector || !m) continue;
      top.offer(m.id, dotAt(q.vector, fromBlob(row.vector)));
    }
    return top.hits();
  }

  /** Exact search straight over the rows (used inside the caller's transaction). */
  private searchRows(q: PreparedVectorQuery): SearchHit[] {
    const { sql, params } = filterSql(q.filter);
    const text = `SELECT id, vector FROM ${this.tablePrefix}_points WHERE tenant = ? AND deleted = 0 AND ${sql}`;
    let stmt = this.filterStatements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.filterStatements.set(text, stmt);
    }
    const top = new TopK(q.k);
    for (const row of stmt.iterate(q.tenant, ...params) as IterableIterator<{ id: string; vector: Buffer }>) {
      top.offer(row.id, dotAt(q.vector, fromBlob(row.vector)));
    }
    return top.hits();
  }

  /** Payloads of the given points, synchronously; see {@link VectorIndex.get}. */
  getSync(tenant: string, ids: readonly string[]): UnitPayload[] {
    this.assertOpen();
    prepareIds(tenant, ids);
    const out: UnitPayload[] = [];
    for (const id of ids) {
      const row = this.stmts.get.get(tenant, id);
      if (row) {
        out.push({
          id: row.id,
          tenant: row.tenant,
          stream: row.stream,
          actor: row.actor,
          worldTime: row.world_time,
          txTime: row.tx_time,
          offset: row.log_offset,
          status: row.status,
          text: row.text,
        });
      }
    }
    return out;
  }

  /** Live points of a tenant, synchronously. */
  countSync(tenant: string): number {
    this.assertOpen();
    return this.stmts.tenant.get(prepareTenant(tenant))?.live ?? 0;
  }

  /**
   * Loads or builds the caches of the given tenants now (default: every tenant with at least
   * `exactThreshold` live points, i.e. those that need a graph), instead of at each tenant's
   * first search: saved graph files are loaded and brought up to date, missing or stale ones
   * rebuilt from the rows. Call it at start-up to keep the first queries fast.
   * @returns the number of tenants prepared.
   */
  warm(tenants?: readonly string[]): number {
    this.assertOpen();
    const names =
      tenants ??
      this.db
        .prepare<[number], { tenant: string }>(`SELECT tenant FROM ${this.tablePrefix}_tenants WHERE live >= ?`)
        .all(this.exactThreshold)
        .map((r) => r.tenant);
    const prepareOne = this.db.transaction((tenant: string) => {
      const state = this.stmts.tenant.get(tenant);
      if (!state || state.live === 0) return 0;
      this.cacheFor(tenant, state);
      return 1;
    });
    let prepared = 0;
    for (const tenant of names) prepared += prepareOne.deferred(prepareTenant(tenant));
    return prepared;
  }

  /** Diagnostics of a tenant's rows and caches (for operations and tests). */
  cacheInfo(tenant: string): TenantCacheInfo {
    this.assertOpen();
    const state = this.stmts.tenant.get(prepareTenant(tenant)) ?? { seq: 0, live: 0 };
    const cache = this.caches.get(tenant);
    if (!cache) return { live: state.live, seq: state.seq };
    const g = cache.graph;
    return {
      live: state.live,
      seq: state.seq,
      cachedSeq: cache.seq,
      ...(cache.vectors ? { vectors: cache.vectors.size } : {}),
      ...(g ? { graph: { size: g.graph.size, seq: g.seq, source: g.source, dirty: g.dirty, ...(g.file ? { file: g.file } : {}) } } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------
  // the caches

  /** The tenant's cache, brought up to the tenant's `seq` and to the representation its size calls for. */
  private cacheFor(tenant: string, state: TenantRow): TenantCache {
    let cache = this.caches.get(tenant);
    if (cache && cache.seq > state.seq) cache = undefined; // the rows went back (restored database)
    if (!cache) {
      cache = { seq: state.seq, meta: new Map(this.stmts.liveMeta.all(tenant).map((r) => [r.key, toMeta(r)])) };
      this.caches.set(tenant, cache);
    } else if (cache.seq < state.seq) {
      this.replay(tenant, cache, state.seq);
    }
    if (cache.meta.size !== state.live) {
      // inconsistent (should not happen): start over from the rows
      this.caches.delete(tenant);
      return this.cacheFor(tenant, state);
    }
    if (state.live < this.exactThreshold) {
      cache.graph = undefined;
      cache.vectors ??= this.loadVectors(tenant, state.live, cache.meta);
    } else {
      cache.vectors = undefined;
      cache.graph ??= this.loadGraph(tenant, state) ?? this.buildGraph(tenant, state);
      if (cache.graph.graph.size !== state.live || cache.graph.churn > this.rebuildRatio * state.live) {
        cache.graph = this.buildGraph(tenant, state);
      }
    }
    return cache;
  }

  /** Applies the rows changed since `cache.seq` (up to `seq`) to the payloads, vectors and graph in memory. */
  private replay(tenant: string, cache: TenantCache, seq: number): void {
    for (const row of this.stmts.changedSince.iterate(cache.seq, tenant, cache.seq)) {
      if (row.deleted) {
        cache.meta.delete(row.key);
        cache.vectors?.remove(row.key);
        if (cache.graph?.graph.has(row.key)) {
          cache.graph.graph.remove(row.key);
          cache.graph.churn += 1;
          cache.graph.removed += 1;
        }
        continue;
      }
      const meta = toMeta(row);
      cache.meta.set(row.key, meta);
      if (!row.vector) {
        cache.vectors?.setMeta(row.key, meta); // status-only change
        continue;
      }
      const vector = fromBlob(row.vector);
      cache.vectors?.set(row.key, vector, meta);
      if (cache.graph) {
        if (cache.graph.graph.has(row.key)) cache.graph.churn += 1;
        cache.graph.graph.set(row.key, vector);
      }
    }
    cache.seq = seq;
    if (cache.graph) {
      cache.graph.dirty = true;
      cache.graph.seq = seq;
    }
  }

  private loadVectors(tenant: string, live: number, meta: ReadonlyMap<number, PointMeta>): VectorMatrix {
    const matrix = new VectorMatrix(this.model.dimension, live);
    for (const row of this.stmts.liveVectors.iterate(tenant)) {
      const m = meta.get(row.key);
      if (m) matrix.set(row.key, fromBlob(row.vector), m);
    }
    return matrix;
  }

  private buildGraph(tenant: string, state: TenantRow): CachedGraph {
    const graph = UsearchGraph.create(this.model.dimension, this.hnsw);
    const keys: number[] = [];
    const vectors = new Float32Array(state.live * this.model.dimension);
    for (const row of this.stmts.liveVectors.iterate(tenant)) {
      if (keys.length >= state.live) break;
      vectors.set(fromBlob(row.vector), keys.length * this.model.dimension);
      keys.push(row.key);
    }
    graph.addBatch(keys, vectors.subarray(0, keys.length * this.model.dimension), this.hnsw.buildThreads ?? 1);
    return { graph, seq: state.seq, churn: 0, removed: 0, dirty: true, source: 'rows' };
  }

  private fileBase(tenant: string): string {
    const digest = createHash('sha256').update(tenant).digest('hex').slice(0, 32);
    return `${this.tablePrefix}-${digest}`;
  }

  /**
   * A saved graph of this database, model and parameters that is not ahead of the rows,
   * brought up to `state.seq` by replaying the vector changes since it was saved; or undefined.
   */
  private loadGraph(tenant: string, state: TenantRow): CachedGraph | undefined {
    if (!this.indexDir) return undefined;
    const manifestFile = path.join(this.indexDir, `${this.fileBase(tenant)}.json`);
    if (!existsSync(manifestFile)) return undefined;
    try {
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as GraphManifest;
      if (
        manifest.format !== 1 ||
        manifest.instance !== this.instance ||
        manifest.tenant !== tenant ||
        manifest.model?.id !== this.model.id ||
        manifest.model?.dimension !== this.model.dimension ||
        manifest.connectivity !== this.hnsw.connectivity ||
        manifest.seq > state.seq
      ) {
        return undefined;
      }
      const file = path.join(this.indexDir, path.basename(manifest.file));
      const graph = UsearchGraph.load(file, this.model.dimension, this.hnsw);
      if (graph.size !== manifest.size) return undefined;
      const cached: CachedGraph = { graph, seq: manifest.seq, churn: 0, removed: 0, dirty: false, file, source: 'file' };
      for (const row of this.stmts.changedSince.iterate(manifest.seq, tenant, manifest.seq)) {
        if (row.deleted) {
          if (graph.has(row.key)) {
            graph.remove(row.key);
            cached.churn += 1;
            cached.removed += 1;
          }
        } else if (row.vector) {
          if (graph.has(row.key)) cached.churn += 1;
          graph.set(row.key, fromBlob(row.vector));
        }
      }
      if (cached.seq < state.seq) {
        cached.seq = state.seq;
        cached.dirty = true;
      }
      return cached;
    } catch {
      return undefined; // unreadable or truncated: rebuilt from the rows
    }
  }

  /**
   * Saves every graph changed since it was loaded or last saved to `indexDir` (a new file per
   * save, then the tenant's manifest is replaced atomically, then older files of the tenant are
   * removed). Called by {@link close}; call it after large ingests to shorten the next start.
   * @returns the number of graphs written (0 when graphs live in memory only).
   */
  saveIndexFiles(): number {
    this.assertOpen();
    if (!this.indexDir) return 0;
    let written = 0;
    for (const [tenant, known] of this.caches) {
      let cache = known;
      if (cache.graph?.removed) {
        // deleted (erased) vectors stay in usearch's slots: save a graph built from the live rows
        cache = this.db.transaction(() => {
          const state = this.stmts.tenant.get(tenant);
          if (!state || state.live === 0) return { ...known, graph: undefined };
          const fresh = this.cacheFor(tenant, state);
          if (fresh.graph?.removed) fresh.graph = this.buildGraph(tenant, state);
          return fresh;
        }).deferred();
      }
      const cached = cache.graph;
      if (!cached?.dirty) continue;
      mkdirSync(this.indexDir, { recursive: true, mode: PRIVATE_DIR_MODE });
      const base = this.fileBase(tenant);
      const file = path.join(this.indexDir, `${base}.${cached.seq}.${randomUUID().slice(0, 8)}.usearch`);
      cached.graph.save(file);
      restrictFile(file); // usearch creates it with the process umask
      const manifest: GraphManifest = {
        format: 1,
        instance: this.instance,
        tenant,
        model: this.model,
        connectivity: this.hnsw.connectivity,
        seq: cached.seq,
        size: cached.graph.size,
        file: path.basename(file),
      };
      const manifestFile = path.join(this.indexDir, `${base}.json`);
      writeFileSync(`${manifestFile}.tmp`, JSON.stringify(manifest), { mode: PRIVATE_FILE_MODE });
      restrictFile(`${manifestFile}.tmp`);
      renameSync(`${manifestFile}.tmp`, manifestFile);
      // older files of this tenant (earlier saves, rebuilt or unreadable graphs) are not referenced any more
      for (const name of readdirSync(this.indexDir)) {
        if (name.startsWith(`${base}.`) && name.endsWith('.usearch') && name !== path.basename(file)) rmSync(path.join(this.indexDir, name), { force: true });
      }
      cached.file = file;
      cached.dirty = false;
      written += 1;
    }
    return written;
  }

  // ------------------------------------------------------------------------------------------
  // the port

  upsert(points: readonly VectorPoint[]): Promise<void> {
    return settle(() => this.upsertSync(points));
  }

  delete(tenant: string, ids: readonly string[]): Promise<void> {
    return settle(() => this.deleteSync(tenant, ids));
  }

  setStatus(tenant: string, ids: readonly string[], status: UnitStatus): Promise<void> {
    return settle(() => this.setStatusSync(tenant, ids, status));
  }

  search(query: VectorQuery): Promise<SearchHit[]> {
    return settle(() => this.searchSync(query));
  }

  get(tenant: string, ids: readonly string[]): Promise<UnitPayload[]> {
    return settle(() => this.getSync(tenant, ids));
  }

  count(tenant: string): Promise<number> {
    return settle(() => this.countSync(tenant));
  }

  /**
   * Saves changed graphs ({@link saveIndexFiles}) and closes the connection when the index
   * opened it. Idempotent.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return settle(() => {
      try {
        if (this.db.open) this.saveIndexFiles();
      } finally {
        this.closed = true;
        this.caches.clear();
        if (this.ownsDb && this.db.open) this.db.close();
      }
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new IndexClosedError('SqliteVectorIndex is closed');
    if (!this.db.open) throw new IndexClosedError('the SQLite connection of the vector index was closed');
  }
}

function checkNumbers(options: SqliteVectorIndexOptions, owner: string): void {
  const problems: string[] = [];
  const t = options.exactThreshold;
  if (t !== undefined && (!Number.isInteger(t) || t < 0)) problems.push('exactThreshold must be a non-negative integer (points)');
  const h = options.hnsw ?? {};
  if (h.connectivity !== undefined && (!Number.isInteger(h.connectivity) || h.connectivity < 2 || h.connectivity > 256)) {
    problems.push('hnsw.connectivity (M) must be an integer from 2 to 256');
  }
  for (const key of ['expansionAdd', 'expansionSearch'] as const) {
    const v = h[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 4096)) problems.push(`hnsw.${key} must be an integer from 1 to 4096`);
  }
  const r = options.rebuildRatio;
  if (r !== undefined && !(typeof r === 'number' && r > 0 && r <= 10)) problems.push('rebuildRatio must be a number in (0, 10]');
  if (options.indexDir !== undefined && options.indexDir !== null && (typeof options.indexDir !== 'string' || options.indexDir.length === 0)) {
    problems.push('indexDir must be a directory path or null');
  }
  if (problems.length > 0) throw new ConfigurationError(`${owner}: ${problems.join('; ')}`);
}

/** Runs a synchronous body and returns its result or error as a settled promise. */
export function settle<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
