import { readFileSync, writeFileSync } from 'node:fs';
import { InMemoryKeyVault } from '@memfabric/crypto';
import type { ContentKey, KeyVault } from '@memfabric/event-log';

/**
 * Content keys shared by a test and its child processes through a file (mode 0600): the test
 * appends with a {@link RecordingKeyVault} and saves its keys, a child reads them with
 * {@link FileKeyVault}. Test-only: keys in a plain file.
 */
export class RecordingKeyVault implements KeyVault {
  private readonly inner = new InMemoryKeyVault();
  private readonly seen = new Map<string, string>();

  async activeKey(tenantid: string, datasubject: string): Promise<ContentKey> {
    const key = await this.inner.activeKey(tenantid, datasubject);
    this.seen.set(key.keyid, Buffer.from(key.key).toString('base64'));
    return key;
  }

  findKey(keyid: string): Promise<ContentKey | undefined> {
    return this.inner.findKey(keyid);
  }

  destroy(tenantid: string, datasubject: string): Promise<number> {
    return this.inner.destroy(tenantid, datasubject);
  }

  /** Writes every key handed out so far to `file`. */
  save(file: string): void {
    writeFileSync(file, JSON.stringify(Object.fromEntries(this.seen)), { mode: 0o600 });
  }
}

/** A read-only vault over a file written by {@link RecordingKeyVault.save}. */
export class FileKeyVault implements KeyVault {
  private readonly keys: Map<string, Uint8Array>;

  constructor(file: string) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    this.keys = new Map(Object.entries(saved).map(([id, b64]) => [id, new Uint8Array(Buffer.from(b64, 'base64'))]));
  }

  activeKey(): Promise<ContentKey> {
    return Promise.reject(new Error('FileKeyVault is read-only: the test appends, its child processes only read'));
  }

  findKey(keyid: string): Promise<ContentKey | undefined> {
    const key = this.keys.get(keyid);
    return Promise.resolve(key ? { keyid, key } : undefined);
  }

  destroy(): Promise<number> {
    return Promise.reject(new Error('FileKeyVault is read-only'));
  }
}
