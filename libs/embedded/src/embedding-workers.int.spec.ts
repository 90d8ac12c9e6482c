import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CachingEmbedder, LruEmbeddingCache } from '@memfabric/embeddings';
import { UseEmbedder, WorkerPoolEmbedder } from '@memfabric/embeddings-use';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { EmbeddedFabric } from './embedded-fabric.js';
import { pooledModelEmbedderFromEnv } from './embedder.config.js';

describe('the embedded fabric with USE lite in worker threads', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-embedding-workers-'));
  const inThread = new UseEmbedder();
  afterAll(async () => {
    await inThread.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('indexes the same vector bytes as the model in this thread, and terminates the workers on close', async () => {
    const pool = pooledModelEmbedderFromEnv({ MEMFABRIC_EMBEDDING_WORKERS: '2' });
    expect(pool).toBeInstanceOf(WorkerPoolEmbedder);
    const fabric = await EmbeddedFabric.open({
      dataDir: dir,
      masterKey: randomBytes(32),
      embedder: new CachingEmbedder(pool, { cache: new LruEmbeddingCache({ maxEntries: 100 }) }),
      embeddingCache: false,
    });
    let closed = false;
    try {
      const tenant = uniqueTenant('workers');
      const contents = Array.from({ length: 80 }, (_, i) => `Turn ${i}: ${'we talked about the lake and the painting '.slice(0, 10 + ((i * 7) % 30))}`);
      await fabric.log.append(contents.map((content) => interaction(tenant, 's1', content, { data: { kind: 'message', role: 'user', content, speaker: 'Mel' } })));
      await fabric.catchUp();
      expect((pool as WorkerPoolEmbedder).running).toBe(2);
      const prefix = fabric.vectorIndexes()!.vectors.tablePrefix;
      const rows = fabric.log.db.prepare<[], { text: string; vector: Buffer }>(`SELECT text, vector FROM ${prefix}_points ORDER BY log_offset`).all();
      expect(rows).toHaveLength(contents.length);
      const expected = await inThread.embed(rows.map((r) => r.text));
      expect(rows.map((r) => r.vector.toString('base64'))).toEqual(expected.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')));
      await fabric.close();
      closed = true;
      expect((pool as WorkerPoolEmbedder).running).toBe(0);
      await expect(pool.embed(['after close'])).rejects.toThrow(/WorkerPoolEmbedder is closed/);
    } finally {
      if (!closed) await fabric.close();
    }
  });
});
