import { describe, expect, it } from 'vitest';
import { MemfabricError, ValidationError } from '@memfabric/errors';
import { prepareLocomoEvaluation } from './dataset.js';

const conversation = (sampleId: string, qa: unknown[]) => ({
  sample_id: sampleId,
  conversation: {
    speaker_a: 'Ana',
    speaker_b: 'Ben',
    session_1_date_time: '1:56 pm on 8 May, 2023',
    session_1: [
      { speaker: 'Ana', dia_id: 'D1:1', text: 'Hi Ben!' },
      { speaker: 'Ben', dia_id: 'D1:2', text: 'I adopted a dog.' },
    ],
    session_2_date_time: '10:04 am on 19 June, 2023',
    session_2: [{ speaker: 'Ben', dia_id: 'D2:1', text: 'Back from Lisbon.' }],
    // a date without turns (a quirk of the published file): not the last session
    session_3_date_time: '9:00 am on 1 July, 2023',
  },
  qa,
});

function validationError(input: unknown): ValidationError {
  try {
    prepareLocomoEvaluation(input);
  } catch (error) {
    if (MemfabricError.is(error) && error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('preparing a LoCoMo file for evaluation', () => {
  it('resolves evidence, counts dropped ids and takes the last session with turns as reference time', () => {
    const dataset = prepareLocomoEvaluation([
      conversation('c1', [
        { question: 'Where was Ben?', answer: 'Lisbon', evidence: ['D2:1'], category: 4 },
        { question: 'What did Ben adopt and where did he go?', answer: 'x', evidence: ['D1:2; D:2:1'], category: 1 },
        { question: 'What is Ana afraid of?', adversarial_answer: 'x', evidence: ['D', 'D9:9'], category: 5 },
      ]),
      conversation('c2', [{ question: 'Hello?', answer: 'Hi', evidence: ['D1:01'], category: 4 }]),
    ]);
    expect(dataset.turns).toBe(6);
    expect(dataset.questions.map((q) => [q.sampleId, q.index, q.category, q.evidence])).toEqual([
      ['c1', 0, 4, ['D2:1']],
      ['c1', 1, 1, ['D1:2', 'D2:1']],
      ['c1', 2, 5, []],
      ['c2', 0, 4, ['D1:1']],
    ]);
    expect(dataset.scored).toHaveLength(3);
    expect(dataset.dropped).toEqual([
      { sampleId: 'c1', question: 2, token: 'D', raw: 'D', reason: 'malformed' },
      { sampleId: 'c1', question: 2, token: 'D9:9', raw: 'D9:9', reason: 'no-such-turn' },
    ]);
    expect(new Set(dataset.questions.map((q) => q.referenceTime))).toEqual(new Set(['2023-06-19T10:04:00.000Z']));
  });

  it.each([
    ['not an array', { conversations: [] }, /JSON array/],
    ['an empty array', [], /holds no conversations/],
    ['an item without sample_id', [{ conversation: {}, qa: [] }], /\/0 must be an object with a string sample_id/],
    ['a conversation without sessions', [{ sample_id: 'c', conversation: { speaker_a: 'a' }, qa: [{ question: 'q', evidence: [], category: 1 }] }], /\/0\/conversation has no session_N turns/],
    ['no qa items', [conversation('c', [])], /\/0\/qa has no questions/],
    ['qa missing', [{ ...conversation('c', []), qa: undefined }], /\/0\/qa has no questions/],
    ['a question without text', [conversation('c', [{ evidence: ['D1:1'], category: 1 }])], /\/0\/qa\/0\/question must be a non-empty string/],
    ['evidence not a list', [conversation('c', [{ question: 'q', evidence: 'D1:1', category: 1 }])], /\/0\/qa\/0\/evidence must be an array/],
    ['a category that is no integer', [conversation('c', [{ question: 'q', evidence: [], category: 'hop' }])], /\/0\/qa\/0\/category must be an integer/],
    ['a repeated sample_id', [conversation('c', [{ question: 'q', evidence: [], category: 1 }]), conversation('c', [{ question: 'q', evidence: [], category: 1 }])], /\/1\/sample_id repeats "c" of \/0/],
    [
      'sessions without turns',
      [{ sample_id: 'c', conversation: { session_1: [], session_1_date_time: '1:56 pm on 8 May, 2023' }, qa: [{ question: 'q', evidence: [], category: 1 }] }],
      /\/0\/conversation has sessions but no turns/,
    ],
  ])('rejects %s with a clear message', (_name, input, message) => {
    const error = validationError(input);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('names every problem at once', () => {
    const error = validationError([
      conversation('c', [{ question: '', evidence: [1], category: 1.5 }]),
      { sample_id: 'd', conversation: { speaker_a: 'x' } },
    ]);
    expect(error.problems.map((p) => p.pointer).sort()).toEqual(['/0/qa/0/category', '/0/qa/0/evidence', '/0/qa/0/question', '/1/conversation', '/1/qa'].sort());
  });
});
