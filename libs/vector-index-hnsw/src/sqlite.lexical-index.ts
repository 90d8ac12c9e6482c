import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ConfigurationError } from '@memfabric/errors';
import {
  IndexClosedError,
  prepareDocs,
  prepareIds,
  prepareLexicalQuery,
  prepareTenant,
  rankHits,
  splitWords,
  type LexicalDoc,
  type LexicalIndex,
  type LexicalQuery,
  type NormalizedFilter,
  type SearchHit,
  type UnitStatus,
} from '@memfabric/vector-index';
import { checkPrefix, openDatabase, type DatabaseOrPath } from './config.js';
import { LEXICAL_SCHEMA_VERSION, lexicalDdl } from './schema.js';
import { settle } from './sqlite.vector-index.js';

/** Options of {@link SqliteLexicalIndex.open}. */
export interface SqliteLexicalIndexOptions {
  /** An open better-sqlite3 connection (shared with the projection's checkpoint) or a file path. */
  readonly database: DatabaseOrPath;
  /** Table-name prefix, `[a-z][a-z0-9_]*`; default `lex` (tables `lex_docs`, `lex_fts`, ...). */
  readonly tablePrefix?: string;
  /** Most distinct query words used (the rest are ignored); default 64. */
  readonly maxQueryWords?: number;
}

/** The FTS5 token that stands for a tenant: `t` and 30 decimal digits of SHA-256(tenant). */
function tenantToken(tenant: string): string {
  const digest = createHash('sha256').update(tenant).digest();
  return `t${digest.readBigUInt64BE(0).toString().padStart(20, '0')}${digest.readUInt32BE(8).toString().padStart(10, '0')}`;
}

/** SQL conditions over `<prefix>_docs` aliased `d`. */
function filterSql(f: NormalizedFilter): { sql: string; params: unknown[] } {
  const parts = ['d.status IN (SELECT value FROM json_each(?))'];
  const params: unknown[] = [JSON.stringify(f.statuses)];
  if (f.streams) {
    parts.push('d.stream IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.streams));
  }
  if (f.actors) {
    parts.push('d.actor IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.actors));
  }
  const bound = (column: string, op: string, value: number | undefined) => {
    if (value === undefined) return;
    parts.push(`d.${column} ${op} ?`);
    params.push(value);
  };
  bound('world_time', '>=', f.worldFrom);
  bound('world_time', '<=', f.worldTo);
  bound('tx_time', '>=', f.txFrom);
  bound('tx_time', '<=', f.txTo);
  bound('log_offset', '<=', f.maxOffset);
  return { sql: parts.join(' AND '), params };
}

/**
 * The embedded {@link LexicalIndex}: SQLite FTS5 with its `bm25()` ranking (k1 = 1.2,
 * b = 0.75; Robertson & Zaragoza 2009) in the same database as the projection's checkpoint.
 *
 * The FTS5 table is contentless with `contentless_delete=1`, keyed by the rowid of a payload
 * table `<prefix>_docs`; its `tenant` column holds one opaque token per tenant, and every
 * query is `tenant : <token> AND body : ("w1" OR "w2" ...)`, so the tenant restriction is
 * evaluated inside the full-text index and the `tenant` column weighs 0 in `bm25()`. Query
 * words are folded like the documents and quoted, so no FTS5 syntax in user text is
 * interpreted. Collection statistics (IDF, average length) are those of the whole table, not of
 * the tenant: scores are comparable within one query only.
 */
export class SqliteLexicalIndex implements LexicalIndex {
  readonly tablePrefix: string;
  private readonly maxQueryWords: number;
  private readonly stmts: ReturnType<SqliteLexicalIndex['prepare']>;
  private readonly searchStatements = new Map<string, Database.Statement>();
  private readonly writeUpsert: (docs: readonly LexicalDoc[]) => void;
  private readonly writeDelete: (tenant: string, ids: readonly string[]) => void;
  private readonly writeStatus: (tenant: string, ids: readonly string[], status: UnitStatus) => void;
  private closed = false;

  private constructor(
    /** The connection holding the tables. */
    readonly db: Database.Database,
    private readonly ownsDb: boolean,
    options: SqliteLexicalIndexOptions,
  ) {
    this.tablePrefix = options.tablePrefix ?? 'lex';
    this.maxQueryWords = options.maxQueryWords ?? 64;
    this.stmts = this.prepare();
    this.writeUpsert = db.transaction((docs: readonly LexicalDoc[]) => {
      for (const d of docs) this.upsertRow(d);
    });
    this.writeDelete = db.transaction((tenant: string, ids: readonly string[]) => {
      let deleted = 0;
      for (const id of ids) {
        const row = this.stmts.existing.get(tenant, id);
        if (!row) continue;
        this.stmts.ftsDelete.run(row.rowid);
        this.stmts.docDelete.run(row.rowid);
        deleted += 1;
      }
      // secure-delete removes the row's entries from the index, but a term can survive as the
      // key of a segment leaf: merge all segments now so erased words leave the file (with
      // secure_delete on the connection the freed pages are zeroed)
      if (deleted > 0) this.stmts.optimize.run();
    });
    this.writeStatus = db.transaction((tenant: string, ids: readonly string[], status: UnitStatus) => {
      for (const id of ids) this.stmts.setStatus.run(status, tenant, id);
    });
  }

  /**
   * Opens (creating when missing) the lexical tables in `options.database`.
   * @throws ConfigurationError on invalid options, an unopenable file, a SQLite without FTS5
   *   `contentless_delete` (3.43+), or tables of a newer schema version.
   */
  static open(options: SqliteLexicalIndexOptions): SqliteLexicalIndex {
    const owner = 'SqliteLexicalIndex';
    const prefix = checkPrefix(options?.tablePrefix ?? 'lex', owner);
    const words = options.maxQueryWords;
    if (words !== undefined && (!Number.isInteger(words) || words < 1 || words > 1000)) {
      throw new ConfigurationError(`${owner}: maxQueryWords must be an integer from 1 to 1000`);
    }
    const { db, owned } = openDatabase(options.database, owner);
    try {
      db.transaction(() => {
        try {
          db.exec(lexicalDdl(prefix));
        } catch (cause) {
          throw new ConfigurationError(
            `${owner}: cannot create the FTS5 tables (SQLite ${sqliteVersion(db)}; contentless_delete needs 3.43 or later): ${(cause as Error).message}`,
            { cause },
          );
        }
        const version = db.prepare<[], { value: string }>(`SELECT value FROM ${prefix}_meta WHERE key = 'schema_version'`).get();
        // FTS5 secure-delete (3.42+, persistent): a delete removes the row's entries from the
        // index segments instead of appending delete markers
        const secure = db.prepare<[], { v: number }>(`SELECT v FROM ${prefix}_fts_config WHERE k = 'secure-delete'`).get();
        if (secure?.v !== 1) db.prepare(`INSERT INTO ${prefix}_fts (${prefix}_fts, rank) VALUES ('secure-delete', 1)`).run();
        if (!version) db.prepare(`INSERT INTO ${prefix}_meta (key, value) VALUES ('schema_version', ?)`).run(String(LEXICAL_SCHEMA_VERSION));
        else if (Number(version.value) > LEXICAL_SCHEMA_VERSION) {
          throw new ConfigurationError(`${owner}: tables ${prefix}_* have schema version ${version.value}; this build reads up to ${LEXICAL_SCHEMA_VERSION}`);
        }
      }).immediate();
      return new SqliteLexicalIndex(db, owned, options);
    } catch (error) {
      if (owned) db.close();
      throw error;
    }
  }

  private prepare() {
    const p = this.tablePrefix;
    const db = this.db;
    return {
      existing: db.prepare<[string, string], { rowid: number }>(`SELECT rowid FROM ${p}_docs WHERE tenant = ? AND id = ?`),
      docInsert: db.prepare(
        `INSERT INTO ${p}_docs (tenant, id, stream, actor, world_time, tx_time, log_offset, status)
         VALUES (@tenant, @id, @stream, @actor, @worldTime, @txTime, @offset, @status)`,
      ),
      docUpdate: db.prepare(
        `UPDATE ${p}_docs SET stream = @stream, actor = @actor, world_time = @worldTime, tx_time = @txTime,
           log_offset = @offset, status = @status WHERE rowid = @rowid`,
      ),
      docDelete: db.prepare<[number]>(`DELETE FROM ${p}_docs WHERE rowid = ?`),
      ftsDelete: db.prepare<[number]>(`DELETE FROM ${p}_fts WHERE rowid = ?`),
      ftsInsert: db.prepare<[number, string, string]>(`INSERT INTO ${p}_fts (rowid, tenant, body) VALUES (?, ?, ?)`),
      setStatus: db.prepare<[UnitStatus, string, string]>(`UPDATE ${p}_docs SET status = ? WHERE tenant = ? AND id = ?`),
      count: db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM ${p}_docs WHERE tenant = ?`),
      optimize: db.prepare(`INSERT INTO ${p}_fts (${p}_fts) VALUES ('optimize')`),
    };
  }

  private upsertRow(d: LexicalDoc): void {
    const existing = this.stmts.existing.get(d.tenant, d.id);
    let rowid: number;
    if (existing) {
      rowid = existing.rowid;
      this.stmts.docUpdate.run({ ...d, rowid });
      this.stmts.ftsDelete.run(rowid);
    } else {
      rowid = Number(this.stmts.docInsert.run(d).lastInsertRowid);
    }
    this.stmts.ftsInsert.run(rowid, tenantToken(d.tenant), d.text);
  }

  /**
   * Inserts or replaces documents, synchronously, inside the caller's transaction when one is
   * open on {@link db}.
   * @throws ValidationError as {@link LexicalIndex.upsert}.
   */
  upsertSync(docs: readonly LexicalDoc[]): void {
    this.assertOpen();
    const prepared = prepareDocs(docs);
    if (prepared.length > 0) this.writeUpsert(prepared);
  }

  /**
   * Deletes documents and their indexed text, synchronously; see {@link upsertSync}. When a
   * document was deleted the FTS5 index is optimised (all segments merged), so the erased words
   * are gone from the file: cost proportional to the index size, acceptable for erasure.
   */
  deleteSync(tenant: string, ids: readonly string[]): void {
    this.assertOpen();
    const unique = prepareIds(tenant, ids);
    if (unique.length > 0) this.writeDelete(tenant, unique);
  }

  /** Sets the status of documents, synchronously; see {@link upsertSync}. */
  setStatusSync(tenant: string, ids: readonly string[], status: UnitStatus): void {
    this.assertOpen();
    const unique = prepareIds(tenant, ids, { value: status });
    if (unique.length > 0) this.writeStatus(tenant, unique, status);
  }

  /**
   * The search of {@link LexicalIndex.search}, synchronously.
   * @throws ValidationError as {@link LexicalIndex.search}.
   */
  searchSync(query: LexicalQuery): SearchHit[] {
    this.assertOpen();
    const q = prepareLexicalQuery(query);
    const words = [...new Set(splitWords(q.text))].slice(0, this.maxQueryWords);
    if (words.length === 0) return [];
    const match = `tenant : ${tenantToken(q.tenant)} AND body : (${words.map((w) => `"${w}"`).join(' OR ')})`;
    const { sql, params } = filterSql(q.filter);
    const p = this.tablePrefix;
    const text =
      `SELECT d.id AS id, -bm25(${p}_fts, 0.0, 1.0) AS score FROM ${p}_fts JOIN ${p}_docs d ON d.rowid = ${p}_fts.rowid ` +
      `WHERE ${p}_fts MATCH ? AND d.tenant = ? AND ${sql} ORDER BY bm25(${p}_fts, 0.0, 1.0) LIMIT ?`;
    let stmt = this.searchStatements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.searchStatements.set(text, stmt);
    }
    const rows = stmt.all(match, q.tenant, ...params, q.k) as { id: string; score: number }[];
    return rankHits(rows);
  }

  /** Documents of a tenant, synchronously. */
  countSync(tenant: string): number {
    this.assertOpen();
    return this.stmts.count.get(prepareTenant(tenant))!.n;
  }

  upsert(docs: readonly LexicalDoc[]): Promise<void> {
    return settle(() => this.upsertSync(docs));
  }

  delete(tenant: string, ids: readonly string[]): Promise<void> {
    return settle(() => this.deleteSync(tenant, ids));
  }

  setStatus(tenant: string, ids: readonly string[], status: UnitStatus): Promise<void> {
    return settle(() => this.setStatusSync(tenant, ids, status));
  }

  search(query: LexicalQuery): Promise<SearchHit[]> {
    return settle(() => this.searchSync(query));
  }

  count(tenant: string): Promise<number> {
    return settle(() => this.countSync(tenant));
  }

  /** Closes the connection when the index opened it. Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.ownsDb && this.db.open) this.db.close();
    }
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new IndexClosedError('SqliteLexicalIndex is closed');
    if (!this.db.open) throw new IndexClosedError('the SQLite connection of the lexical index was closed');
  }
}

function sqliteVersion(db: Database.Database): string {
  return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
}
