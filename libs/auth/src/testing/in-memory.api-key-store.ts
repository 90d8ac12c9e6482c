import { ValidationError } from '@memfabric/errors';
import { oldestFirst, type ApiKeyRecord, type ApiKeyStore } from '../api-key.js';

/**
 * An {@link ApiKeyStore} in memory, for unit tests and tools that need no persistence. It passes
 * {@link apiKeyStoreContract} like every other adapter. Records are copied in and out, so a
 * caller mutating a returned record never changes the store.
 */
export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly records = new Map<string, ApiKeyRecord>();

  /** @param records - initial records, in insertion order. @throws ValidationError on a duplicate id. */
  constructor(records: readonly ApiKeyRecord[] = []) {
    for (const record of records) this.insert(record);
  }

  get(id: string): Promise<ApiKeyRecord | undefined> {
    const record = this.records.get(id);
    return Promise.resolve(record === undefined ? undefined : copy(record));
  }

  list(): Promise<readonly ApiKeyRecord[]> {
    return Promise.resolve(oldestFirst([...this.records.values()]).map(copy));
  }

  hasAny(): Promise<boolean> {
    return Promise.resolve(this.records.size > 0);
  }

  add(record: ApiKeyRecord): Promise<void> {
    try {
      this.insert(record);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  revoke(id: string, at: string): Promise<boolean> {
    const record = this.records.get(id);
    if (record === undefined) return Promise.resolve(false);
    if (record.revokedAt === undefined) this.records.set(id, { ...record, revokedAt: at });
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private insert(record: ApiKeyRecord): void {
    if (this.records.has(record.id)) {
      throw new ValidationError(`an API key with id ${record.id} exists already`, [{ pointer: '/id', detail: 'exists already' }]);
    }
    this.records.set(record.id, copy(record));
  }
}

function copy(record: ApiKeyRecord): ApiKeyRecord {
  return { ...record, tenants: [...record.tenants], scopes: [...record.scopes] };
}
