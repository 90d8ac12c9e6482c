/** Version of the tables below; a file written by a newer version is refused. */
export const VECTOR_SCHEMA_VERSION = 1;

/**
 * Tables of the embedded vector index, all named `<prefix>_...`:
 * - `meta`: model id, dimension, schema version, and an instance id that names this database's
 *   HNSW files (files of another database at the same path are never used);
 * - `tenants`: per tenant, the high-water mark `seq` of vector changes and the number of live
 *   (not deleted) points: an HNSW file saved at `seq` is brought up to date by replaying the
 *   rows whose `seq` is larger;
 * - `points`: one row per unit; `key` is the HNSW label; `seq` is the tenant sequence of the
 *   row's last change (upsert, status, delete) and `vseq` of its last vector write, so a cache
 *   replays only what changed. A deleted point keeps a tombstone row (no vector, no text, no
 *   stream or actor) with a new `seq`, so caches see the deletion.
 */
export function vectorDdl(p: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${p}_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${p}_tenants (
  tenant TEXT PRIMARY KEY,
  seq INTEGER NOT NULL DEFAULT 0,
  live INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${p}_points (
  key INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  stream TEXT NOT NULL,
  actor TEXT NOT NULL,
  world_time INTEGER NOT NULL,
  tx_time INTEGER NOT NULL,
  log_offset INTEGER NOT NULL,
  status TEXT NOT NULL,
  text TEXT NOT NULL,
  vector BLOB,
  seq INTEGER NOT NULL,
  vseq INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS ${p}_points_id ON ${p}_points (tenant, id);
CREATE INDEX IF NOT EXISTS ${p}_points_seq ON ${p}_points (tenant, seq);
CREATE INDEX IF NOT EXISTS ${p}_points_status ON ${p}_points (tenant, status, deleted);
`;
}

/** Version of the lexical tables; a file written by a newer version is refused. */
export const LEXICAL_SCHEMA_VERSION = 1;

/**
 * Tables of the embedded lexical index, named `<prefix>_...`:
 * - `meta`: schema version;
 * - `docs`: payload of each document (no text); its rowid is the FTS5 rowid;
 * - `fts`: a contentless FTS5 table (`contentless_delete=1`, SQLite 3.43+) with two columns:
 *   `tenant`, holding one opaque token per tenant so a MATCH is restricted to the tenant inside
 *   the full-text index, and `body`, the text, tokenised by `porter unicode61
 *   remove_diacritics 2`. The text itself is not stored anywhere else, so deleting the row
 *   purges it.
 */
export function lexicalDdl(p: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${p}_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${p}_docs (
  rowid INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  stream TEXT NOT NULL,
  actor TEXT NOT NULL,
  world_time INTEGER NOT NULL,
  tx_time INTEGER NOT NULL,
  log_offset INTEGER NOT NULL,
  status TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ${p}_docs_id ON ${p}_docs (tenant, id);
CREATE VIRTUAL TABLE IF NOT EXISTS ${p}_fts USING fts5(
  tenant,
  body,
  content = '',
  contentless_delete = 1,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
`;
}
