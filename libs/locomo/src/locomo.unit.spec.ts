import { describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { derivedEventId, normalizeEvent } from '@memfabric/events';
import { locomoEvents, parseLocomoDate, readLocomo } from './locomo.js';

const sample = [
  {
    sample_id: 'conv-x',
    conversation: {
      speaker_a: 'Ana',
      speaker_b: 'Ben',
      session_2_date_time: '10:04 am on 19 June, 2023',
      session_2: [{ speaker: 'Ben', dia_id: 'D2:1', text: 'Back from Lisbon.' }],
      session_1_date_time: '1:56 pm on 8 May, 2023',
      session_1: [
        { speaker: 'Ana', dia_id: 'D1:1', text: 'Hi Ben!' },
        { speaker: 'Ben', dia_id: 'D1:2', text: 'Look at this.', img_url: ['https://example.org/a.jpg'], blip_caption: 'a photo of a dog', query: 'dog' },
      ],
      session_3_date_time: '9:00 am on 1 July, 2023',
    },
    qa: [{ question: 'Where was Ben?', answer: 'Lisbon', evidence: ['D2:1'], category: 4 }],
  },
];

describe('LoCoMo reader', () => {
  it('parses session dates as UTC wall-clock times', () => {
    expect(parseLocomoDate('1:56 pm on 8 May, 2023')).toBe('2023-05-08T13:56:00.000Z');
    expect(parseLocomoDate('12:09 am on 13 September, 2023')).toBe('2023-09-13T00:09:00.000Z');
    expect(parseLocomoDate('yesterday')).toBeUndefined();
  });

  it('orders sessions numerically and ignores a date without turns', () => {
    const [conv] = readLocomo(sample);
    expect(conv!.sessions.map((s) => s.key)).toEqual(['session_1', 'session_2']);
    expect(conv!.questions).toHaveLength(1);
  });

  it('turns every dialog turn into a valid interaction.recorded event', () => {
    const events = [...locomoEvents(readLocomo(sample))];
    expect(events).toHaveLength(3);
    expect(events.map((e) => [e.tenantid, e.streamid, e.actor, e.subject, e.time])).toEqual([
      ['conv-x', 'session_1', 'Ana', 'D1:1', '2023-05-08T13:56:00.000Z'],
      ['conv-x', 'session_1', 'Ben', 'D1:2', '2023-05-08T13:56:00.000Z'],
      ['conv-x', 'session_2', 'Ben', 'D2:1', '2023-06-19T10:04:00.000Z'],
    ]);
    expect(events[1]!.data).toMatchObject({
      content: 'Look at this. [shared an image: a photo of a dog]',
      sourceref: 'D1:2',
      attachments: [{ mediatype: 'image/jpeg', url: 'https://example.org/a.jpg', caption: 'a photo of a dog', query: 'dog' }],
    });
    for (const e of events) expect(() => normalizeEvent(e)).not.toThrow();
    expect([...locomoEvents(readLocomo(sample), { tenant: 'mine' })].every((e) => e.tenantid === 'mine')).toBe(true);
  });

  it('derives each event id from its tenant and idempotency key, so two imports write the same log', () => {
    const ids = [...locomoEvents(readLocomo(sample))].map((e) => e.id);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...locomoEvents(readLocomo(sample))].map((e) => e.id)).toEqual(ids);
    expect(ids[0]).toBe(derivedEventId('conv-x\nlocomo:conv-x:D1:1'));
    const other = [...locomoEvents(readLocomo(sample), { tenant: 'mine' })].map((e) => e.id);
    expect(other.some((id) => ids.includes(id))).toBe(false);
  });

  it.each([
    [{ not: 'an array' }, /JSON array/],
    [[{ sample_id: 'c', conversation: { speaker_a: 'a' } }], /\/0\/conversation has no session_N turns/],
    [[{ sample_id: 'c', conversation: { session_1: [], session_1_date_time: 'soon' } }], /session_1_date_time must be a date/],
    [[{ sample_id: 'c', conversation: { session_1: [{ speaker: 'a' }], session_1_date_time: '1:56 pm on 8 May, 2023' } }], /a turn needs/],
  ])('rejects a malformed file with a clear message (%#)', (input, message) => {
    const error = (() => {
      try {
        readLocomo(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
    expect((error as Error).message).toMatch(message);
  });

  it('requires questions when asked to', () => {
    expect(() => readLocomo([{ ...sample[0], qa: [] }], { requireQuestions: true })).toThrow(/no questions/);
  });
});
