import { describe, it, expect } from 'vitest';
import { MemfabricError, UnavailableError } from '@memfabric/errors';
import { embedderContract } from './testing/index.js';
import { BatchingEmbedder, HashEmbedder, mapInBatches, type Embedder } from './index.js';

/** An inner embedder that records each call and lets the test decide when a call completes. */
class ScriptedEmbedder implements Embedder {
  readonly modelId = 'scripted@1';
  readonly dimensions = 8;
  readonly calls: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly hash = new HashEmbedder({ dimensions: 8 });
  private readonly pending: (() => void)[] = [];
  constructor(private readonly behaviour: { gate?: boolean; failOnCall?: number; shortOnCall?: number } = {}) {}

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const call = this.calls.push([...texts]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.behaviour.gate) await new Promise<void>((resolve) => this.pending.push(resolve));
      if (call === this.behaviour.failOnCall) throw new UnavailableError(`call ${call} failed`);
      const vectors = await this.hash.embed(texts);
      return call === this.behaviour.shortOnCall ? vectors.slice(1) : vectors;
    } finally {
      this.inFlight--;
    }
  }

  /** Lets every gated call that is waiting complete; returns how many. */
  release(): number {
    const waiting = this.pending.splice(0);
    for (const resolve of waiting) resolve();
    return waiting.length;
  }
}

async function drain(inner: ScriptedEmbedder, work: Promise<unknown>): Promise<void> {
  let settled = false;
  const done = work.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    inner.release();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
}

embedderContract('BatchingEmbedder(HashEmbedder, maxBatch 4, concurrency 3)', () =>
  Promise.resolve({ embedder: new BatchingEmbedder(new HashEmbedder(), { maxBatch: 4, concurrency: 3 }) }), { semantic: false });

describe('BatchingEmbedder', () => {
  const texts = Array.from({ length: 10 }, (_, i) => `text number ${i}`);

  it('splits into batches of at most maxBatch and returns vectors in input order', async () => {
    const inner = new ScriptedEmbedder();
    const vectors = await new BatchingEmbedder(inner, { maxBatch: 3 }).embed(texts);
    expect(inner.calls.map((c) => c.length)).toEqual([3, 3, 3, 1]);
    expect(inner.calls.flat()).toEqual(texts);
    const direct = await new HashEmbedder({ dimensions: 8 }).embed(texts);
    expect(vectors.map((v) => Array.from(v))).toEqual(direct.map((v) => Array.from(v)));
  });

  it('keeps at most `concurrency` inner calls in flight', async () => {
    const inner = new ScriptedEmbedder({ gate: true });
    const work = new BatchingEmbedder(inner, { maxBatch: 2, concurrency: 2 }).embed(texts);
    await drain(inner, work);
    expect(inner.calls).toHaveLength(5);
    expect(inner.maxInFlight).toBe(2);
  });

  it('starts no batch after a failure and rethrows the first error', async () => {
    const inner = new ScriptedEmbedder({ failOnCall: 2 });
    const error = await new BatchingEmbedder(inner, { maxBatch: 3 }).embed(texts).catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('unavailable');
    expect((error as Error).message).toBe('call 2 failed');
    expect(inner.calls).toHaveLength(2);
  });

  it('waits for batches in flight before rejecting', async () => {
    const inner = new ScriptedEmbedder({ gate: true, failOnCall: 1 });
    const work = new BatchingEmbedder(inner, { maxBatch: 2, concurrency: 3 }).embed(texts);
    await drain(inner, work);
    await expect(work).rejects.toThrow('call 1 failed');
    expect(inner.inFlight).toBe(0);
    expect(inner.calls).toHaveLength(3);
  });

  it('reports an inner embedder that returns too few vectors as unavailable', async () => {
    const error = await new BatchingEmbedder(new ScriptedEmbedder({ shortOnCall: 1 }), { maxBatch: 4 }).embed(texts).catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('unavailable');
  });

  it('validates every text before calling the inner embedder', async () => {
    const inner = new ScriptedEmbedder();
    await expect(new BatchingEmbedder(inner, { maxBatch: 2 }).embed(['a', 'b', ' '])).rejects.toMatchObject({ code: 'validation_failed' });
    expect(inner.calls).toEqual([]);
  });

  it('passes modelId and dimensions through', () => {
    const b = new BatchingEmbedder(new HashEmbedder({ dimensions: 32 }), { maxBatch: 8 });
    expect([b.modelId, b.dimensions]).toEqual([new HashEmbedder({ dimensions: 32 }).modelId, 32]);
  });

  it('rejects a bad maxBatch or concurrency with a ConfigurationError', () => {
    expect(() => new BatchingEmbedder(new HashEmbedder(), { maxBatch: 0 })).toThrow(/maxBatch must be an integer/);
    expect(() => new BatchingEmbedder(new HashEmbedder(), { maxBatch: 2, concurrency: 1.5 })).toThrow(/concurrency must be an integer/);
  });
});

describe('mapInBatches', () => {
  it('returns [] for no items without calling run', async () => {
    let calls = 0;
    expect(await mapInBatches([], 3, 2, () => Promise.resolve([++calls]))).toEqual([]);
    expect(calls).toBe(0);
  });

  it('passes each batch with the index of its first item', async () => {
    const seen: [number[], number][] = [];
    const out = await mapInBatches([1, 2, 3, 4, 5], 2, 3, (batch, start) => {
      seen.push([[...batch], start]);
      return Promise.resolve(batch.map((x) => x * 10));
    });
    expect(out).toEqual([10, 20, 30, 40, 50]);
    expect(seen.sort((a, b) => a[1] - b[1])).toEqual([
      [[1, 2], 0],
      [[3, 4], 2],
      [[5], 4],
    ]);
  });
});
