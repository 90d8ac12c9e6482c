import type Database from 'better-sqlite3';
import type { DeadLetter, DeadLetterQuery, DeadLetterStore } from '@memfabric/projections';
import { RUNTIME_DDL } from './schema.js';

interface DeadLetterRow {
  projection: string;
  generation: number;
  eventid: string;
  eventtype: string;
  partition: number;
  offset: number;
  reason: string;
  recordedat: string;
}

/**
 * {@link DeadLetterStore} in the `projection_dead_letters` table (see `schema.ts`, created when
 * missing): the embedded runtime's table, usable by the external-store runtime too (dead letters
 * of a Qdrant projection kept in a local or shared SQLite file). Recording is
 * `INSERT OR IGNORE` on (projection, generation, event id), so a redelivered batch adds nothing.
 */
export class SqliteDeadLetterStore implements DeadLetterStore {
  private readonly insert: Database.Statement<[string, number, string, string, number, number, string, string]>;
  private readonly page: Database.Statement<[string, number, number, number], DeadLetterRow>;
  private readonly total: Database.Statement<[string, number], { n: number }>;
  private readonly recordAll: (letters: readonly DeadLetter[]) => void;

  constructor(private readonly db: Database.Database) {
    db.exec(RUNTIME_DDL);
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO projection_dead_letters (projection, generation, eventid, eventtype, partition, "offset", reason, recordedat)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.page = db.prepare(
      `SELECT * FROM projection_dead_letters WHERE projection = ? AND generation = ? AND "offset" > ? ORDER BY "offset", partition LIMIT ?`,
    );
    this.total = db.prepare('SELECT COUNT(*) AS n FROM projection_dead_letters WHERE projection = ? AND generation = ?');
    this.recordAll = db.transaction((letters: readonly DeadLetter[]) => {
      for (const l of letters) this.insert.run(l.projection, l.generation, l.eventId, l.eventType, l.partition, l.offset, l.reason, l.recordedAt);
    });
  }

  /** Records the letters in one transaction; the first entry of an event wins. */
  record(letters: readonly DeadLetter[]): Promise<void> {
    this.recordAll(letters);
    return Promise.resolve();
  }

  list(projection: string, generation: number, query: Omit<DeadLetterQuery, 'generation'> = {}): Promise<DeadLetter[]> {
    const rows = this.page.all(projection, generation, query.afterOffset ?? -1, query.limit ?? 100);
    return Promise.resolve(
      rows.map((r) => ({
        projection: r.projection, generation: r.generation, eventId: r.eventid, eventType: r.eventtype,
        partition: r.partition, offset: r.offset, reason: r.reason, recordedAt: r.recordedat,
      })),
    );
  }

  count(projection: string, generation: number): Promise<number> {
    return Promise.resolve(this.total.get(projection, generation)!.n);
  }
}
