import { describe, expect, it } from 'vitest';
import { ExactVectorIndex } from './exact.vector-index.js';
import { InMemoryLexicalIndex } from './memory.lexical-index.js';
import { lexicalIndexContract, point, TEST_MODEL, uniqueTenant, vectorIndexContract } from './testing/index.js';
import { TopK } from './vector-math.js';

vectorIndexContract('exact (in memory)', (model) => {
  const index = new ExactVectorIndex({ model });
  return Promise.resolve({ index, teardown: () => index.close() });
});

lexicalIndexContract('BM25 (in memory)', () => {
  const index = new InMemoryLexicalIndex();
  return Promise.resolve({ index, teardown: () => index.close() });
});

describe('ExactVectorIndex', () => {
  it('rejects a missing or malformed model with a message saying what to fix', () => {
    expect(() => new ExactVectorIndex({ model: { id: '', dimension: 512 } })).toThrow(/model.id must be a non-empty string/);
    expect(() => new ExactVectorIndex({ model: { id: 'm', dimension: 0 } })).toThrow(/model.dimension must be an integer/);
  });

  it('refuses calls after close', async () => {
    const index = new ExactVectorIndex({ model: TEST_MODEL });
    await index.close();
    await expect(index.upsert([point(uniqueTenant(), 'x')])).rejects.toMatchObject({ code: 'unavailable', retriable: false });
  });
});

describe('TopK', () => {
  it('keeps the k best with ties broken by id', () => {
    const top = new TopK(3);
    for (const [id, score] of [['e', 0.1], ['d', 0.9], ['c', 0.5], ['b', 0.5], ['a', 0.2], ['f', 0.5]] as const) top.offer(id, score);
    expect(top.hits()).toEqual([
      { id: 'd', score: 0.9, rank: 1 },
      { id: 'b', score: 0.5, rank: 2 },
      { id: 'c', score: 0.5, rank: 3 },
    ]);
    expect(top.threshold).toBe(0.5);
  });
});
