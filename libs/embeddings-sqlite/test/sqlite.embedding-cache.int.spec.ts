import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CachingEmbedder, HashEmbedder, textKey } from '@memfabric/embeddings';
import { embeddingCacheContract } from '@memfabric/embeddings/testing';
import { SqliteEmbeddingCache } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-embcache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => path.join(dir, `cache-${++files}.sqlite`);
const mode = (file: string) => statSync(file).mode & 0o777;

embeddingCacheContract('SqliteEmbeddingCache (file)', () => {
  const cache = SqliteEmbeddingCache.open({ path: newFile() });
  return Promise.resolve({ cache, teardown: () => Promise.resolve(cache.close()) });
});
embeddingCacheContract('SqliteEmbeddingCache (:memory:)', () => {
  const cache = SqliteEmbeddingCache.open({ path: ':memory:' });
  return Promise.resolve({ cache, teardown: () => Promise.resolve(cache.close()) });
});

/** Runs `cache-child.ts` on `file` with `texts`; resolves what it printed. */
async function inChild(file: string, texts: readonly string[]): Promise<{ hits: number; misses: number; vectors: number[][] }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), path.join(here, 'cache-child.ts'), file, ...texts]);
  return JSON.parse(stdout) as { hits: number; misses: number; vectors: number[][] };
}

describe('SqliteEmbeddingCache', () => {
  it('persists: another instance and another process on the same file get hits, with the same vectors', async () => {
    const file = newFile();
    const texts = ['I adopted a greyhound called Biscuit', 'We flew to Lisbon in May'];
    const first = SqliteEmbeddingCache.open({ path: file });
    const embedder = new CachingEmbedder(new HashEmbedder({ dimensions: 64 }), { cache: first });
    const vectors = (await embedder.embed(texts)).map((v) => Array.from(v));
    expect(embedder.stats()).toEqual({ hits: 0, misses: 2 });

    const second = SqliteEmbeddingCache.open({ path: file });
    const again = await second.get(embedder.modelId, texts.map(textKey), 64);
    expect(again.map((v) => (v ? Array.from(v) : undefined))).toEqual(vectors);
    second.close();
    first.close();

    const child = await inChild(file, [...texts, 'a text only the child embeds']);
    expect(child).toMatchObject({ hits: 2, misses: 1 });
    expect(child.vectors.slice(0, 2)).toEqual(vectors);
    // and what the child wrote is there for the next opener
    const third = SqliteEmbeddingCache.open({ path: file });
    expect((await third.get(embedder.modelId, [textKey('a text only the child embeds')], 64))[0]).toBeDefined();
    expect(third.size).toBe(3);
    third.close();
  }, 60_000);

  it('scopes keys by model id across reopenings: another model of the same dimensions misses', async () => {
    const file = newFile();
    const a = SqliteEmbeddingCache.open({ path: file });
    const key = textKey('same text');
    await a.set('model-a@1', [{ key, vector: Float32Array.of(1, 0) }]);
    a.close();
    const b = SqliteEmbeddingCache.open({ path: file });
    expect(await b.get('model-b@1', [key], 2)).toEqual([undefined]);
    expect(Array.from((await b.get('model-a@1', [key], 2))[0]!)).toEqual([1, 0]);
    // a new version of the same model is another id, hence a miss
    expect(await b.get('model-a@2', [key], 2)).toEqual([undefined]);
    b.close();
  });

  it('answers damaged rows as misses: wrong BLOB length, non-finite values, other dimensions; a set repairs them', async () => {
    const file = newFile();
    const cache = SqliteEmbeddingCache.open({ path: file });
    const keys = ['short', 'nan', 'wide', 'fine'].map(textKey);
    await cache.set('m', keys.map((key) => ({ key, vector: Float32Array.of(0.6, 0.8) })));
    const raw = new Database(file);
    const nan = Buffer.from(Float32Array.of(Number.NaN, 1).buffer);
    raw.prepare('UPDATE embeddings SET vector = ? WHERE key = ?').run(Buffer.from([1, 2, 3]), Buffer.from(keys[0]!, 'hex'));
    raw.prepare('UPDATE embeddings SET vector = ? WHERE key = ?').run(nan, Buffer.from(keys[1]!, 'hex'));
    raw.prepare('UPDATE embeddings SET dims = 3 WHERE key = ?').run(Buffer.from(keys[2]!, 'hex'));
    raw.close();
    expect((await cache.get('m', keys, 2)).map((v) => v !== undefined)).toEqual([false, false, false, true]);
    expect((await cache.get('m', keys)).map((v) => v !== undefined)).toEqual([false, false, false, true]);
    await cache.set('m', [{ key: keys[0]!, vector: Float32Array.of(1, 0) }]);
    expect(Array.from((await cache.get('m', [keys[0]!], 2))[0]!)).toEqual([1, 0]);
    cache.close();
  });

  it('stays within maxEntries, evicting the least recently used entries (a hit counts as a use)', async () => {
    let now = 1_000_000;
    const cache = SqliteEmbeddingCache.open({ path: newFile(), maxEntries: 3, clock: () => now });
    const key = (i: number) => textKey(`text ${i}`);
    for (let i = 0; i < 3; i++) {
      await cache.set('m', [{ key: key(i), vector: Float32Array.of(i, 1) }]);
      now += 120_000;
    }
    // text 0 is used again, so text 1 is now the least recently used
    expect((await cache.get('m', [key(0)]))[0]).toBeDefined();
    now += 120_000;
    await cache.set('m', [{ key: key(3), vector: Float32Array.of(3, 1) }, { key: key(4), vector: Float32Array.of(4, 1) }]);
    expect(cache.size).toBe(3);
    expect(cache.evicted).toBe(2);
    expect((await cache.get('m', [0, 1, 2, 3, 4].map(key))).map((v) => v !== undefined)).toEqual([true, false, false, true, true]);
    cache.close();
  });

  it('delete leaves no byte of the deleted vectors or keys in the file or its WAL; others stay', async () => {
    const file = newFile();
    const cache = SqliteEmbeddingCache.open({ path: file });
    const embedder = new CachingEmbedder(new HashEmbedder({ dimensions: 64 }), { cache });
    const [erased, kept] = await embedder.embed(['erase this sentence', 'keep this sentence']);
    const needle = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, 64);
    const bytes = () => Buffer.concat(['', '-wal'].flatMap((s) => { try { return [readFileSync(file + s)]; } catch { return []; } }));
    expect(bytes().includes(needle(erased!))).toBe(true);
    expect(bytes().includes(Buffer.from(textKey('erase this sentence'), 'hex'))).toBe(true);
    await embedder.forget(['erase this sentence']);
    expect(bytes().includes(needle(erased!))).toBe(false);
    expect(bytes().includes(Buffer.from(textKey('erase this sentence'), 'hex'))).toBe(false);
    expect(bytes().includes(needle(kept!))).toBe(true);
    expect(statSync(`${file}-wal`).size).toBe(0);
    cache.close();
  });

  it('creates owner-only files and narrows wider modes on open', async () => {
    const file = newFile();
    const cache = SqliteEmbeddingCache.open({ path: file });
    await cache.set('m', [{ key: textKey('x'), vector: Float32Array.of(1) }]);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f)).toBe(0o600);
    cache.close();
  });

  it('refuses a file that is not an embedding cache, and bad options, with a ConfigurationError', () => {
    const other = newFile();
    const db = new Database(other);
    db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY)');
    db.close();
    expect(() => SqliteEmbeddingCache.open({ path: other })).toThrow(/not an embedding cache/);
    const garbage = newFile();
    writeFileSync(garbage, 'this is not a database, it is a text file of more than a hundred bytes, long enough to be read as a header');
    expect(() => SqliteEmbeddingCache.open({ path: garbage })).toThrow(expect.objectContaining({ code: 'configuration_invalid' }));
    expect(() => SqliteEmbeddingCache.open({ path: ':memory:', maxEntries: 0 })).toThrow(/maxEntries/);
  });

  it('rejects keys that are not SHA-256 hex with a ValidationError', async () => {
    const cache = SqliteEmbeddingCache.open({ path: ':memory:' });
    await expect(cache.set('m', [{ key: 'not-a-digest', vector: Float32Array.of(1) }])).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(cache.get('m', ['ABC'])).rejects.toMatchObject({ code: 'validation_failed' });
    cache.close();
  });
});
