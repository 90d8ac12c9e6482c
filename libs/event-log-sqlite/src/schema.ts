/**
 * DDL of the embedded log. One SQLite file holds the events (partition 0 of the embedded log),
 * consumer-group checkpoints and the content-key vault. Events are append-only: triggers abort
 * any UPDATE or DELETE, so history cannot be rewritten through SQL either.
 */
export const SCHEMA_VERSION = 1;

export const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS events (
  "offset"       INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  tenantid       TEXT NOT NULL,
  streamid       TEXT NOT NULL,
  streamposition INTEGER NOT NULL,
  type           TEXT NOT NULL,
  time           TEXT NOT NULL,
  actor          TEXT NOT NULL,
  datasubject    TEXT NOT NULL,
  batchid        TEXT NOT NULL,
  dedupekey      TEXT NOT NULL,
  recordedat     TEXT NOT NULL,
  record         TEXT NOT NULL,
  prevhash       TEXT NOT NULL,
  hash           TEXT NOT NULL,
  UNIQUE (tenantid, streamid, streamposition),
  UNIQUE (tenantid, dedupekey)
) STRICT;

CREATE INDEX IF NOT EXISTS events_by_tenant ON events (tenantid, "offset");

CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'memfabric: events are immutable; append a correcting event instead'); END;

CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'memfabric: events are immutable; append a retraction or rollback instead'); END;

CREATE TABLE IF NOT EXISTS consumer_offsets (
  grp          TEXT NOT NULL,
  partition    INTEGER NOT NULL,
  next_offset  INTEGER NOT NULL,
  committedat  TEXT NOT NULL,
  PRIMARY KEY (grp, partition)
) STRICT;

CREATE TABLE IF NOT EXISTS content_keys (
  keyid        TEXT PRIMARY KEY,
  tenantid     TEXT NOT NULL,
  datasubject  TEXT NOT NULL,
  wrapped      BLOB,
  createdat    TEXT NOT NULL,
  destroyedat  TEXT
) STRICT;

CREATE INDEX IF NOT EXISTS content_keys_by_subject ON content_keys (tenantid, datasubject);

CREATE TRIGGER IF NOT EXISTS content_keys_no_delete BEFORE DELETE ON content_keys
BEGIN SELECT RAISE(ABORT, 'memfabric: content keys are destroyed by erasing their material, the row stays as evidence'); END;
`;
