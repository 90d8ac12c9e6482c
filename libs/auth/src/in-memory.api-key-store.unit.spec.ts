import { describe, expect, it } from 'vitest';
import { apiKeyStoreContract, InMemoryApiKeyStore, sampleApiKeyRecord } from './testing/index.js';

apiKeyStoreContract('in-memory', () => Promise.resolve({ store: new InMemoryApiKeyStore(), teardown: () => Promise.resolve() }));

describe('InMemoryApiKeyStore', () => {
  it('copies records in and out: mutating a returned record changes nothing stored', async () => {
    const record = sampleApiKeyRecord();
    const store = new InMemoryApiKeyStore([record]);
    const got = await store.get(record.id);
    (got!.tenants as string[]).push('other');
    expect((await store.get(record.id))?.tenants).toEqual(['acme']);
  });

  it('refuses duplicate ids among its initial records', () => {
    const record = sampleApiKeyRecord();
    expect(() => new InMemoryApiKeyStore([record, record])).toThrow(/exists already/);
  });
});
