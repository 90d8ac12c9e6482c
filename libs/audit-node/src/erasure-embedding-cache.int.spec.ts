import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDING_CACHE_FILE, EmbeddedFabric } from '@memfabric/embedded';
import { HashEmbedder, textKey, type Embedder } from '@memfabric/embeddings';
import { interaction } from '@memfabric/event-log/testing';
import { embeddedAuditedFabric } from './embedded-audited-fabric.js';
import { eraseSubject } from './audit-actions.js';

/** A HashEmbedder (32-d) that records every text it is asked to embed. */
class RecordingEmbedder implements Embedder {
  readonly asked: string[] = [];
  private readonly inner = new HashEmbedder({ dimensions: 32 });
  readonly modelId = this.inner.modelId;
  readonly dimensions = this.inner.dimensions;
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.asked.push(...texts);
    return this.inner.embed(texts);
  }
}

const TENANT = 'acme';
const NADIA = ['Nadia keeps a violin in a zorblaxian cedar case', 'Nadia takes glimmerex every morning', 'Nadia sings in the florimant choir'];
const TOMAS = ['Tomas repairs motorbikes behind the bakery', 'Tomas brews a smoked porter', 'Tomas coaches the under-twelves'];

/**
 * The persistent embedding cache is derived personal data: erasing a data subject deletes the
 * cached vectors of the subject's unit texts (the vector projection reads the texts of the
 * points it deletes and the cache forgets them before the deletion commits), secure_delete
 * zeroes them and the WAL is truncated, so neither the vectors nor their keys stay in the cache
 * file; the other subject's entries stay and serve a rebuild in a new fabric.
 */
describe('erasure and the persistent embedding cache', { timeout: 60_000 }, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'memfabric-erase-cache-'));
  const dataDir = path.join(root, 'data');
  const cacheFile = path.join(dataDir, EMBEDDING_CACHE_FILE);
  const masterKey = randomBytes(32);
  const embedder = new RecordingEmbedder();
  let fabric: EmbeddedFabric;
  let texts: { nadia: string[]; tomas: string[] };
  const cacheBytes = () => Buffer.concat([readFileSync(cacheFile), readFileSync(`${cacheFile}-wal`)]);

  beforeAll(async () => {
    fabric = await EmbeddedFabric.open({ dataDir, masterKey, embedder, batchSize: 4 });
    const events = NADIA.flatMap((n, i) => [interaction(TENANT, 's1', n, { actor: 'nadia' }), interaction(TENANT, 's1', TOMAS[i]!, { actor: 'tomas' })]);
    const stored = await fabric.log.append(events);
    await fabric.catchUp();
    const points = fabric.vectorIndexes()!.vectors.getSync(TENANT, stored.map((e) => e.id));
    texts = { nadia: points.filter((p) => p.actor === 'nadia').map((p) => p.text), tomas: points.filter((p) => p.actor === 'tomas').map((p) => p.text) };
  });
  afterAll(async () => {
    await fabric?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('holds the vector of every unit text, in the data directory by default; queries do not go into it', async () => {
    expect(texts.nadia).toHaveLength(3);
    expect(texts.tomas).toHaveLength(3);
    const cache = fabric.embeddingCache!;
    const found = await cache.get(embedder.modelId, [...texts.nadia, ...texts.tomas].map(textKey), 32);
    expect(found.every((v) => v !== undefined)).toBe(true);
    expect(cache.size).toBe(6);
    await fabric.recaller().recall({ query: 'who sings in a choir?', scope: { tenant: TENANT }, k: 3, caller: 'test' });
    expect(cache.size).toBe(6);
    expect(fabric.embeddingCacheStats()).toEqual({ hits: 0, misses: 6 });
  });

  it('erasing a subject deletes its texts’ vectors and keys from the cache file, keeps the other subject’s, and a new fabric rebuilds from the cache', async () => {
    const cache = fabric.embeddingCache!;
    const nadiaVectors = (await cache.get(embedder.modelId, texts.nadia.map(textKey), 32)).map((v) => Buffer.from(v!.buffer, 0, 64));
    const tomasVectors = (await cache.get(embedder.modelId, texts.tomas.map(textKey), 32)).map((v) => Buffer.from(v!.buffer, 0, 64));
    const nadiaKeys = texts.nadia.map((t) => Buffer.from(textKey(t), 'hex'));
    expect(nadiaVectors.every((v) => cacheBytes().includes(v))).toBe(true);
    expect(nadiaKeys.every((k) => cacheBytes().includes(k))).toBe(true);

    const erasure = await eraseSubject(embeddedAuditedFabric(fabric), TENANT, 'nadia');
    expect(erasure).toMatchObject({ keysDestroyed: 1, units: 3, walTruncated: true });

    expect(await cache.get(embedder.modelId, texts.nadia.map(textKey), 32)).toEqual([undefined, undefined, undefined]);
    expect((await cache.get(embedder.modelId, texts.tomas.map(textKey), 32)).every((v) => v !== undefined)).toBe(true);
    expect(cache.size).toBe(3);
    const bytes = cacheBytes();
    expect(nadiaVectors.filter((v) => bytes.includes(v))).toEqual([]);
    expect(nadiaKeys.filter((k) => bytes.includes(k))).toEqual([]);
    expect(tomasVectors.every((v) => bytes.includes(v))).toBe(true);

    // a new fabric on the same directory rebuilds the vectors without calling the model
    await fabric.close();
    embedder.asked.length = 0;
    fabric = await EmbeddedFabric.open({ dataDir, masterKey, embedder, batchSize: 4 });
    await fabric.rebuild('vectors');
    expect(embedder.asked).toEqual([]);
    expect(fabric.embeddingCacheStats()).toEqual({ hits: 3, misses: 0 });
    expect(fabric.embeddingCache!.size).toBe(3);
  });

  it('can be turned off: the model embeds every text again and the cache file is left alone', async () => {
    // chDB binds one data directory per process: reopen the same one without the cache
    await fabric.close();
    const before = readFileSync(cacheFile);
    embedder.asked.length = 0;
    fabric = await EmbeddedFabric.open({ dataDir, masterKey, embedder, batchSize: 4, embeddingCache: false });
    expect(fabric.embeddingCache).toBeUndefined();
    await fabric.rebuild('vectors');
    expect(embedder.asked.sort()).toEqual([...texts.tomas].sort());
    expect(fabric.embeddingCacheStats()).toBeUndefined();
    expect(readFileSync(cacheFile).equals(before)).toBe(true);
  });
});
