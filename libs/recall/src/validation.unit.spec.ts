import { describe, expect, it } from 'vitest';
import { ValidationError } from '@memfabric/errors';
import { RECALL_LIMITS, type RecallRequest } from './types.js';
import { validateRecallRequest } from './validation.js';

const ok: RecallRequest = { query: 'When did Caroline go to the support group?', scope: { tenant: 'conv-26' } };

/** The pointers of the ValidationError `request` raises (fails when it does not raise one). */
function pointers(request: unknown): string[] {
  try {
    validateRecallRequest(request as RecallRequest);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems.map((p) => p.pointer);
  }
  throw new Error('expected a ValidationError');
}
const refused = (patch: Record<string, unknown>) => pointers({ ...ok, ...patch });

describe('validateRecallRequest', () => {
  it('accepts a minimal request and applies the defaults', () => {
    expect(validateRecallRequest({ ...ok, query: '  padded query  ' })).toEqual({
      query: 'padded query',
      tenant: 'conv-26',
      streams: undefined,
      actors: undefined,
      k: RECALL_LIMITS.defaultK,
      asOf: undefined,
      validAtMs: undefined,
      referenceTimeMs: undefined,
      consistencyToken: undefined,
      consistencyTimeoutMs: RECALL_LIMITS.defaultConsistencyTimeoutMs,
      preset: undefined,
      weights: undefined,
      mmrLambda: undefined,
      caller: 'anonymous',
    });
  });

  it('converts times to ms and merges actors with agents', () => {
    const v = validateRecallRequest({
      ...ok,
      scope: { tenant: 'acme', streams: ['s1'], actors: ['caroline'], agents: ['agent-7', 'caroline'] },
      asOf: { time: '2023-05-08T13:56:00+02:00' },
      validAt: '2023-05-08T13:56:00.250Z',
      referenceTime: '2023-06-01T00:00:00Z',
      weights: { dense: 2, graph: 0 },
      mmrLambda: null,
      caller: 'agent:planner',
    });
    expect(v.asOf).toEqual({ timeMs: Date.parse('2023-05-08T11:56:00Z') });
    expect(v.validAtMs).toBe(Date.parse('2023-05-08T13:56:00.250Z'));
    expect(v.referenceTimeMs).toBe(Date.parse('2023-06-01T00:00:00Z'));
    expect(v.streams).toEqual(['s1']);
    expect(v.actors).toEqual(['caroline', 'agent-7']);
    expect(v.weights).toEqual({ dense: 2, graph: 0 });
    expect(v.mmrLambda).toBeNull();
    expect(v.caller).toBe('agent:planner');
    expect(validateRecallRequest({ ...ok, asOf: { position: 0 } }).asOf).toEqual({ position: 0 });
  });

  it('/query: empty, blank, not a string, over the limit', () => {
    expect(refused({ query: '' })).toEqual(['/query']);
    expect(refused({ query: '   \n ' })).toEqual(['/query']);
    expect(refused({ query: 42 })).toEqual(['/query']);
    expect(pointers({ scope: { tenant: 'acme' } })).toEqual(['/query']);
    expect(refused({ query: 'x'.repeat(2001) })).toEqual(['/query']);
  });

  it('/k: 0, 101, fractional, not a number', () => {
    expect(refused({ k: 0 })).toEqual(['/k']);
    expect(refused({ k: 101 })).toEqual(['/k']);
    expect(refused({ k: 2.5 })).toEqual(['/k']);
    expect(refused({ k: '10' })).toEqual(['/k']);
  });

  it('/scope and /scope/tenant', () => {
    expect(pointers({ query: 'q' })).toEqual(['/scope']);
    expect(refused({ scope: null })).toEqual(['/scope']);
    expect(refused({ scope: {} })).toEqual(['/scope/tenant']);
    expect(refused({ scope: { tenant: '' } })).toEqual(['/scope/tenant']);
    expect(refused({ scope: { tenant: 'has space' } })).toEqual(['/scope/tenant']);
    expect(refused({ scope: { tenant: '-leading-dash' } })).toEqual(['/scope/tenant']);
    expect(refused({ scope: { tenant: 'a'.repeat(65) } })).toEqual(['/scope/tenant']);
    expect(validateRecallRequest({ ...ok, scope: { tenant: 'a'.repeat(64) } }).tenant).toHaveLength(64);
  });

  it('/scope/streams, /scope/actors, /scope/agents: empty, too many, bad values', () => {
    const many = Array.from({ length: 101 }, (_, i) => `s${i}`);
    expect(refused({ scope: { tenant: 'acme', streams: many } })).toEqual(['/scope/streams']);
    expect(refused({ scope: { tenant: 'acme', streams: [] } })).toEqual(['/scope/streams']);
    expect(refused({ scope: { tenant: 'acme', streams: 's1' } })).toEqual(['/scope/streams']);
    expect(refused({ scope: { tenant: 'acme', actors: many } })).toEqual(['/scope/actors']);
    expect(refused({ scope: { tenant: 'acme', agents: many } })).toEqual(['/scope/agents']);
    expect(refused({ scope: { tenant: 'acme', streams: ['ok', '', 7, 'x'.repeat(257)] } })).toEqual(['/scope/streams/1', '/scope/streams/2', '/scope/streams/3']);
  });

  it('/asOf: both, neither, not an object; /asOf/position; /asOf/time not RFC 3339', () => {
    expect(refused({ asOf: { position: 3, time: '2023-05-08T13:56:00Z' } })).toEqual(['/asOf']);
    expect(refused({ asOf: {} })).toEqual(['/asOf']);
    expect(refused({ asOf: 12 })).toEqual(['/asOf']);
    expect(refused({ asOf: null })).toEqual(['/asOf']);
    expect(refused({ asOf: { position: -1 } })).toEqual(['/asOf/position']);
    expect(refused({ asOf: { position: 1.5 } })).toEqual(['/asOf/position']);
    expect(refused({ asOf: { time: '2023-05-08' } })).toEqual(['/asOf/time']);
    expect(refused({ asOf: { time: 'May 8, 2023' } })).toEqual(['/asOf/time']);
    expect(refused({ asOf: { time: '2023-05-08T13:56:00' } })).toEqual(['/asOf/time']);
    expect(refused({ asOf: { time: '2023-05-08T25:00:00Z' } })).toEqual(['/asOf/time']);
  });

  it('/validAt and /referenceTime must be RFC 3339 date-times', () => {
    expect(refused({ validAt: 'yesterday' })).toEqual(['/validAt']);
    expect(refused({ validAt: 1683554160000 })).toEqual(['/validAt']);
    expect(refused({ referenceTime: '2023-05-08 13:56:00Z' })).toEqual(['/referenceTime']);
  });

  it('times follow the instant rule ingest applies: no impossible dates, T24:00, leap seconds, lowercase or year 0000', () => {
    for (const time of ['2023-02-30T00:00:00Z', '2023-04-31T12:00:00Z', '2023-05-08T24:00:00Z', '2016-12-31T23:59:60Z', '2023-05-08t13:56:00z', '0000-01-01T00:00:00Z', '2023-05-08T13:56Z']) {
      expect(refused({ validAt: time, asOf: { time }, referenceTime: time }), time).toEqual(['/asOf/time', '/validAt', '/referenceTime']);
    }
    const valid = validateRecallRequest({ ...ok, validAt: '2024-02-29T23:00:00-01:00', asOf: { time: '2023-04-30T23:59:59.999Z' } });
    expect(valid.validAtMs).toBe(Date.UTC(2024, 2, 1));
    expect(valid.asOf).toEqual({ timeMs: Date.UTC(2023, 3, 30, 23, 59, 59, 999) });
  });

  it('strings must be well-formed Unicode, named by pointer', () => {
    expect(refused({ query: 'Caroline \ud800' })).toEqual(['/query']);
    expect(refused({ caller: '\udc00', scope: { tenant: 'conv-26', streams: ['s\ud800'] } }).sort()).toEqual(['/caller', '/scope/streams/0']);
  });

  it('/weights: unknown channel, out of range, not an object', () => {
    expect(refused({ weights: { unknown: 1 } })).toEqual(['/weights/unknown']);
    expect(refused({ weights: { dense: -0.1 } })).toEqual(['/weights/dense']);
    expect(refused({ weights: { lexical: 101 } })).toEqual(['/weights/lexical']);
    expect(refused({ weights: { graph: '1' } })).toEqual(['/weights/graph']);
    expect(refused({ weights: [1] })).toEqual(['/weights']);
    expect(validateRecallRequest({ ...ok, weights: { context: 100, recency: 0 } }).weights).toEqual({ context: 100, recency: 0 });
  });

  it('/mmrLambda within [0, 1] or null; /consistencyTimeoutMs; /consistencyToken; /preset; /caller', () => {
    expect(refused({ mmrLambda: 1.5 })).toEqual(['/mmrLambda']);
    expect(refused({ mmrLambda: -0.01 })).toEqual(['/mmrLambda']);
    expect(refused({ mmrLambda: '0.5' })).toEqual(['/mmrLambda']);
    expect(validateRecallRequest({ ...ok, mmrLambda: 0 }).mmrLambda).toBe(0);
    expect(validateRecallRequest({ ...ok, mmrLambda: 1 }).mmrLambda).toBe(1);
    expect(refused({ consistencyTimeoutMs: -1 })).toEqual(['/consistencyTimeoutMs']);
    expect(refused({ consistencyTimeoutMs: 30_001 })).toEqual(['/consistencyTimeoutMs']);
    expect(refused({ consistencyTimeoutMs: 10.5 })).toEqual(['/consistencyTimeoutMs']);
    expect(refused({ consistencyToken: 17 })).toEqual(['/consistencyToken']);
    expect(refused({ consistencyToken: 'x'.repeat(4097) })).toEqual(['/consistencyToken']);
    expect(refused({ preset: '' })).toEqual(['/preset']);
    expect(refused({ preset: 'p'.repeat(65) })).toEqual(['/preset']);
    expect(refused({ caller: '' })).toEqual(['/caller']);
  });

  it('names every bad field of one request at once', () => {
    const all = pointers({
      query: '',
      scope: { tenant: 'bad tenant', streams: [] },
      k: 0,
      asOf: { time: 'then' },
      validAt: 'now',
      weights: { unknown: 1 },
      mmrLambda: 2,
      consistencyTimeoutMs: 999_999,
    });
    expect(all.sort()).toEqual(['/asOf/time', '/consistencyTimeoutMs', '/k', '/mmrLambda', '/query', '/scope/streams', '/scope/tenant', '/validAt', '/weights/unknown'].sort());
  });

  it('a null or non-object request names /query and /scope', () => {
    expect(pointers(null)).toEqual(['/query', '/scope']);
    expect(pointers(undefined)).toEqual(['/query', '/scope']);
  });
});

describe('RECALL_LIMITS are exactly the limits enforced', () => {
  it('has the documented values', () => {
    expect(RECALL_LIMITS).toEqual({
      maxQueryChars: 2000,
      maxK: 100,
      defaultK: 10,
      maxScopeValues: 100,
      defaultConsistencyTimeoutMs: 2000,
      maxConsistencyTimeoutMs: 30_000,
    });
  });

  it('maxQueryChars: 2000 accepted, 2001 refused', () => {
    expect(validateRecallRequest({ ...ok, query: 'q'.repeat(RECALL_LIMITS.maxQueryChars) }).query).toHaveLength(2000);
    expect(refused({ query: 'q'.repeat(RECALL_LIMITS.maxQueryChars + 1) })).toEqual(['/query']);
  });

  it('maxK: 1 and 100 accepted, 101 refused', () => {
    expect(validateRecallRequest({ ...ok, k: 1 }).k).toBe(1);
    expect(validateRecallRequest({ ...ok, k: RECALL_LIMITS.maxK }).k).toBe(100);
    expect(refused({ k: RECALL_LIMITS.maxK + 1 })).toEqual(['/k']);
  });

  it('maxScopeValues: 100 accepted, 101 refused', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(validateRecallRequest({ ...ok, scope: { tenant: 'acme', streams: values(RECALL_LIMITS.maxScopeValues) } }).streams).toHaveLength(100);
    expect(refused({ scope: { tenant: 'acme', streams: values(RECALL_LIMITS.maxScopeValues + 1) } })).toEqual(['/scope/streams']);
  });

  it('maxConsistencyTimeoutMs: 0 and 30 000 accepted, 30 001 refused', () => {
    expect(validateRecallRequest({ ...ok, consistencyTimeoutMs: 0 }).consistencyTimeoutMs).toBe(0);
    expect(validateRecallRequest({ ...ok, consistencyTimeoutMs: RECALL_LIMITS.maxConsistencyTimeoutMs }).consistencyTimeoutMs).toBe(30_000);
    expect(refused({ consistencyTimeoutMs: RECALL_LIMITS.maxConsistencyTimeoutMs + 1 })).toEqual(['/consistencyTimeoutMs']);
  });
});
