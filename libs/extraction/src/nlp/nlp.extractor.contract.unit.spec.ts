import { describe, expect, it } from 'vitest';
import { extractorContract } from '../testing/index.js';
import { NlpExtractor } from './nlp.extractor.js';

extractorContract('NlpExtractor', () => Promise.resolve({ extractor: new NlpExtractor(), teardown: () => Promise.resolve() }));

// The contract's assertions live in `extractorContract`; this pins the identity that
// facts.extracted events and their idempotency keys carry.
describe('NlpExtractor identity', () => {
  it('names itself memfabric-nlp with a semantic version', () => {
    const extractor = new NlpExtractor();
    expect(extractor.name).toBe('memfabric-nlp');
    expect(extractor.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
