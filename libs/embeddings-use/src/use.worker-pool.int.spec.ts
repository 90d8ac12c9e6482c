import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { embedderContract } from '@memfabric/embeddings/testing';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import { UseEmbedder, useWorkerPool } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const pool = useWorkerPool({ workers: 2, minTaskTexts: 8 });
const inThread = new UseEmbedder();
afterAll(async () => {
  await pool.close();
  await inThread.dispose();
});

embedderContract('useWorkerPool (USE lite in 2 worker threads)', () => Promise.resolve({ embedder: pool }), { timeoutMs: 120_000, sameTextCosine: 0.9999 });

describe('useWorkerPool', () => {
  it('gives the same model id and, text by text, the same Float32 bytes as UseEmbedder in this thread, in input order', { timeout: 300_000 }, async () => {
    const file = path.resolve(here, '../../../../shared/data/locomo/locomo-dev.json');
    // 120 LoCoMo turns of mixed lengths (the projection's texts), in log order
    const texts = [...locomoEvents(readLocomo(JSON.parse(readFileSync(file, 'utf8')) as unknown))]
      .slice(0, 120)
      .map((e) => (e.data as { content: string; speaker: string }).speaker + ': ' + (e.data as { content: string }).content);
    expect(pool.modelId).toBe(inThread.modelId);
    const [pooled, alone] = [await pool.embed(texts), await inThread.embed(texts)];
    const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
    expect(pooled.map(bytes)).toEqual(alone.map(bytes));
    expect(pool.running).toBe(2);
    // and split otherwise (one text per task): still the same bytes
    const one = useWorkerPool({ workers: 2, minTaskTexts: 1 });
    try {
      const some = texts.slice(0, 6);
      expect((await one.embed(some)).map(bytes)).toEqual(alone.slice(0, 6).map(bytes));
    } finally {
      await one.close();
    }
  });
});
