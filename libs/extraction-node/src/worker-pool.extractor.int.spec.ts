import { afterAll, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { extractionInput, extractorContract, SAMPLE_TURNS } from '@memfabric/extraction/testing';
import { NlpExtractor } from '@memfabric/extraction/nlp';
import { WorkerPoolExtractor } from './worker-pool.extractor.js';

extractorContract('WorkerPoolExtractor', () => {
  const extractor = new WorkerPoolExtractor({ workers: 2 });
  return Promise.resolve({ extractor, teardown: () => extractor.close() });
});

describe('WorkerPoolExtractor', () => {
  const pool = new WorkerPoolExtractor({ workers: 2, extractor: { maxTextLength: 40 } });
  afterAll(() => pool.close());

  it('records what NlpExtractor records, with its name, version and options', async () => {
    const inThread = new NlpExtractor({ maxTextLength: 40 });
    expect([pool.name, pool.version]).toEqual([inThread.name, inThread.version]);
    expect(pool.running).toBe(0); // nothing starts before the first call
    const inputs = [...SAMPLE_TURNS, 'Melanie, I started a pottery class last week and I finished my first bowl on Saturday!'].map((text) => extractionInput(text));
    const pooled = await Promise.all(inputs.map((input) => pool.extract(input)));
    expect(pool.running).toBe(2);
    expect(pooled).toEqual(inputs.map((input) => inThread.extractSync(input)));
    // the option reached the threads: text past 40 characters is not read
    expect(pooled.at(-1)!.times.some((t) => /saturday/i.test(t.text))).toBe(false);
  });

  it('rejects bad input with the error code and field problems of the thread', async () => {
    const error: unknown = await pool.extract(extractionInput('hello', { eventId: 'not-a-uuid' })).catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
    expect((error as Error).message).toMatch(/^extraction worker: /);
  });

  it('warms every thread before the first call, and a bad option fails the warm-up', async () => {
    const warmed = new WorkerPoolExtractor({ workers: 2 });
    try {
      await warmed.warm();
      expect(warmed.running).toBe(2);
      await warmed.warm(); // again: the threads are the same
      expect(warmed.running).toBe(2);
      const input = extractionInput(SAMPLE_TURNS[0]!);
      expect(await warmed.extract(input)).toEqual(new NlpExtractor().extractSync(input));
    } finally {
      await warmed.close();
    }
    await expect(warmed.warm()).rejects.toThrow('WorkerPoolExtractor is closed');
    const bad = new WorkerPoolExtractor({ workers: 1, extractor: { maxTextLength: 0 } });
    try {
      await expect(bad.warm()).rejects.toMatchObject({ code: 'configuration_invalid', message: expect.stringMatching(/^extraction worker: /) as string });
    } finally {
      await bad.close();
    }
  });

  it('refuses an option out of range, and calls after close', async () => {
    expect(() => new WorkerPoolExtractor({ workers: 0 })).toThrow(/workers must be an integer in 1\.\.16/);
    const bad = new WorkerPoolExtractor({ workers: 1, extractor: { maxTextLength: 0 } });
    const error: unknown = await bad.extract(extractionInput('hello')).catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('configuration_invalid');
    await bad.close();
    expect(bad.running).toBe(0);
    await expect(bad.extract(extractionInput('hello'))).rejects.toThrow('WorkerPoolExtractor is closed');
  });
});
