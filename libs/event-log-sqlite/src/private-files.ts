import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';

/** Mode of every data file (database, WAL, shared memory, keys): owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of a directory the fabric creates for its data: owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Largest size, in bytes, a WAL file is left at after a checkpoint (64 MiB): SQLite truncates it
 * to this size, so pages of old transactions do not linger beyond it.
 */
export const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** The files SQLite keeps beside a database at `file` (WAL mode and rollback journal). */
export function sqliteSideFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];
}

/**
 * Prepares a SQLite file for opening: creates its directory (mode 0700) and, when missing, the
 * empty file itself with mode 0600 — SQLite gives the `-wal` and `-shm` files it creates later
 * the database file's mode — and sets mode 0600 on an existing database and its side files.
 * Directories that already exist keep their mode. A no-op for `:memory:` and `''`.
 */
export function preparePrivateSqliteFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  const resolved = path.resolve(file);
  mkdirSync(path.dirname(resolved), { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!existsSync(resolved)) {
    try {
      closeSync(openSync(resolved, 'wx', PRIVATE_FILE_MODE));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  restrictFiles(sqliteSideFiles(resolved));
}

/**
 * Sets mode 0600 on each of `files` that exists and is readable or writable by group or others
 * (a file that disappears meanwhile is skipped).
 */
export function restrictFiles(files: readonly string[]): void {
  for (const file of files) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Connection settings for content at rest: `secure_delete = ON` (SQLite overwrites deleted
 * content with zeros instead of leaving it in free pages and free space of pages) and
 * `journal_size_limit` ({@link JOURNAL_SIZE_LIMIT_BYTES}). Both are per connection: apply them to
 * every connection that writes content.
 */
export function applyContentPragmas(db: Database.Database): void {
  db.pragma('secure_delete = ON');
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
}

/** What `PRAGMA wal_checkpoint(TRUNCATE)` reported. */
export interface WalCheckpoint {
  /** True when another connection kept the checkpoint from completing (the WAL was not emptied). */
  readonly busy: boolean;
  /** Frames in the WAL before the checkpoint (-1 when the database is not in WAL mode). */
  readonly walFrames: number;
  /** Frames copied into the database file (-1 when not in WAL mode). */
  readonly checkpointedFrames: number;
}

/**
 * Copies every WAL frame into the database file and truncates the WAL to 0 bytes
 * (`PRAGMA wal_checkpoint(TRUNCATE)`), so no older version of a page stays in the WAL. Waits for
 * readers and writers of other connections up to the connection's busy timeout.
 */
export function truncateWal(db: Database.Database): WalCheckpoint {
  const row = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  const first = row[0] ?? { busy: 0, log: -1, checkpointed: -1 };
  return { busy: first.busy !== 0, walFrames: first.log, checkpointedFrames: first.checkpointed };
}
