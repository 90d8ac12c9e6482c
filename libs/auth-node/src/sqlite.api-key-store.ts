import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isScope, type ApiKeyRecord, type ApiKeyStore } from '@memfabric/auth';
import { ConfigurationError, ValidationError } from '@memfabric/errors';
import { apiKeyRecordSchema, compactRecord } from './api-key-record.schema.js';

/** Schema version kept in `PRAGMA user_version`. */
const SCHEMA_VERSION = 1;

/** Milliseconds a statement waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

const DDL = `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  tenants TEXT NOT NULL,
  scopes TEXT NOT NULL,
  label TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
`;

interface Row {
  id: string;
  secret_hash: string;
  tenants: string;
  scopes: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

const COLUMNS = 'id, secret_hash, tenants, scopes, label, created_at, revoked_at';

function fromRow(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    tenants: (JSON.parse(row.tenants) as unknown[]).filter((t): t is string => typeof t === 'string'),
    scopes: (JSON.parse(row.scopes) as unknown[]).filter(isScope),
    ...(row.label === null ? {} : { label: row.label }),
    createdAt: row.created_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  };
}

/** Sets mode 0600 on `file` when it exists; a file owned by another user keeps its mode. */
function ownerOnly(file: string): void {
  if (!existsSync(file)) return;
  try {
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

/**
 * API keys in their own SQLite file (the server and the CLI use `<dataDir>/keys.db`), separate
 * from the event log so its permissions and backups are separate too. The file and its WAL
 * companions are readable by their owner only (mode 0600).
 *
 * Several processes share the file: the CLI adds and revokes keys while servers read them.
 * Nothing is cached; every call reads the database (WAL, so readers never wait for the writer),
 * and a key created or revoked elsewhere counts from the next request on.
 */
export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly stmts;

  private constructor(private readonly db: Database.Database) {
    this.stmts = {
      get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`),
      list: db.prepare<[], Row>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, rowid`),
      hasAny: db.prepare<[], { any: number }>('SELECT EXISTS (SELECT 1 FROM api_keys) AS any'),
      insert: db.prepare<[string, string, string, string, string | null, string]>(
        'INSERT INTO api_keys (id, secret_hash, tenants, scopes, label, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      revoke: db.prepare<[string, string]>('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?'),
    };
  }

  /**
   * Opens the store at `file`, creating the file (mode 0600) and its directory when missing.
   * @throws ConfigurationError when the file cannot be opened or holds a newer schema.
   */
  static open(file: string): SqliteApiKeyStore {
    let db: Database.Database;
    try {
      if (file !== ':memory:') {
        mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
        closeSync(openSync(file, 'a', 0o600));
        ownerOnly(file);
      }
      db = new Database(file);
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`); // first, so switching to WAL waits for a writer too
      db.pragma('journal_mode = WAL');
      db.exec(DDL);
    } catch (cause) {
      throw new ConfigurationError(`cannot open the API key store ${file}: ${(cause as Error).message}`, { cause, context: { file } });
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new ConfigurationError(`${file} has API key schema version ${version}; this build reads up to ${SCHEMA_VERSION}`, { context: { file } });
    }
    if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    if (file !== ':memory:') for (const suffix of ['-wal', '-shm']) ownerOnly(`${file}${suffix}`);
    return new SqliteApiKeyStore(db);
  }

  get(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.stmts.get.get(id);
    return Promise.resolve(row === undefined ? undefined : fromRow(row));
  }

  list(): Promise<readonly ApiKeyRecord[]> {
    return Promise.resolve(this.stmts.list.all().map(fromRow));
  }

  hasAny(): Promise<boolean> {
    return Promise.resolve(this.stmts.hasAny.get()?.any === 1);
  }

  /**
   * Stores a new record.
   * @throws ValidationError when the record is malformed (every problem named) or its id exists.
   */
  add(record: ApiKeyRecord): Promise<void> {
    const parsed = apiKeyRecordSchema.safeParse(compactRecord(record));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => ({ pointer: `/${issue.path.map(String).join('/')}`, detail: issue.message }));
      return Promise.reject(new ValidationError('invalid API key record', problems));
    }
    const r = parsed.data;
    try {
      this.stmts.insert.run(r.id, r.secretHash, JSON.stringify(r.tenants), JSON.stringify(r.scopes), r.label ?? null, r.createdAt);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        return Promise.reject(new ValidationError(`an API key with id ${r.id} exists already`, [{ pointer: '/id', detail: 'exists already' }]));
      }
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return Promise.resolve();
  }

  revoke(id: string, at: string): Promise<boolean> {
    return Promise.resolve(this.stmts.revoke.run(at, id).changes > 0);
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
