import type Database from 'better-sqlite3';
import { UnavailableError } from '@memfabric/errors';
import type { GenerationInfo, GenerationState } from '@memfabric/projections';

interface GenerationRow {
  projection: string;
  generation: number;
  version: number;
  state: GenerationState;
  grp: string;
  createdat: string;
  activatedat: string | null;
  retiredat: string | null;
  droppedat: string | null;
}

function toInfo(row: GenerationRow): GenerationInfo {
  return {
    projection: row.projection,
    generation: row.generation,
    version: row.version,
    state: row.state,
    group: row.grp,
    createdAt: row.createdat,
    activatedAt: row.activatedat,
    retiredAt: row.retiredat,
    droppedAt: row.droppedat,
  };
}

/** Synchronous access to `projection_generations` (see `schema.ts`). */
export class GenerationRegistry {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      all: db.prepare<[string], GenerationRow>('SELECT * FROM projection_generations WHERE projection = ? ORDER BY generation'),
      one: db.prepare<[string, number], GenerationRow>('SELECT * FROM projection_generations WHERE projection = ? AND generation = ?'),
      insert: db.prepare<[string, number, number, GenerationState, string, string, string | null]>(
        `INSERT INTO projection_generations (projection, generation, version, state, grp, createdat, activatedat)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      retire: db.prepare<[GenerationState, string, string, number]>(
        'UPDATE projection_generations SET state = ?, retiredat = ? WHERE projection = ? AND generation = ?',
      ),
      activate: db.prepare<[string, string, number]>(
        "UPDATE projection_generations SET state = 'active', activatedat = ? WHERE projection = ? AND generation = ?",
      ),
      dropped: db.prepare<[string, string, number]>('UPDATE projection_generations SET droppedat = ? WHERE projection = ? AND generation = ?'),
    };
  }

  /** Every generation of `projection`, oldest first. */
  list(projection: string): GenerationInfo[] {
    return this.stmts.all.all(projection).map(toInfo);
  }

  get(projection: string, generation: number): GenerationInfo | undefined {
    const row = this.stmts.one.get(projection, generation);
    return row ? toInfo(row) : undefined;
  }

  insert(info: Pick<GenerationInfo, 'projection' | 'generation' | 'version' | 'state' | 'group' | 'createdAt' | 'activatedAt'>): void {
    this.stmts.insert.run(info.projection, info.generation, info.version, info.state, info.group, info.createdAt, info.activatedAt);
  }

  /** Moves a generation to `retired` or `abandoned`. */
  retire(projection: string, generation: number, state: 'retired' | 'abandoned', at: string): void {
    this.stmts.retire.run(state, at, projection, generation);
  }

  activate(projection: string, generation: number, at: string): void {
    this.stmts.activate.run(at, projection, generation);
  }

  markDropped(projection: string, generation: number, at: string): void {
    this.stmts.dropped.run(at, projection, generation);
  }
}

/**
 * The generation of `projection` that serves reads, read from the registry in `db`.
 * Call it inside the same read transaction as the query it names tables for, so a concurrent
 * switch cannot drop the tables in between.
 * @returns `undefined` when the projection never ran.
 * @throws UnavailableError when the file has no projection registry yet (no runtime opened it).
 */
export function activeGenerationOf(db: Database.Database, projection: string): number | undefined {
  try {
    const row = db
      .prepare<[string], { generation: number }>("SELECT generation FROM projection_generations WHERE projection = ? AND state = 'active'")
      .get(projection);
    return row?.generation;
  } catch (cause) {
    if (/no such table/.test((cause as Error).message)) {
      throw new UnavailableError('no projection has run on this database yet: start the projection runtime', { cause, context: { projection } });
    }
    throw cause;
  }
}
