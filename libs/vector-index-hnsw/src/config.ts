import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConfigurationError } from '@memfabric/errors';

/** A better-sqlite3 connection, or the path of the SQLite file to open (created when missing). */
export type DatabaseOrPath = Database.Database | string;

const PREFIX = /^[a-z][a-z0-9_]{0,30}$/;

/**
 * Checks a table-name prefix: lower-case letters, digits and `_`, starting with a letter, at
 * most 31 characters (it is pasted into SQL, so nothing else is allowed).
 * @throws ConfigurationError saying what to fix.
 */
export function checkPrefix(prefix: string, owner: string): string {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new ConfigurationError(`${owner}: tablePrefix "${String(prefix)}" must match ${PREFIX.source} (lower-case letters, digits, _; starts with a letter)`);
  }
  return prefix;
}

/** Mode of the data files this library writes (SQLite file and side files, HNSW files). */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of a directory it creates. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Sets mode 0600 on `file` when it exists and group or others may read or write it.
 */
export function restrictFile(file: string): void {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Opens `database` when it is a path (WAL, `synchronous=FULL`, 5 s busy timeout,
 * `journal_size_limit` 64 MiB; the directory is created with mode 0700, the file and its
 * `-wal`/`-shm` files get mode 0600), or takes the given connection. Either way `secure_delete` is switched on for the
 * connection, so the text of a deleted (erased) unit is overwritten in the file, not left in
 * free pages.
 * @returns the connection and whether the caller owns it (must close it).
 * @throws ConfigurationError when the file cannot be opened.
 */
export function openDatabase(database: DatabaseOrPath, owner: string): { db: Database.Database; owned: boolean } {
  if (typeof database !== 'string') {
    if (!database || typeof database.prepare !== 'function') {
      throw new ConfigurationError(`${owner}: database must be a better-sqlite3 Database or a file path`);
    }
    if (!database.open) throw new ConfigurationError(`${owner}: the database connection is closed`);
    database.pragma('secure_delete = ON');
    return { db: database, owned: false };
  }
  if (database.length === 0) throw new ConfigurationError(`${owner}: database path must not be empty`);
  try {
    const file = database === ':memory:' ? undefined : path.resolve(database);
    if (file) {
      mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
      // SQLite gives the -wal and -shm files the mode of the database file
      if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
      for (const f of [file, `${file}-wal`, `${file}-shm`]) restrictFile(f);
    }
    const db = new Database(database);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('secure_delete = ON');
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    if (file) for (const f of [`${file}-wal`, `${file}-shm`]) restrictFile(f);
    return { db, owned: true };
  } catch (cause) {
    throw new ConfigurationError(`${owner}: cannot open ${database}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Where the per-tenant HNSW files of a database live by default: `<file>.hnsw/` beside the
 * SQLite file, or nowhere (graphs in memory only) for an in-memory or temporary database.
 */
export function defaultIndexDir(db: Database.Database): string | null {
  const name = db.name;
  if (!name || name === ':memory:' || name === '') return null;
  return `${path.resolve(name)}.hnsw`;
}
