import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '@clickhouse/client';
import { analyticsStoreContract } from '@memfabric/analytics/testing';
import { createChdbConnection } from 'chdb/connection';
import { ClickHouseAnalyticsStore } from './clickhouse.analytics-store.js';
import { containerRuntimeUnavailable, startClickHouseContainer, type ClickHouseContainerHandle } from './testing/index.js';

/**
 * The ClickHouse adapter against two engines:
 * 1. chDB through `@clickhouse/client`'s pluggable connection (`chdb/connection`): every line of
 *    this adapter runs (query_params, commands, JSONEachRow inserts and reads) except the HTTP
 *    transport. Always runs.
 * 2. A real ClickHouse server over HTTP in a container (testcontainers), skipped with the reason
 *    where no container runtime exists.
 */

type ChdbBackedConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-analytics-ch-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

analyticsStoreContract('clickhouse (@clickhouse/client over chDB)', () => {
  // chdb types its connection against @clickhouse/client-common, which @clickhouse/client bundles a copy of
  const connection = createChdbConnection({ path: path.join(dir, 'chdb') }) as unknown as ChdbBackedConnection;
  const client = createClient({ connection });
  const store = new ClickHouseAnalyticsStore({ url: 'http://chdb.invalid:8123' }, { client });
  return Promise.resolve({
    store,
    teardown: async () => {
      await store.close();
      await client.close();
    },
  });
});

const noRuntime = await containerRuntimeUnavailable();
let container: ClickHouseContainerHandle | undefined;
analyticsStoreContract(
  'clickhouse (testcontainers, real server over HTTP)',
  async () => {
    container = await startClickHouseContainer();
    const store = new ClickHouseAnalyticsStore({ url: container.url, username: container.username, password: container.password });
    return {
      store,
      teardown: async () => {
        await store.close();
        await container?.stop();
      },
    };
  },
  { ...(noRuntime ? { skipReason: noRuntime } : {}), timeoutMs: 60_000 },
);

describe('ClickHouseAnalyticsStore without a server', () => {
  it('reports an unreachable server as a retriable UnavailableError that keeps its cause', async () => {
    const store = new ClickHouseAnalyticsStore({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2_000 });
    const error = (await store.migrate().catch((e: unknown) => e)) as { code?: string; retriable?: boolean; cause?: unknown; context?: unknown };
    await store.close();
    expect(error).toMatchObject({ code: 'unavailable', retriable: true, context: { operation: 'command', url: 'http://127.0.0.1:1' } });
    expect(error.cause).toBeInstanceOf(Error);
  });
});
