/**
 * DDL of the projection runtime's own tables, kept in the SQLite database the projections write
 * into (embedded: the event log's file) so that a generation switch, a dead letter and a
 * checkpoint commit share transactions with the projection writes.
 *
 * - `projection_generations`: the generation registry. Exactly one `active` and at most one
 *   `building` generation per projection (partial unique indexes); the handler version that
 *   built each generation; times of creation, activation, retirement and table drop.
 * - `projection_dead_letters`: events a projection could not process, per generation (a
 *   rebuild re-evaluates them with the current code).
 * - `projection_checkpoints`: the committed checkpoint (next offset per partition) of each
 *   generation's consumer group, written in the batch's transaction. Databases from before this
 *   table kept them in the embedded log's `consumer_offsets`; the runtime copies them once.
 */
export const RUNTIME_DDL = `
CREATE TABLE IF NOT EXISTS projection_generations (
  projection   TEXT NOT NULL,
  generation   INTEGER NOT NULL,
  version      INTEGER NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('building', 'active', 'retired', 'abandoned')),
  grp          TEXT NOT NULL,
  createdat    TEXT NOT NULL,
  activatedat  TEXT,
  retiredat    TEXT,
  droppedat    TEXT,
  PRIMARY KEY (projection, generation)
) STRICT;

CREATE UNIQUE INDEX IF NOT EXISTS projection_generations_one_active
  ON projection_generations (projection) WHERE state = 'active';
CREATE UNIQUE INDEX IF NOT EXISTS projection_generations_one_building
  ON projection_generations (projection) WHERE state = 'building';

CREATE TABLE IF NOT EXISTS projection_dead_letters (
  projection   TEXT NOT NULL,
  generation   INTEGER NOT NULL,
  eventid      TEXT NOT NULL,
  eventtype    TEXT NOT NULL,
  partition    INTEGER NOT NULL,
  "offset"     INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  recordedat   TEXT NOT NULL,
  PRIMARY KEY (projection, generation, eventid)
) STRICT;

CREATE INDEX IF NOT EXISTS projection_dead_letters_by_position
  ON projection_dead_letters (projection, generation, "offset");

CREATE TABLE IF NOT EXISTS projection_checkpoints (
  grp          TEXT NOT NULL,
  partition    INTEGER NOT NULL,
  next_offset  INTEGER NOT NULL,
  committedat  TEXT NOT NULL,
  PRIMARY KEY (grp, partition)
) STRICT;
`;
