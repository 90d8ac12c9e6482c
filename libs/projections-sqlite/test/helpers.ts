import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { newKeyMaterial } from '@memfabric/crypto';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import type { StoredEvent } from '@memfabric/events';
import { generationTable } from '@memfabric/projections';
import type { SqliteProjectionHandler } from '../src/index.js';

/** A fresh log in a temp directory; `cleanup` closes it and removes the directory. */
export function tempLog(): { log: SqliteEventLog; file: string; masterKey: Buffer; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-proj-'));
  const file = path.join(dir, 'fabric.db');
  const masterKey = newKeyMaterial();
  const log = SqliteEventLog.open({ path: file, masterKey, synchronous: 'NORMAL' });
  return {
    log,
    file,
    masterKey,
    cleanup: async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Options of {@link countingProjection}. */
export interface CountingOptions {
  readonly name?: string;
  readonly version?: number;
  /** Events for which apply throws after writing their row (the row must be rolled back). */
  readonly poison?: (event: StoredEvent) => boolean;
  /** Called at the start of every apply; an error it returns is thrown. */
  readonly failure?: () => Error | undefined;
  /** Async prepare stage (yields to the event loop); events it returns true for fail there. */
  readonly prepareFails?: (event: StoredEvent) => boolean;
  /** The first dropSchema call throws (a crash between switch and drop). */
  readonly dropFailsOnce?: boolean;
}

/**
 * A projection that appends one row per event to `applied_<name>_g<generation>` with NO unique
 * key, so applying an event twice would show as a duplicate row.
 */
export function countingProjection(options: CountingOptions = {}): SqliteProjectionHandler<Map<string, string>> & {
  table(generation: number): string;
} {
  const name = options.name ?? 'counting';
  const table = (generation: number) => generationTable(`applied_${name.replace(/-/g, '_')}`, generation);
  let dropFails = options.dropFailsOnce ?? false;
  return {
    name,
    version: options.version ?? 1,
    kind: 'read-model',
    table,
    createSchema(db, generation) {
      db.exec(`CREATE TABLE IF NOT EXISTS ${table(generation)} (id TEXT NOT NULL, "offset" INTEGER NOT NULL, prepared TEXT)`);
    },
    dropSchema(db, generation) {
      if (dropFails) {
        dropFails = false;
        throw new Error('simulated crash before the old generation was dropped');
      }
      db.exec(`DROP TABLE IF EXISTS ${table(generation)}`);
    },
    ...(options.prepareFails
      ? {
          async prepare(events: readonly StoredEvent[]) {
            await new Promise((resolve) => setImmediate(resolve));
            const out = new Map<string, string>();
            for (const e of events) {
              if (options.prepareFails!(e)) throw new Error(`cannot prepare ${e.id}`);
              out.set(e.id, `prepared:${e.offset}`);
            }
            return out;
          },
        }
      : {}),
    apply(events, context) {
      const error = options.failure?.();
      if (error) throw error;
      const insert = context.store.prepare(`INSERT INTO ${table(context.generation)} (id, "offset", prepared) VALUES (?, ?, ?)`);
      for (const e of events) {
        insert.run(e.id, e.offset, context.prepared?.get(e.id) ?? null);
        if (options.poison?.(e)) throw new Error(`poison event at offset ${e.offset}`);
      }
    },
  };
}

/** Rows of a counting projection's generation: total and distinct event ids. */
export function counted(db: Database.Database, table: string): { rows: number; distinct: number } {
  return db.prepare<[], { rows: number; distinct: number }>(`SELECT COUNT(*) AS rows, COUNT(DISTINCT id) AS "distinct" FROM ${table}`).get()!;
}

/** Whether a table exists in the file. */
export function tableExists(db: Database.Database, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}
