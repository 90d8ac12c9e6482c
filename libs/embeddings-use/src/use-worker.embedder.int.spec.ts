import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, UnavailableError, ValidationError } from '@memfabric/errors';
import { embedderContract } from '@memfabric/embeddings/testing';
import { UseEmbedder, UseWorkerEmbedder } from './index.js';

const shared = new UseWorkerEmbedder({ maxBatch: 16 });
embedderContract('UseWorkerEmbedder (USE lite in a worker thread)', () => Promise.resolve({ embedder: shared, teardown: () => shared.dispose() }), {
  timeoutMs: 60_000,
  sameTextCosine: 0.9999,
});

describe('UseWorkerEmbedder', { timeout: 60_000 }, () => {
  const inThread = new UseEmbedder({ maxBatch: 16 });
  const worker = new UseWorkerEmbedder({ maxBatch: 16 });
  afterAll(async () => {
    await Promise.all([inThread.dispose(), worker.dispose()]);
  });

  it('returns the bytes UseEmbedder returns, under the same model id', async () => {
    const texts = ['Caroline went to an LGBTQ support group yesterday.', 'hi', 'What did Melanie paint last May?', 'Caroline: I went to a support group'];
    const [fromWorker, local] = await Promise.all([worker.embed(texts), inThread.embed(texts)]);
    expect(worker.modelId).toBe(inThread.modelId);
    expect(fromWorker.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex'))).toEqual(
      local.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')),
    );
  });

  it('keeps the calling thread free while the worker infers (the in-thread embedder blocks it)', async () => {
    await Promise.all([worker.load(), inThread.load()]);
    const long = (seed: string) => Array.from({ length: 40 }, (_, i) => `${seed} sentence ${i} about painting sunsets by the lake`).join('. ');
    /** Timer ticks (1 ms interval) on this thread while `embedder` embeds one long text. */
    const ticksDuring = async (embedder: UseEmbedder | UseWorkerEmbedder, seed: string) => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const started = performance.now();
      await embedder.embed([long(seed)]);
      clearInterval(timer);
      return { ticks, ms: performance.now() - started };
    };
    await ticksDuring(inThread, 'warm');
    await ticksDuring(worker, 'warm');
    const local = await ticksDuring(inThread, 'local');
    const offThread = await ticksDuring(worker, 'worker');
    // in this thread the graph runs synchronously: hardly a tick gets through; in the worker the
    // timer keeps firing for most of the call
    expect(offThread.ticks).toBeGreaterThan(Math.max(5, 3 * local.ticks));
  });

  it('rejects a blank text on the calling thread, before anything is posted', async () => {
    const fresh = new UseWorkerEmbedder();
    await expect(fresh.embed(['ok', '  '])).rejects.toBeInstanceOf(ValidationError);
    await fresh.dispose();
  });

  it('fails calls waiting on a stopped worker as unavailable, and starts a new worker on the next call', async () => {
    const e = new UseWorkerEmbedder();
    const failed = expect(e.embed(['a text whose worker is stopped'])).rejects.toBeInstanceOf(UnavailableError);
    await e.dispose();
    await failed;
    await expect(e.embed(['a text for the new worker'])).resolves.toHaveLength(1);
    await e.dispose();
  });

  it('checks its options on construction, as UseEmbedder', () => {
    expect(() => new UseWorkerEmbedder({ maxBatch: 0 })).toThrow(ConfigurationError);
  });
});
