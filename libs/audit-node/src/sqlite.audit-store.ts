import type Database from 'better-sqlite3';
import type { CheckpointStore, SignedCheckpoint, StoredCheckpoint } from '@memfabric/audit';

/**
 * DDL of the checkpoint table, the audit's own table kept in the log's SQLite file and created
 * on demand. Append-only: triggers abort any UPDATE or DELETE.
 */
export const CHECKPOINT_DDL = `
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  sequence   INTEGER PRIMARY KEY AUTOINCREMENT,
  tenantid   TEXT NOT NULL,
  position   INTEGER NOT NULL,
  createdat  TEXT NOT NULL,
  keyid      TEXT NOT NULL,
  body       TEXT NOT NULL,
  jws        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_checkpoints_by_tenant ON audit_checkpoints (tenantid, sequence);
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'memfabric: signed checkpoints are immutable'); END;
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'memfabric: signed checkpoints are immutable'); END;
`;

interface CheckpointRow {
  sequence: number;
  body: string;
  jws: string;
}

function toStored(row: CheckpointRow): StoredCheckpoint {
  return { sequence: row.sequence, checkpoint: JSON.parse(row.body) as SignedCheckpoint['checkpoint'], jws: row.jws };
}

/** {@link CheckpointStore} in a table of the embedded log's SQLite file. */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly insert: Database.Statement;
  private readonly all: Database.Statement<[], CheckpointRow>;
  private readonly ofTenant: Database.Statement<[string], CheckpointRow>;
  private readonly newest: Database.Statement<[string], CheckpointRow>;

  /** Creates the table when missing. `db` is the log's connection (`SqliteEventLog.db`). */
  constructor(readonly db: Database.Database) {
    db.exec(CHECKPOINT_DDL);
    this.insert = db.prepare('INSERT INTO audit_checkpoints (tenantid, position, createdat, keyid, body, jws) VALUES (?, ?, ?, ?, ?, ?)');
    this.all = db.prepare('SELECT sequence, body, jws FROM audit_checkpoints ORDER BY sequence');
    this.ofTenant = db.prepare('SELECT sequence, body, jws FROM audit_checkpoints WHERE tenantid = ? ORDER BY sequence');
    this.newest = db.prepare('SELECT sequence, body, jws FROM audit_checkpoints WHERE tenantid = ? ORDER BY sequence DESC LIMIT 1');
  }

  append(signed: SignedCheckpoint): Promise<number> {
    const c = signed.checkpoint;
    const result = this.insert.run(c.tenantid, c.position, c.createdat, c.keyid, JSON.stringify(c), signed.jws);
    return Promise.resolve(Number(result.lastInsertRowid));
  }

  list(tenantid?: string): Promise<StoredCheckpoint[]> {
    return Promise.resolve((tenantid === undefined ? this.all.all() : this.ofTenant.all(tenantid)).map(toStored));
  }

  latest(tenantid: string): Promise<StoredCheckpoint | undefined> {
    const row = this.newest.get(tenantid);
    return Promise.resolve(row ? toStored(row) : undefined);
  }
}
