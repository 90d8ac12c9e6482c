import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { normalizeEvent, type StoredEvent } from '@memfabric/events';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { extractionFromEvent } from '@memfabric/graph-store';
import { graphStoreContract, ExtractionFeed, entity, single, uniqueGraphTenant } from '@memfabric/graph-store/testing';
import { SqliteGraphStore } from './sqlite.graph-store.js';
import { dropGraphTables, graphTableNames } from './schema.js';

graphStoreContract('sqlite', () => {
  const db = new Database(':memory:');
  const store = SqliteGraphStore.open({ db });
  return Promise.resolve({
    store,
    teardown: async () => {
      await store.close();
      db.close();
    },
  });
});

describe('SqliteGraphStore', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-graph-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function factsExtracted(tenant: string, sourceevent: string, relations: ReturnType<typeof single>[], time: string) {
    return normalizeEvent({
      source: 'urn:memfabric:extraction',
      type: 'facts.extracted',
      time,
      tenantid: tenant,
      streamid: 'session-1',
      actor: 'extractor',
      data: { sourceevent, extractor: { name: 'test', version: '1' }, entities: [], times: [], relations },
    });
  }

  it('commits graph rows and the consumer checkpoint in one transaction of the event log’s connection', async () => {
    const log = SqliteEventLog.open({ path: path.join(tempDir(), 'memfabric.db'), masterKey: new Uint8Array(32).fill(7), synchronous: 'NORMAL' });
    try {
      const tenant = uniqueGraphTenant();
      await log.append([
        factsExtracted(tenant, '018f0000-0000-7000-8000-000000000001', [single('Alice', 'lives_in', 'Paris')], '2020-01-01T00:00:00Z'),
        factsExtracted(tenant, '018f0000-0000-7000-8000-000000000002', [single('Alice', 'lives_in', 'Berlin')], '2023-01-01T00:00:00Z'),
      ]);
      const graph = SqliteGraphStore.open({ db: log.db });
      const page = await log.readAll({ tenantid: tenant });
      const project = log.db.transaction((events: readonly StoredEvent[], next: Record<number, number>, fail: boolean) => {
        graph.applyExtractionsSync(events.flatMap((e) => extractionFromEvent(e) ?? []));
        log.commitSync('graph', next);
        if (fail) throw new Error('crash before commit');
      });

      // a crash inside the transaction leaves neither rows nor checkpoint
      expect(() => project(page.events, page.next, true)).toThrow('crash before commit');
      expect(await graph.counts(tenant)).toMatchObject({ facts: 0, events: 0 });
      expect(await log.committed('graph')).toEqual({});

      project(page.events, page.next, false);
      expect(await graph.counts(tenant)).toMatchObject({ facts: 2, invalidatedFacts: 1, events: 2 });
      expect(await log.committed('graph')).toEqual(page.next);

      // redelivery of the same batch (a consumer restarting before its commit) changes nothing
      project(page.events, page.next, false);
      expect(await graph.counts(tenant)).toMatchObject({ facts: 2, events: 2 });
      const [alice] = await graph.entitiesByName(tenant, ['alice']);
      const [current] = await graph.factsAbout(tenant, [alice!.id]);
      expect(current).toMatchObject({ objectName: 'Berlin', events: [page.events[1]!.id], sourceEvents: ['018f0000-0000-7000-8000-000000000002'] });
      // asOf by the log's own offsets
      const [then] = await graph.factsAbout(tenant, [alice!.id], { asOf: { offset: page.events[0]!.offset } });
      expect(then).toMatchObject({ objectName: 'Paris', validTo: null });
    } finally {
      await log.close();
    }
  });

  it('survives reopening the file and stays idempotent', async () => {
    const file = path.join(tempDir(), 'graph.db');
    const feed = new ExtractionFeed(uniqueGraphTenant());
    const input = feed.event({ entities: [entity('Alice')], relations: [single('Alice', 'lives_in', 'Paris')] });
    let db = new Database(file);
    await SqliteGraphStore.open({ db }).applyExtractions([input]);
    db.close();
    db = new Database(file);
    const store = SqliteGraphStore.open({ db });
    expect((await store.applyExtractions([input]))[0]!.applied).toBe(false);
    expect(await store.counts(feed.tenant)).toEqual({ entities: 2, facts: 1, invalidatedFacts: 0, mentions: 2, events: 1 });
    db.close();
  });

  it('keeps invalidated facts as rows and records each invalidation as a revision', async () => {
    const db = new Database(':memory:');
    const store = SqliteGraphStore.open({ db });
    const feed = new ExtractionFeed(uniqueGraphTenant());
    await store.applyExtractions([
      feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: '2020-01-01T00:00:00Z' }),
      feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }, { worldTime: '2021-01-01T00:00:00Z' }),
      feed.event({ relations: [single('Alice', 'lives_in', 'Rome')] }, { worldTime: '2022-01-01T00:00:00Z' }),
    ]);
    const t = store.tables;
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant = ?`).get(feed.tenant) as { n: number }).n;
    expect(count(t.facts)).toBe(3);
    expect(count(t.factRevisions)).toBe(2);
    expect(count(t.factSupport)).toBe(3);
    expect(db.prepare(`SELECT alias FROM ${t.entityAliases} WHERE tenant = ?`).all(feed.tenant)).toHaveLength(4);
    db.close();
  });

  it('projects into a fresh generation beside the serving one and drops the old one', async () => {
    const db = new Database(':memory:');
    const feed = new ExtractionFeed(uniqueGraphTenant());
    const input = feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] });
    const serving = SqliteGraphStore.open({ db, generation: 1 });
    await serving.applyExtractions([input]);
    const rebuild = SqliteGraphStore.open({ db, generation: 2 });
    expect(rebuild.tables.facts).toBe('graph_g2_facts');
    expect(await rebuild.counts(feed.tenant)).toMatchObject({ facts: 0 });
    expect((await rebuild.applyExtractions([input]))[0]!.applied).toBe(true);
    dropGraphTables(db, { generation: 1 });
    const left = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    expect(left.some((n) => n.startsWith('graph_g1_'))).toBe(false);
    expect(left).toContain('graph_g2_facts');
    expect(await rebuild.counts(feed.tenant)).toMatchObject({ facts: 1 });
    db.close();
  });

  it('rejects bad configuration with a message that says what to fix', () => {
    const db = new Database(':memory:');
    for (const options of [{ prefix: 'Graph' }, { prefix: 'g; DROP TABLE x' }, { generation: -1 }, { generation: 1.5 }]) {
      let error: unknown;
      try {
        SqliteGraphStore.open({ db, ...options });
      } catch (e) {
        error = e;
      }
      expect(MemfabricError.is(error) && error.code).toBe('configuration_invalid');
    }
    expect(() => graphTableNames({ prefix: 'kg', generation: 3 })).not.toThrow();
    expect(graphTableNames({ prefix: 'kg', generation: 3 }).mentions).toBe('kg_g3_mentions');
    db.close();
    expect(() => SqliteGraphStore.open({ db })).toThrow(/open better-sqlite3 connection/);
  });
});
