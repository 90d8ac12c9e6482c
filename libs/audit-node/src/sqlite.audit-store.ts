import type Database from 'better-sqlite3';
import type { ChainLink, CheckpointStore, PositionedSealedEvent, SealedEventSource, SignedCheckpoint, StoredCheckpoint, StreamHead, TenantHeads } from '@memfabric/audit';
import type { StoredRecord } from '@memfabric/event-log';

/**
 * DDL of the checkpoint table, kept in the log's SQLite file and created on demand. Append-only
 * like `events`: triggers abort any UPDATE or DELETE.
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

interface SealedRow {
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

/**
 * {@link SealedEventSource} over the embedded log's `events` table: records exactly as stored,
 * read in one connection (WAL readers see a consistent snapshot per statement; `heads` runs in
 * one read transaction).
 */
export class SqliteSealedEventSource implements SealedEventSource {
  private readonly sealed: Database.Statement<[string, number, number, number], SealedRow>;
  private readonly headsAll: Database.Statement<[], HeadRow>;
  private readonly headsOf: Database.Statement<[string], HeadRow>;
  private readonly linkAt: Database.Statement<[string, string, number], ChainLink>;

  constructor(readonly db: Database.Database) {
    this.sealed = db.prepare(
      'SELECT "offset", record, prevhash, hash FROM events WHERE tenantid = ? AND "offset" >= ? AND "offset" <= ? ORDER BY "offset" LIMIT ?',
    );
    const heads = (where: string) => `SELECT e.tenantid, e.streamid, e.streamposition, e.id, e.hash, e."offset" FROM events e
      JOIN (SELECT tenantid, streamid, MAX(streamposition) AS p FROM events ${where} GROUP BY tenantid, streamid) h
        ON e.tenantid = h.tenantid AND e.streamid = h.streamid AND e.streamposition = h.p
      ORDER BY e.tenantid, e.streamid`;
    this.headsAll = db.prepare(heads(''));
    this.headsOf = db.prepare(heads('WHERE tenantid = ?'));
    this.linkAt = db.prepare('SELECT id, hash FROM events WHERE tenantid = ? AND streamid = ? AND streamposition = ?');
  }

  readSealed(tenantid: string, options: { readonly fromOffset?: number; readonly toOffset?: number; readonly limit?: number } = {}): Promise<PositionedSealedEvent[]> {
    const rows = this.sealed.all(tenantid, options.fromOffset ?? 0, options.toOffset ?? Number.MAX_SAFE_INTEGER, options.limit ?? 1000);
    return Promise.resolve(rows.map((r) => ({ partition: 0, offset: r.offset, record: JSON.parse(r.record) as StoredRecord, prevhash: r.prevhash, hash: r.hash })));
  }

  heads(tenantid?: string): Promise<TenantHeads[]> {
    const rows = this.db.transaction(() => (tenantid === undefined ? this.headsAll.all() : this.headsOf.all(tenantid)))();
    const byTenant = new Map<string, { position: number; heads: StreamHead[] }>();
    for (const row of rows) {
      const entry = byTenant.get(row.tenantid) ?? { position: -1, heads: [] };
      entry.heads.push({ streamid: row.streamid, streamposition: row.streamposition, id: row.id, hash: row.hash });
      entry.position = Math.max(entry.position, row.offset);
      byTenant.set(row.tenantid, entry);
    }
    return Promise.resolve([...byTenant].map(([t, e]) => ({ tenantid: t, position: e.position, heads: e.heads })));
  }

  link(tenantid: string, streamid: string, streamposition: number): Promise<ChainLink | undefined> {
    return Promise.resolve(this.linkAt.get(tenantid, streamid, streamposition));
  }
}
