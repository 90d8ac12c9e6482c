import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@memfabric/events';
import { flattenEvent } from './flatten.js';

function stored(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    specversion: '1.0',
    id: '018f3a5e-0000-7000-8000-000000000001',
    source: 'urn:agent:planner',
    type: 'interaction.recorded',
    subject: 'D1:3',
    time: '2023-05-08T13:56:00.000Z',
    dataschema: 'urn:memfabric:schema:interaction.recorded:v2',
    datacontenttype: 'application/json',
    tenantid: 'conv-26',
    streamid: 'session_1',
    actor: 'caroline',
    datasubject: 'caroline',
    batchid: 'b-1',
    recordedat: '2026-11-22T05:00:00.123Z',
    partition: 2,
    offset: 41,
    streamposition: 7,
    prevhash: '0'.repeat(64),
    hash: 'f'.repeat(64),
    data: { kind: 'message', role: 'user', content: 'I went to the LGBTQ support group yesterday.', speaker: 'Caroline' },
    ...overrides,
  };
}

describe('flattenEvent', () => {
  it('given a stored interaction, keeps the envelope, log position and content length', () => {
    expect(flattenEvent(stored())).toEqual({
      eventId: '018f3a5e-0000-7000-8000-000000000001',
      tenantId: 'conv-26',
      streamId: 'session_1',
      streamPosition: 7,
      type: 'interaction.recorded',
      dataschema: 'urn:memfabric:schema:interaction.recorded:v2',
      source: 'urn:agent:planner',
      actor: 'caroline',
      datasubject: 'caroline',
      worldTime: '2023-05-08T13:56:00.000Z',
      recordedAt: '2026-11-22T05:00:00.123Z',
      partition: 2,
      offset: 41,
      batchId: 'b-1',
      contentChars: 44,
      erased: false,
    });
  });

  it('never copies content or any other data field', () => {
    const flat = JSON.stringify(flattenEvent(stored()));
    expect(flat).not.toContain('support group');
    expect(flat).not.toContain('Caroline');
    expect(flat).not.toContain('D1:3');
  });

  it('counts UTF-16 code units, and 0 for events without text content or erased ones', () => {
    expect(flattenEvent(stored({ data: { kind: 'message', role: 'user', content: 'café 🎨' } })).contentChars).toBe(7);
    expect(flattenEvent(stored({ type: 'memory.retracted', data: { target: 'x' } })).contentChars).toBe(0);
    expect(flattenEvent(stored({ erased: true, data: null }))).toMatchObject({ erased: true, contentChars: 0 });
  });
});
