import { describe, expect, it } from 'vitest';
import { LazyNlpExtractor } from './lazy-nlp.extractor.js';
import { NlpExtractor } from './nlp/nlp.extractor.js';

describe('LazyNlpExtractor', () => {
  it('has the name, version and output of NlpExtractor, loading it on the first extract', async () => {
    const lazy = new LazyNlpExtractor();
    const eager = new NlpExtractor();
    expect([lazy.name, lazy.version]).toEqual([eager.name, eager.version]);
    const inputs = [
      { eventId: '01890000-0000-7000-8000-000000000001', text: 'Caroline went to the LGBTQ support group yesterday.', time: '2023-05-08T13:56:00Z', speaker: 'Caroline' },
      { eventId: '01890000-0000-7000-8000-000000000002', text: 'My coach Ana moved my long runs to Sundays.', time: '2024-03-03T19:10:00Z', speaker: 'Leo', knownEntities: ['Maya', 'Leo'] },
    ];
    for (const input of inputs) expect(await lazy.extract(input)).toEqual(await eager.extract(input));
  });

  it('reports a bad option on the first extract, or on warm', async () => {
    await expect(new LazyNlpExtractor({ maxTextLength: 0 }).extract({ eventId: '01890000-0000-7000-8000-000000000001', text: 'hi', time: '2023-05-08T13:56:00Z' })).rejects.toMatchObject({ code: 'configuration_invalid' });
    await expect(new LazyNlpExtractor({ maxTextLength: 0 }).warm()).rejects.toMatchObject({ code: 'configuration_invalid' });
  });
});
