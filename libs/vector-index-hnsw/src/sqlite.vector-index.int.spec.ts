import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { point, randomUnitVector, seededRandom, TEST_MODEL, uniqueTenant } from '@memfabric/vector-index/testing';
import { ExactVectorIndex, type VectorPoint } from '@memfabric/vector-index';
import { SqliteLexicalIndex } from './sqlite.lexical-index.js';
import { SqliteVectorIndex } from './sqlite.vector-index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-vec-'));
  dirs.push(dir);
  return path.join(dir, 'projection.db');
}

function randomPoints(tenant: string, n: number, seed: number): VectorPoint[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => point(tenant, `unit ${i}`, { vector: randomUnitVector(random), offset: i }));
}

const open = (file: string, extra: Partial<Parameters<typeof SqliteVectorIndex.open>[0]> = {}) =>
  SqliteVectorIndex.open({ database: file, model: TEST_MODEL, exactThreshold: 50, ...extra });

describe('SqliteVectorIndex HNSW cache', () => {
  it('searches small tenants exactly, builds a graph past the threshold and saves it beside the file on close', async () => {
    const file = tempFile();
    const index = open(file);
    const t = uniqueTenant();
    const points = randomPoints(t, 40, 1);
    await index.upsert(points);
    expect(index.cacheInfo(t)).toEqual({ live: 40, seq: 1 });
    await index.search({ tenant: t, vector: points[0]!.vector, k: 5 });
    expect(index.cacheInfo(t)).toEqual({ live: 40, seq: 1, cachedSeq: 1, vectors: 40 });
    await index.upsert(randomPoints(t, 60, 2));
    const [hit] = await index.search({ tenant: t, vector: points[3]!.vector, k: 1 });
    expect(hit?.id).toBe(points[3]!.id);
    expect(index.cacheInfo(t).graph).toMatchObject({ size: 100, seq: 2, source: 'rows', dirty: true });
    await index.close();
    const files = readdirSync(`${file}.hnsw`);
    expect(files.filter((f) => f.endsWith('.usearch'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('a deleted (erased) vector reaches no graph file: saved files are dropped on delete and graphs with deletions are rebuilt before saving', async () => {
    const file = tempFile();
    const t = uniqueTenant();
    const points = randomPoints(t, 120, 7);
    const gone = points[5]!;
    const bytes = Buffer.from(gone.vector.buffer, gone.vector.byteOffset, 16);
    const filesHolding = () =>
      existsSync(`${file}.hnsw`) ? readdirSync(`${file}.hnsw`).filter((f) => readFileSync(path.join(`${file}.hnsw`, f)).includes(bytes)) : [];
    const first = open(file);
    await first.upsert(points);
    await first.search({ tenant: t, vector: points[0]!.vector, k: 1 });
    first.saveIndexFiles();
    expect(filesHolding()).toHaveLength(1);
    // another process keeps the graph in memory while this one deletes
    const other = open(file);
    await other.search({ tenant: t, vector: points[0]!.vector, k: 1 });
    await first.delete(t, [gone.id]);
    expect(filesHolding()).toEqual([]);
    expect((await first.search({ tenant: t, vector: gone.vector, k: 3 })).map((h) => h.id)).not.toContain(gone.id);
    await first.close();
    expect(filesHolding()).toEqual([]);
    expect((await other.search({ tenant: t, vector: gone.vector, k: 3 })).map((h) => h.id)).not.toContain(gone.id);
    expect(other.cacheInfo(t).graph).toMatchObject({ size: 119 });
    await other.close();
    expect(filesHolding()).toEqual([]);
    expect(readdirSync(`${file}.hnsw`).filter((f) => f.endsWith('.usearch'))).toHaveLength(1);
  });

  it('loads the saved graph on reopen and replays rows written since, also by another connection', async () => {
    const file = tempFile();
    const t = uniqueTenant();
    const points = randomPoints(t, 120, 3);
    const first = open(file);
    await first.upsert(points);
    await first.search({ tenant: t, vector: points[0]!.vector, k: 1 });
    await first.close();

    const second = open(file);
    expect(second.warm()).toBe(1);
    expect(second.cacheInfo(t).graph).toMatchObject({ size: 120, source: 'file', dirty: false });
    const writer = open(file); // another process writing the same file
    const added = randomPoints(t, 5, 4);
    await writer.upsert(added);
    await writer.delete(t, [points[10]!.id]);
    await writer.close();
    expect(ids(await second.search({ tenant: t, vector: added[2]!.vector, k: 1 }))).toEqual([added[2]!.id]);
    expect(ids(await second.search({ tenant: t, vector: points[10]!.vector, k: 10 }))).not.toContain(points[10]!.id);
    expect(second.cacheInfo(t).graph).toMatchObject({ size: 124, source: 'file', dirty: true });
    await second.close();
  });

  it.each([
    ['a small tenant (vectors in memory)', 30],
    ['a large tenant (HNSW graph)', 120],
  ])('sees upserts, status changes and deletes of another connection on the next search: %s', async (_, n) => {
    const file = tempFile();
    const t = uniqueTenant();
    const points = randomPoints(t, n, 21);
    const reader = open(file);
    const writer = open(file);
    await writer.upsert(points);
    expect(ids(await reader.search({ tenant: t, vector: points[1]!.vector, k: 1 }))).toEqual([points[1]!.id]);
    const moved = { ...points[2]!, vector: randomUnitVector(seededRandom(77)) };
    await writer.upsert([moved]);
    await writer.setStatus(t, [points[1]!.id], 'retracted');
    await writer.delete(t, [points[3]!.id]);
    expect(ids(await reader.search({ tenant: t, vector: points[1]!.vector, k: n }))).not.toContain(points[1]!.id);
    expect(ids(await reader.search({ tenant: t, vector: points[3]!.vector, k: n }))).not.toContain(points[3]!.id);
    expect(ids(await reader.search({ tenant: t, vector: moved.vector, k: 1 }))).toEqual([moved.id]);
    expect(ids(await reader.search({ tenant: t, vector: points[1]!.vector, k: 1, filter: { statuses: ['retracted'] } }))).toEqual([points[1]!.id]);
    expect(reader.cacheInfo(t)).toMatchObject({ live: n - 1, cachedSeq: reader.cacheInfo(t).seq });
    await writer.close();
    await reader.close();
  });

  it('rebuilds from the rows when the index file is missing, truncated or ahead of the rows', async () => {
    const file = tempFile();
    const t = uniqueTenant();
    const points = randomPoints(t, 80, 5);
    const index = open(file);
    await index.upsert(points);
    await index.search({ tenant: t, vector: points[0]!.vector, k: 1 });
    await index.close();
    const backup = `${file}.backup`;
    copyFileSync(file, backup);
    const graphFile = () => readdirSync(`${file}.hnsw`).find((f) => f.endsWith('.usearch'))!;

    // truncated file
    writeFileSync(path.join(`${file}.hnsw`, graphFile()), 'garbage');
    let again = open(file);
    expect(ids(await again.search({ tenant: t, vector: points[7]!.vector, k: 1 }))).toEqual([points[7]!.id]);
    expect(again.cacheInfo(t).graph?.source).toBe('rows');
    await again.close();

    // missing file
    rmSync(path.join(`${file}.hnsw`, graphFile()));
    again = open(file);
    expect(ids(await again.search({ tenant: t, vector: points[8]!.vector, k: 1 }))).toEqual([points[8]!.id]);
    expect(again.cacheInfo(t).graph?.source).toBe('rows');
    // more writes, saved: the file is now ahead of the backup
    const later = randomPoints(t, 10, 6);
    await again.upsert(later);
    await again.search({ tenant: t, vector: later[0]!.vector, k: 1 });
    await again.close();

    // the database is restored from the backup: the graph file knows points the rows do not
    for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    copyFileSync(backup, file);
    again = open(file);
    expect(ids(await again.search({ tenant: t, vector: later[0]!.vector, k: 10 }))).not.toContain(later[0]!.id);
    expect(again.cacheInfo(t).graph).toMatchObject({ size: 80, source: 'rows' });
    await again.close();
  });

  it('never uses graph files of another database at the same path', async () => {
    const file = tempFile();
    const t = uniqueTenant();
    const index = open(file);
    await index.upsert(randomPoints(t, 80, 7));
    await index.search({ tenant: t, vector: randomUnitVector(seededRandom(1)), k: 1 });
    await index.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    const fresh = open(file);
    const points = randomPoints(t, 60, 8);
    await fresh.upsert(points);
    expect(ids(await fresh.search({ tenant: t, vector: points[1]!.vector, k: 1 }))).toEqual([points[1]!.id]);
    expect(fresh.cacheInfo(t).graph).toMatchObject({ size: 60, source: 'rows' });
    await fresh.close();
  });

  it('builds the same graph from the same rows: every search of two builds returns the same ids and scores', async () => {
    const t = uniqueTenant();
    const points = randomPoints(t, 400, 21);
    const whole = open(tempFile());
    await whole.upsert(points);
    const chunked = open(tempFile());
    for (let i = 0; i < points.length; i += 7) await chunked.upsert(points.slice(i, i + 7));
    const random = seededRandom(5);
    for (let q = 0; q < 50; q++) {
      const query = randomUnitVector(random);
      const a = await whole.search({ tenant: t, vector: query, k: 10 });
      const b = await chunked.search({ tenant: t, vector: query, k: 10 });
      expect(b.map((h) => [h.id, h.score])).toEqual(a.map((h) => [h.id, h.score]));
    }
    expect(whole.cacheInfo(t).graph).toMatchObject({ size: 400, source: 'rows' });
    expect(chunked.cacheInfo(t).graph).toMatchObject({ size: 400, source: 'rows' });
    await whole.close();
    await chunked.close();
  });

  it('rebuilds a graph after heavy churn: recall against exact search, and moved points found at their new place', async () => {
    const file = tempFile();
    const t = uniqueTenant();
    const points = randomPoints(t, 100, 9);
    // One build thread: the same rows give the same graph on every run, so the assertions below
    // cannot flip with thread scheduling; the thresholds are what HNSW promises (recall), with margin.
    const index = open(file, { indexDir: null, hnsw: { buildThreads: 1 } });
    await index.upsert(points);
    await index.search({ tenant: t, vector: points[0]!.vector, k: 1 });
    const moved = randomPoints(t, 40, 10).map((p, i) => ({ ...p, id: points[i]!.id }));
    await index.upsert(moved);
    const exact = new ExactVectorIndex({ model: TEST_MODEL });
    await exact.upsert([...points.slice(40), ...moved]);
    const random = seededRandom(99);
    let found = 0;
    const queries = 200;
    for (let q = 0; q < queries; q++) {
      const query = randomUnitVector(random);
      const got = new Set(ids(await index.search({ tenant: t, vector: query, k: 10 })));
      found += ids(await exact.search({ tenant: t, vector: query, k: 10 })).filter((id) => got.has(id)).length;
    }
    expect(found / (queries * 10)).toBeGreaterThanOrEqual(0.95);
    let atTop = 0;
    for (const m of moved) {
      const top = ids(await index.search({ tenant: t, vector: m.vector, k: 10 }));
      expect(top).toContain(m.id);
      if (top[0] === m.id) atTop++;
    }
    expect(atTop / moved.length).toBeGreaterThanOrEqual(0.9);
    expect(index.cacheInfo(t).graph).toMatchObject({ size: 100, source: 'rows' });
    await index.close();
    expect(existsSync(`${file}.hnsw`)).toBe(false);
  });
});

describe('SqliteVectorIndex in the projection transaction', () => {
  it('writes points and a checkpoint atomically on a shared connection, and caches nothing a rollback undoes', async () => {
    const db = new Database(tempFile());
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE checkpoints (grp TEXT PRIMARY KEY, next_offset INTEGER NOT NULL)');
    const index = SqliteVectorIndex.open({ database: db, model: TEST_MODEL, exactThreshold: 50 });
    const lexical = SqliteLexicalIndex.open({ database: db });
    const t = uniqueTenant();
    const base = randomPoints(t, 60, 11);
    await index.upsert(base);
    await index.search({ tenant: t, vector: base[0]!.vector, k: 1 });
    const extra = randomPoints(t, 1, 12)[0]!;
    const commit = db.transaction((fail: boolean) => {
      index.upsertSync([extra]);
      lexical.upsertSync([extra]);
      db.prepare('INSERT INTO checkpoints VALUES (?, ?) ON CONFLICT (grp) DO UPDATE SET next_offset = excluded.next_offset').run('vector', 61);
      // a search inside the transaction sees the uncommitted point (exact path)
      expect(index.searchSync({ tenant: t, vector: extra.vector, k: 1 })[0]?.id).toBe(extra.id);
      if (fail) throw new Error('projection crashed before commit');
    });
    expect(() => commit(true)).toThrow(/crashed/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM checkpoints').get()).toEqual({ n: 0 });
    expect(await index.count(t)).toBe(60);
    expect(ids(await index.search({ tenant: t, vector: extra.vector, k: 60 }))).not.toContain(extra.id);
    expect(await lexical.count(t)).toBe(0);
    commit(false);
    expect(db.prepare('SELECT next_offset FROM checkpoints').get()).toEqual({ next_offset: 61 });
    expect(ids(await index.search({ tenant: t, vector: extra.vector, k: 1 }))).toEqual([extra.id]);
    expect(ids(await lexical.search({ tenant: t, text: extra.text, k: 1 }))).toEqual([extra.id]);
    await index.close();
    await lexical.close();
    expect(db.open).toBe(true); // the caller's connection stays open
    db.close();
  });

  it('purges text and vector of deleted points from the rows (erasure)', async () => {
    const file = tempFile();
    const index = open(file);
    const t = uniqueTenant();
    const p = point(t, 'Caroline told me her secret address');
    await index.upsert([p]);
    await index.delete(t, [p.id]);
    await index.close();
    const db = new Database(file);
    expect(db.prepare('SELECT text, vector, actor, deleted FROM vec_points WHERE id = ?').get(p.id)).toEqual({ text: '', vector: null, actor: '', deleted: 1 });
    db.close();
    expect(readFileSync(file).includes(Buffer.from('secret address'))).toBe(false);
  });
});

describe('SqliteVectorIndex configuration', () => {
  it('rejects bad options with a message saying what to fix', () => {
    const file = tempFile();
    expect(() => SqliteVectorIndex.open({ database: file, model: { id: '', dimension: 3 } })).toThrow(/model.id must be a non-empty string/);
    expect(() => SqliteVectorIndex.open({ database: file, model: TEST_MODEL, tablePrefix: 'Bad-Name' })).toThrow(/tablePrefix/);
    expect(() => SqliteVectorIndex.open({ database: file, model: TEST_MODEL, exactThreshold: -1 })).toThrow(/exactThreshold/);
    expect(() => SqliteVectorIndex.open({ database: file, model: TEST_MODEL, hnsw: { connectivity: 1 } })).toThrow(/connectivity/);
    expect(() => SqliteVectorIndex.open({ database: '', model: TEST_MODEL })).toThrow(/path must not be empty/);
  });

  it('keeps generations apart by table prefix, each with its own model', async () => {
    const file = tempFile();
    const a = SqliteVectorIndex.open({ database: file, model: TEST_MODEL, tablePrefix: 'vec_g1' });
    const b = SqliteVectorIndex.open({ database: file, model: { id: 'other', dimension: 8 }, tablePrefix: 'vec_g2' });
    const t = uniqueTenant();
    await a.upsert([point(t, 'one')]);
    expect(await b.count(t)).toBe(0);
    await a.close();
    await b.close();
  });

  it('refuses calls after close', async () => {
    const index = open(tempFile());
    await index.close();
    await expect(index.count('t')).rejects.toMatchObject({ code: 'unavailable' });
    await index.close();
  });
});

function ids(hits: readonly { id: string }[]): string[] {
  return hits.map((h) => h.id);
}

describe('SqliteLexicalIndex erasure', () => {
  it('removes the words of deleted documents from the file', async () => {
    const file = tempFile();
    const index = SqliteLexicalIndex.open({ database: file });
    const t = uniqueTenant();
    await index.upsert(Array.from({ length: 300 }, (_, i) => ({ ...point(t, `ordinary note ${i} about hiking`), vector: undefined })));
    const secret = point(t, 'zanzibarian hideout address');
    await index.upsert([secret]);
    expect((await index.search({ tenant: t, text: 'zanzibarian', k: 1 }))[0]?.id).toBe(secret.id);
    await index.delete(t, [secret.id]);
    expect(await index.search({ tenant: t, text: 'zanzibarian', k: 1 })).toEqual([]);
    await index.close();
    expect(readFileSync(file).includes(Buffer.from('zanzibar'))).toBe(false);
  });
});
