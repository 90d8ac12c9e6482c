import type Database from 'better-sqlite3';
import { ConfigurationError } from '@memfabric/errors';

/** Version of the table layout below; stored in `<base>_meta`. */
export const GRAPH_SCHEMA_VERSION = 1;

/** Default table-name prefix. */
export const DEFAULT_PREFIX = 'graph';

/** Names of one generation's tables. */
export interface GraphTableNames {
  /** `<prefix>` or `<prefix>_g<generation>`: every table name starts with it. */
  readonly base: string;
  readonly meta: string;
  readonly events: string;
  readonly entities: string;
  readonly entityAliases: string;
  readonly mentions: string;
  readonly facts: string;
  readonly factSupport: string;
  readonly factRevisions: string;
}

/** Where the graph tables live: a prefix and an optional generation. */
export interface GraphTableOptions {
  /**
   * Table-name prefix; default `graph`. 1–32 characters: a lower-case letter, then lower-case
   * letters, digits or `_`.
   */
  readonly prefix?: string;
  /**
   * Generation number for rebuilds: tables become `<prefix>_g<generation>_<table>`, so a rebuild
   * can project from offset 0 into fresh tables while the current generation keeps serving, then
   * switch. Default: no generation (`<prefix>_<table>`). A non-negative integer.
   */
  readonly generation?: number;
}

/**
 * The table names for a prefix and generation.
 * @throws ConfigurationError when the prefix or generation is malformed (the message says the rule).
 */
export function graphTableNames(options: GraphTableOptions = {}): GraphTableNames {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(prefix)) {
    throw new ConfigurationError(
      `graph table prefix ${JSON.stringify(prefix)} is invalid: use 1-32 characters, a lower-case letter first, then lower-case letters, digits or _`,
      { context: { prefix } },
    );
  }
  const { generation } = options;
  if (generation !== undefined && (!Number.isSafeInteger(generation) || generation < 0)) {
    throw new ConfigurationError(`graph table generation ${String(generation)} is invalid: use a non-negative integer`, { context: { generation } });
  }
  const base = generation === undefined ? prefix : `${prefix}_g${generation}`;
  return {
    base,
    meta: `${base}_meta`,
    events: `${base}_events`,
    entities: `${base}_entities`,
    entityAliases: `${base}_entity_aliases`,
    mentions: `${base}_mentions`,
    facts: `${base}_facts`,
    factSupport: `${base}_fact_support`,
    factRevisions: `${base}_fact_revisions`,
  };
}

/**
 * DDL of one generation. Times are INTEGER ms since the epoch, booleans INTEGER 0/1. Every table
 * is keyed by tenant first, so every read is a range of one tenant.
 *
 * - `events`: applied `facts.extracted` events (idempotency; `purged_at` after erasure).
 * - `entities` + `entity_aliases`: one entity per (tenant, canonical name), its surface forms.
 * - `mentions`: entity × event, with character offsets in the source content.
 * - `facts`: subject, predicate, object, world time (`valid_from`/`valid_to`), transaction time
 *   (`recorded_at`/`expired_at`), `invalidated_by`; `valid_to`/`expired_at`/`invalidated_by` are
 *   the current belief, derived from `fact_revisions`.
 * - `fact_support`: every statement of a fact by an event (the first one created it).
 * - `fact_revisions`: append-only changes of validity (invalidated / ended), each at its
 *   transaction time; reads "as of" an earlier time use the revisions known then.
 */
export function graphDdl(t: GraphTableNames): string {
  return `
CREATE TABLE IF NOT EXISTS ${t.meta} (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS ${t.events} (
  tenant          TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  source_event_id TEXT NOT NULL,
  extractor       TEXT NOT NULL,
  world_time      INTEGER NOT NULL,
  recorded_at     INTEGER NOT NULL,
  partition       INTEGER NOT NULL,
  "offset"        INTEGER NOT NULL,
  purged_at       INTEGER,
  PRIMARY KEY (tenant, event_id)
) STRICT;
CREATE INDEX IF NOT EXISTS ${t.events}_by_source ON ${t.events} (tenant, source_event_id);

CREATE TABLE IF NOT EXISTS ${t.entities} (
  tenant         TEXT NOT NULL,
  id             TEXT NOT NULL,
  canonical_name TEXT NOT NULL,
  name           TEXT NOT NULL,
  type           TEXT NOT NULL,
  event_id       TEXT NOT NULL,
  recorded_at    INTEGER NOT NULL,
  partition      INTEGER NOT NULL,
  "offset"       INTEGER NOT NULL,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, canonical_name)
) STRICT;

CREATE TABLE IF NOT EXISTS ${t.entityAliases} (
  tenant    TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  alias     TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  PRIMARY KEY (tenant, entity_id, alias)
) STRICT;

CREATE TABLE IF NOT EXISTS ${t.mentions} (
  tenant          TEXT NOT NULL,
  id              TEXT NOT NULL,
  entity_id       TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  source_event_id TEXT NOT NULL,
  surface         TEXT NOT NULL,
  type            TEXT NOT NULL,
  char_start      INTEGER,
  char_end        INTEGER,
  world_time      INTEGER NOT NULL,
  recorded_at     INTEGER NOT NULL,
  partition       INTEGER NOT NULL,
  "offset"        INTEGER NOT NULL,
  PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX IF NOT EXISTS ${t.mentions}_by_entity ON ${t.mentions} (tenant, entity_id, recorded_at);
CREATE INDEX IF NOT EXISTS ${t.mentions}_by_event ON ${t.mentions} (tenant, event_id);

CREATE TABLE IF NOT EXISTS ${t.facts} (
  tenant          TEXT NOT NULL,
  id              TEXT NOT NULL,
  subject_id      TEXT NOT NULL,
  predicate       TEXT NOT NULL,
  object_id       TEXT NOT NULL,
  single_valued   INTEGER NOT NULL,
  valid_from      INTEGER NOT NULL,
  stated_valid_to INTEGER,
  valid_to        INTEGER,
  recorded_at     INTEGER NOT NULL,
  partition       INTEGER NOT NULL,
  "offset"        INTEGER NOT NULL,
  event_id        TEXT NOT NULL,
  expired_at      INTEGER,
  invalidated_by  TEXT,
  PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX IF NOT EXISTS ${t.facts}_by_subject ON ${t.facts} (tenant, subject_id, predicate);
CREATE INDEX IF NOT EXISTS ${t.facts}_by_object ON ${t.facts} (tenant, object_id);

CREATE TABLE IF NOT EXISTS ${t.factSupport} (
  tenant          TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  idx             INTEGER NOT NULL,
  fact_id         TEXT NOT NULL,
  source_event_id TEXT NOT NULL,
  subject_id      TEXT NOT NULL,
  predicate       TEXT NOT NULL,
  object_id       TEXT NOT NULL,
  single_valued   INTEGER NOT NULL,
  valid_from      INTEGER NOT NULL,
  valid_to        INTEGER,
  world_time      INTEGER NOT NULL,
  recorded_at     INTEGER NOT NULL,
  partition       INTEGER NOT NULL,
  "offset"        INTEGER NOT NULL,
  PRIMARY KEY (tenant, event_id, idx)
) STRICT;
CREATE INDEX IF NOT EXISTS ${t.factSupport}_by_fact ON ${t.factSupport} (tenant, fact_id);
CREATE INDEX IF NOT EXISTS ${t.factSupport}_by_timeline ON ${t.factSupport} (tenant, subject_id, predicate);

CREATE TABLE IF NOT EXISTS ${t.factRevisions} (
  tenant          TEXT NOT NULL,
  id              TEXT NOT NULL,
  fact_id         TEXT NOT NULL,
  kind            TEXT NOT NULL,
  valid_to        INTEGER NOT NULL,
  by_fact_id      TEXT,
  event_id        TEXT NOT NULL,
  source_event_id TEXT NOT NULL,
  recorded_at     INTEGER NOT NULL,
  partition       INTEGER NOT NULL,
  "offset"        INTEGER NOT NULL,
  PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX IF NOT EXISTS ${t.factRevisions}_by_fact ON ${t.factRevisions} (tenant, fact_id);
`;
}

/**
 * Creates one generation's tables when missing and checks its layout version.
 * @throws ConfigurationError when the tables hold a newer layout than this build reads.
 */
export function ensureGraphTables(db: Database.Database, tables: GraphTableNames): void {
  db.exec(graphDdl(tables));
  const row = db.prepare<[], { value: string }>(`SELECT value FROM ${tables.meta} WHERE key = 'schema_version'`).get();
  if (!row) db.prepare(`INSERT INTO ${tables.meta} (key, value) VALUES ('schema_version', ?)`).run(String(GRAPH_SCHEMA_VERSION));
  else if (Number(row.value) > GRAPH_SCHEMA_VERSION) {
    throw new ConfigurationError(`graph tables ${tables.base}_* have layout version ${row.value}; this build reads up to ${GRAPH_SCHEMA_VERSION}`, {
      context: { base: tables.base },
    });
  }
}

/**
 * Drops one generation's tables (after a rebuild switched to a newer generation). This deletes
 * derived data only; the event log can rebuild it.
 * @throws ConfigurationError when the prefix or generation is malformed.
 */
export function dropGraphTables(db: Database.Database, options: GraphTableOptions): void {
  const t = graphTableNames(options);
  db.transaction(() => {
    for (const name of [t.factRevisions, t.factSupport, t.facts, t.mentions, t.entityAliases, t.entities, t.events, t.meta]) db.exec(`DROP TABLE IF EXISTS ${name}`);
  })();
}
