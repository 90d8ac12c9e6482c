import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ContentKey, KeyVault } from '@memfabric/event-log';
import { KeyWrapper, newKeyMaterial } from '@memfabric/crypto';

interface KeyRow {
  keyid: string;
  wrapped: Buffer | null;
}

/**
 * The embedded key vault: one row per content key in the log's SQLite file, the key material
 * wrapped under the master key. Destroying a subject overwrites the wrapped material with NULL
 * and stamps `destroyedat` (the row stays as evidence of the erasure).
 */
export class SqliteKeyVault implements KeyVault {
  private readonly wrapper: KeyWrapper;
  private readonly selectActive: Database.Statement<[string, string], KeyRow>;
  private readonly selectById: Database.Statement<[string], KeyRow>;
  private readonly insert: Database.Statement<[string, string, string, Buffer, string]>;
  private readonly destroyStmt: Database.Statement<[string, string, string]>;
  private readonly subjectKeysStmt: Database.Statement<[string, string], { total: number; live: number }>;

  constructor(db: Database.Database, masterKey: Uint8Array) {
    this.wrapper = new KeyWrapper(masterKey);
    this.selectActive = db.prepare(
      'SELECT keyid, wrapped FROM content_keys WHERE tenantid = ? AND datasubject = ? AND wrapped IS NOT NULL ORDER BY createdat DESC LIMIT 1',
    );
    this.selectById = db.prepare('SELECT keyid, wrapped FROM content_keys WHERE keyid = ?');
    this.insert = db.prepare('INSERT INTO content_keys (keyid, tenantid, datasubject, wrapped, createdat) VALUES (?, ?, ?, ?, ?)');
    this.destroyStmt = db.prepare(
      'UPDATE content_keys SET wrapped = NULL, destroyedat = ? WHERE tenantid = ? AND datasubject = ? AND wrapped IS NOT NULL',
    );
    this.subjectKeysStmt = db.prepare(
      'SELECT COUNT(*) AS total, COUNT(wrapped) AS live FROM content_keys WHERE tenantid = ? AND datasubject = ?',
    );
  }

  /**
   * How many content keys the subject has in the tenant: `total` counts destroyed ones too, so
   * it is 0 exactly when no event of the subject was ever appended there (the log creates a
   * subject's key with its first event); `live` counts the keys not destroyed.
   */
  subjectKeysSync(tenantid: string, datasubject: string): { readonly total: number; readonly live: number } {
    const row = this.subjectKeysStmt.get(tenantid, datasubject);
    return { total: row?.total ?? 0, live: row?.live ?? 0 };
  }

  /**
   * Synchronous form of {@link activeKey}, for use inside a SQLite transaction.
   * @param candidate - the key to store when the subject has no live key (default: a new random
   *   one, see {@link newContentKey}); lets a writer encrypt before it knows whether the key
   *   will be needed, and create it only then.
   */
  activeKeySync(tenantid: string, datasubject: string, candidate?: ContentKey): ContentKey {
    const live = this.liveKeySync(tenantid, datasubject);
    if (live) return live;
    const { keyid, key } = candidate ?? newContentKey();
    this.insert.run(keyid, tenantid, datasubject, this.wrapper.wrap(key, keyid), new Date().toISOString());
    return { keyid, key };
  }

  /** The subject's active key when it has a live one, else `undefined`; never writes. */
  liveKeySync(tenantid: string, datasubject: string): ContentKey | undefined {
    const row = this.selectActive.get(tenantid, datasubject);
    return row?.wrapped ? { keyid: row.keyid, key: this.wrapper.unwrap(row.wrapped, row.keyid) } : undefined;
  }

  /** Synchronous form of {@link findKey}. */
  findKeySync(keyid: string): ContentKey | undefined {
    const row = this.selectById.get(keyid);
    return row?.wrapped ? { keyid, key: this.wrapper.unwrap(row.wrapped, keyid) } : undefined;
  }

  activeKey(tenantid: string, datasubject: string): Promise<ContentKey> {
    return Promise.resolve(this.activeKeySync(tenantid, datasubject));
  }

  findKey(keyid: string): Promise<ContentKey | undefined> {
    return Promise.resolve(this.findKeySync(keyid));
  }

  destroy(tenantid: string, datasubject: string): Promise<number> {
    return Promise.resolve(this.destroyStmt.run(new Date().toISOString(), tenantid, datasubject).changes);
  }
}

/** A fresh content key: a random UUID as `keyid` and 32 bytes from the OS CSPRNG. */
export function newContentKey(): ContentKey {
  return { keyid: randomUUID(), key: newKeyMaterial() };
}
