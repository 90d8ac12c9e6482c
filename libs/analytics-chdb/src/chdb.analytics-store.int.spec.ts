import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyticsStoreContract, flatEvent, uniqueTenant } from '@memfabric/analytics/testing';
import { ChdbAnalyticsStore } from './chdb.analytics-store.js';
import { mapChdbError } from './chdb.executor.js';

/**
 * chDB binds one data directory per process (vitest runs each file in its own fork), so every
 * store in this file lives in the same directory, removed at the end.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-analytics-chdb-'));
const dataDir = path.join(dir, 'analytics');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

analyticsStoreContract('chdb', () => {
  const store = ChdbAnalyticsStore.open({ path: dataDir });
  return Promise.resolve({ store, teardown: () => store.close() });
});

describe('ChdbAnalyticsStore specifics', () => {
  it('keeps its rows across close and reopen of the data directory', async () => {
    const t = uniqueTenant();
    const first = ChdbAnalyticsStore.open({ path: dataDir, database: 'reopen_test' });
    await first.migrate();
    await first.insertEvents([flatEvent(t), flatEvent(t)]);
    await first.close();

    const second = ChdbAnalyticsStore.open({ path: dataDir, database: 'reopen_test' });
    await second.migrate();
    expect((await second.eventCounts(t)).events).toBe(2);
    await second.close();
  });

  it('shares the directory between stores of the same path and refuses another path while one is open', async () => {
    const a = ChdbAnalyticsStore.open({ path: dataDir });
    const b = ChdbAnalyticsStore.open({ path: path.join(dataDir, '.') });
    expect(b.path).toBe(a.path);
    await a.migrate();
    const t = uniqueTenant();
    await a.insertEvents([flatEvent(t)]);
    expect((await b.eventCounts(t)).events).toBe(1);
    expect(() => ChdbAnalyticsStore.open({ path: path.join(dir, 'elsewhere') })).toThrow(/one data directory per process/);
    await a.close();
    expect(() => ChdbAnalyticsStore.open({ path: path.join(dir, 'elsewhere') })).toThrow(/one data directory per process/);
    await b.close();
  });

  it('validates its configuration with messages that say what to fix', () => {
    expect(() => ChdbAnalyticsStore.open({ path: '' })).toThrow(/`path` must name the directory/);
    expect(() => ChdbAnalyticsStore.open({ path: dataDir, database: 'x; DROP' })).toThrow(/plain identifier/);
  });

  it('maps engine-side failures to a retriable UnavailableError and leaves statement errors alone', () => {
    const closed = Object.assign(new Error('No active connection available'), { code: 'CHDB_CLOSED' });
    expect(mapChdbError(closed, 'select')).toMatchObject({ code: 'unavailable', retriable: true, cause: closed });
    const memory = Object.assign(new Error('Code: 241. Memory limit exceeded'), { code: 'CHDB_QUERY', clickhouseCode: 241 });
    expect(mapChdbError(memory, 'select')).toMatchObject({ code: 'unavailable', context: { clickhouseCode: 241 } });
    const syntax = Object.assign(new Error('Code: 62. Syntax error'), { code: 'CHDB_SYNTAX', clickhouseCode: 62 });
    expect(mapChdbError(syntax, 'select')).toBe(syntax);
  });
});
