import { describe, expect, it } from 'vitest';
import { ValidationError } from './generated/errors/index.js';
import { checkEvent } from '@memfabric/events';
import { assertedMemoryEvent, correctionEvent, interactionEvent, retractionEvent } from './event-builders.js';

const SOURCE = 'urn:test';
const base = { tenant: 'acme', stream: 'planner-session-1', actor: 'user:maya' };

describe('event builders', () => {
  it('build an interaction like the samples: current dataschema, UUIDv7 id, role user, kind message', () => {
    const event = interactionEvent({ ...base, content: 'Please book me a vegetarian meal.', time: new Date('2024-03-05T09:00:00Z'), idempotencyKey: 'k-1', speaker: 'Maya' }, SOURCE);
    expect(event).toMatchObject({
      specversion: '1.0',
      source: SOURCE,
      type: 'interaction.recorded',
      time: '2024-03-05T09:00:00.000Z',
      dataschema: 'urn:memfabric:schema:interaction.recorded:v2',
      tenantid: 'acme',
      streamid: 'planner-session-1',
      actor: 'user:maya',
      idempotencykey: 'k-1',
      data: { kind: 'message', role: 'user', content: 'Please book me a vegetarian meal.', speaker: 'Maya' },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(checkEvent(event)).toEqual([]);
  });

  it('build an asserted memory whose memory id and subject default to the event id', () => {
    const event = assertedMemoryEvent({ ...base, content: 'Maya is vegetarian.', memoryType: 'preference', validFrom: '2024-03-05T09:00:00Z', confidence: 0.9 }, SOURCE);
    expect(event.data).toEqual({ memoryid: event.id, memorytype: 'preference', content: 'Maya is vegetarian.', validfrom: '2024-03-05T09:00:00Z', confidence: 0.9 });
    expect(event.subject).toBe(event.id);
    expect(event.dataschema).toBe('urn:memfabric:schema:memory.asserted:v1');
    const keyed = assertedMemoryEvent({ ...base, content: 'x', memoryType: 'fact', idempotencyKey: 'fact-1' }, SOURCE);
    expect(keyed.data.memoryid).toBe('fact-1');
  });

  it('build corrections and retractions aimed at a unit', () => {
    const target = '018e3a10-0000-7000-8000-000000000003';
    const correction = correctionEvent({ ...base, supersedes: target, content: 'Maya is vegan.', reason: 'user said so' }, SOURCE);
    expect(correction).toMatchObject({ type: 'memory.corrected', subject: target, data: { supersedes: target, content: 'Maya is vegan.', reason: 'user said so' } });
    const retraction = retractionEvent({ ...base, target }, SOURCE);
    expect(retraction).toMatchObject({ type: 'memory.retracted', subject: target, data: { target } });
  });

  it('refuse input that breaks the event contract, naming every field, before anything is sent', () => {
    let error: unknown;
    try {
      interactionEvent({ tenant: 'bad tenant!', stream: '', actor: 'a', content: 'x', role: 'robot' as never }, SOURCE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const pointers = (error as ValidationError).problems.map((p) => p.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/tenantid', '/streamid']));
    expect(() => assertedMemoryEvent({ ...base, content: 'x', memoryType: 'opinion' as never }, SOURCE)).toThrow(/\/data\/memorytype/);
    expect(() => retractionEvent({ ...base, target: 'not-a-uuid' }, SOURCE)).toThrow(/\/data\/target/);
    expect(() => interactionEvent({ ...base, content: 'x', time: new Date('nope') }, SOURCE)).toThrow(ValidationError);
  });
});
