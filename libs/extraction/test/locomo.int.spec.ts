import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEvent } from '@memfabric/events';
import { readLocomo, type LocomoConversation } from '@memfabric/locomo';
import { CO_OCCURS_WITH, MENTIONS, type ExtractionInput } from '../src/index.js';
import { NlpExtractor } from '../src/nlp/index.js';

// The LoCoMo dev split (Maharana et al., ACL 2024) sits next to the repository.
const FILE = path.resolve(import.meta.dirname, '../../../../shared/data/locomo/locomo-dev.json');
const skipReason = existsSync(FILE) ? undefined : `LoCoMo dev split not found at ${FILE}`;
if (skipReason) console.warn(`[extraction] LoCoMo integration test skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('NlpExtractor on LoCoMo dev turns', () => {
  const conversations: LocomoConversation[] = skipReason ? [] : readLocomo(JSON.parse(readFileSync(FILE, 'utf8')));
  const extractor = new NlpExtractor();
  const inputs: ExtractionInput[] = [];
  for (const c of conversations) {
    for (const s of c.sessions) {
      for (const turn of s.turns) {
        inputs.push({
          eventId: `00000000-0000-7000-8000-${(inputs.length + 1).toString(16).padStart(12, '0')}`,
          text: turn.text,
          time: s.time,
          speaker: turn.speaker,
          knownEntities: c.speakers,
        });
      }
    }
  }

  it('reads the first session against its own date: "yesterday" in a turn of 8 May 2023 is 7 May', () => {
    const turn = inputs.find((i) => i.text.startsWith('I went to a LGBTQ support group yesterday'));
    expect(turn?.time).toBe('2023-05-08T13:56:00.000Z');
    const data = extractor.extractSync(turn!);
    expect(data.times).toContainEqual({ text: 'yesterday', start: '2023-05-07T00:00:00.000Z', end: '2023-05-08T00:00:00.000Z' });
    expect(data.entities).toContainEqual(expect.objectContaining({ name: 'LGBTQ support group', type: 'thing' }));
    expect(data.relations).toContainEqual({
      subject: 'Caroline',
      predicate: 'went to',
      object: 'LGBTQ support group',
      validfrom: '2023-05-07T00:00:00.000Z',
    });
  });

  it('gives every sampled turn schema-valid output with entities and speaker mentions', { timeout: 60_000 }, () => {
    const sample = inputs.filter((_, i) => i % 6 === 0);
    let withEntities = 0;
    let mentionsOfSpeakers = 0;
    for (const input of sample) {
      const data = extractor.extractSync(input);
      const problems = checkEvent({ source: 'urn:memfabric:test', type: 'facts.extracted', time: input.time, tenantid: 't', streamid: 's', actor: 'x', data });
      expect(problems, input.text).toEqual([]);
      if (data.entities.length > 0) withEntities += 1;
      for (const r of data.relations) {
        if (r.predicate === MENTIONS) expect(r.subject).toBe(input.speaker);
        if (r.predicate === CO_OCCURS_WITH) expect(r.subject < r.object).toBe(true);
        if (r.predicate === MENTIONS && input.knownEntities?.includes(r.object)) mentionsOfSpeakers += 1;
      }
    }
    expect(sample.length).toBeGreaterThan(400);
    expect(withEntities / sample.length).toBeGreaterThan(0.7);
    expect(mentionsOfSpeakers).toBeGreaterThan(50);
  });
});
