import { chainHash, GENESIS_HASH } from '@memfabric/events';
import type { SqliteEventLog } from '../sqlite.event-log.js';

/**
 * Test doubles of a forger with write access to the log's file: they bypass the immutability
 * triggers, so that tamper checks (`verify`, signed audit checkpoints) can be shown to catch
 * what SQL on the file can do. Never use outside tests.
 */

const NO_UPDATE_TRIGGER = `CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'memfabric: events are immutable; append a correcting event instead'); END;`;

function withoutUpdateTrigger<T>(log: SqliteEventLog, fn: () => T): T {
  log.db.exec('DROP TRIGGER IF EXISTS events_no_update');
  try {
    return fn();
  } finally {
    log.db.exec(NO_UPDATE_TRIGGER);
  }
}

/**
 * Flips one character of the ciphertext of the event at `streamposition` of a stream, in place,
 * leaving its hash as it was (a record edited behind the log's back).
 * @returns the id of the altered event.
 * @throws Error when there is no event at that position.
 */
export function alterStoredRecord(log: SqliteEventLog, tenantid: string, streamid: string, streamposition: number): string {
  const row = log.db
    .prepare<[string, string, number], { id: string; record: string }>('SELECT id, record FROM events WHERE tenantid = ? AND streamid = ? AND streamposition = ?')
    .get(tenantid, streamid, streamposition);
  if (!row) throw new Error(`no event at ${tenantid}/${streamid}#${streamposition}`);
  const marker = '"ciphertext":"';
  const at = row.record.indexOf(marker) + marker.length + 2;
  const edited = row.record.slice(0, at) + (row.record[at] === 'A' ? 'B' : 'A') + row.record.slice(at + 1);
  withoutUpdateTrigger(log, () => log.db.prepare('UPDATE events SET record = ? WHERE id = ?').run(edited, row.id));
  return row.id;
}

/**
 * Recomputes `prevhash` and `hash` of every event of a stream from the stored records, as a
 * forger who edited a record would to make the chain hold again.
 * @returns the ids of the stream's events in stream order.
 */
export function rechainStream(log: SqliteEventLog, tenantid: string, streamid: string): string[] {
  const rows = log.db
    .prepare<[string, string], { id: string; record: string }>('SELECT id, record FROM events WHERE tenantid = ? AND streamid = ? ORDER BY streamposition')
    .all(tenantid, streamid);
  withoutUpdateTrigger(log, () => {
    const update = log.db.prepare('UPDATE events SET prevhash = ?, hash = ? WHERE id = ?');
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const hash = chainHash(prev, JSON.parse(r.record) as Record<string, unknown>);
      update.run(prev, hash, r.id);
      prev = hash;
    }
  });
  return rows.map((r) => r.id);
}
