import { randomUUID } from 'node:crypto';
import type { ContentKey, KeyVault } from '@memfabric/event-log';
import { newKeyMaterial } from './aes-gcm.cipher.js';

/**
 * A key vault held in process memory: keys vanish with the process. For tests and for a
 * cluster writer whose keys come from an external KMS in front of it; never the embedded default.
 */
export class InMemoryKeyVault implements KeyVault {
  private readonly keys = new Map<string, ContentKey>();
  private readonly active = new Map<string, string>();
  private readonly bySubject = new Map<string, Set<string>>();

  activeKey(tenantid: string, datasubject: string): Promise<ContentKey> {
    const subject = JSON.stringify([tenantid, datasubject]);
    const existing = this.active.get(subject);
    const found = existing === undefined ? undefined : this.keys.get(existing);
    if (found) return Promise.resolve(found);
    const key: ContentKey = { keyid: randomUUID(), key: newKeyMaterial() };
    this.keys.set(key.keyid, key);
    this.active.set(subject, key.keyid);
    const ids = this.bySubject.get(subject) ?? new Set<string>();
    ids.add(key.keyid);
    this.bySubject.set(subject, ids);
    return Promise.resolve(key);
  }

  findKey(keyid: string): Promise<ContentKey | undefined> {
    return Promise.resolve(this.keys.get(keyid));
  }

  destroy(tenantid: string, datasubject: string): Promise<number> {
    const subject = JSON.stringify([tenantid, datasubject]);
    let destroyed = 0;
    for (const id of this.bySubject.get(subject) ?? []) {
      if (this.keys.delete(id)) destroyed += 1;
    }
    this.active.delete(subject);
    return Promise.resolve(destroyed);
  }
}
