import { describe, it, expect } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { embedderContract } from './testing/index.js';
import { HashEmbedder, dot, l2Norm, murmur3 } from './index.js';

embedderContract('HashEmbedder', () => Promise.resolve({ embedder: new HashEmbedder() }), { semantic: false });
embedderContract('HashEmbedder (64 dims, words only)', () => Promise.resolve({ embedder: new HashEmbedder({ dimensions: 64, charWeight: 0 }) }), {
  semantic: false,
});

describe('murmur3 (MurmurHash3_x86_32 over UTF-8)', () => {
  it('matches the reference implementation', () => {
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('hello', 0)).toBe(613153351);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
  });
});

describe('HashEmbedder', () => {
  it('names every parameter and the algorithm version in its model id', () => {
    expect(new HashEmbedder().modelId).toBe('hash-256:n3-5:w1:c0.25:s0@memfabric-hash-v1');
    expect(new HashEmbedder({ dimensions: 32, seed: 7 }).modelId).toBe('hash-32:n3-5:w1:c0.25:s7@memfabric-hash-v1');
  });

  it('gives the same vector on every run and platform (pinned values)', async () => {
    const [v] = await new HashEmbedder({ dimensions: 16 }).embed(['Caroline went to the support group.']);
    expect(Array.from(v!, (x) => Math.round(x * 1e4) / 1e4)).toMatchInlineSnapshot(`
      [
        -0.0667,
        0.3333,
        -0.0667,
        0.2,
        0,
        0.2,
        0.1333,
        0.2667,
        0,
        -0.0667,
        -0.0667,
        0.2667,
        0,
        -0.4,
        -0.6,
        0.3333,
      ]
    `);
  });

  it('gives close vectors to word forms that share n-grams and unrelated ones to different words', async () => {
    const e = new HashEmbedder({ dimensions: 1024 });
    const [paint, painting, invoice] = await e.embed(['paint', 'painting', 'invoice']);
    expect(dot(paint!, painting!)).toBeGreaterThan(0.25);
    expect(Math.abs(dot(paint!, invoice!))).toBeLessThan(0.2);
  });

  it('is case- and Unicode-normalisation-insensitive', async () => {
    const [a, b] = await new HashEmbedder().embed(['Café NOIR', 'cafe\u0301 noir']);
    expect(dot(a!, b!)).toBeCloseTo(1, 6);
  });

  it('embeds texts without letters or digits from their symbols', async () => {
    const [a, b] = await new HashEmbedder().embed(['?!', '🎉']);
    expect(l2Norm(a!)).toBeCloseTo(1, 5);
    expect(l2Norm(b!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeLessThan(0.99);
  });

  it('changes the vector space with the seed', async () => {
    const [a] = await new HashEmbedder({ seed: 1 }).embed(['same text']);
    const [b] = await new HashEmbedder({ seed: 2 }).embed(['same text']);
    expect(dot(a!, b!)).toBeLessThan(0.5);
  });

  it('rejects out-of-range options with a ConfigurationError naming each one', () => {
    const error = (() => {
      try {
        return new HashEmbedder({ dimensions: 1, minN: 0, maxN: 40, wordWeight: -1, seed: 1.5 });
      } catch (e) {
        return e;
      }
    })();
    expect(MemfabricError.is(error) && error.code).toBe('configuration_invalid');
    const message = (error as Error).message;
    for (const field of ['dimensions', 'minN', 'maxN', 'wordWeight', 'seed']) expect(message).toContain(field);
    expect(() => new HashEmbedder({ wordWeight: 0, charWeight: 0 })).toThrow(/both be 0/);
  });
});
