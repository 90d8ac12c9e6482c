import { describe, expect, it } from 'vitest';
import { ValidationError } from '@memfabric/errors';
import { apiComponentSchemas, checkApiBody, isApiBody, parseApiBody, schemaRule, type ApiBodyName } from './api-validation.js';
import { apiSchemas } from './generated/api-schemas.js';
import type { RecallRequest, RecallResponse } from './generated/api-types.js';

const request: RecallRequest = {
  query: 'Where does Ann live?',
  scope: { tenant: 'acme', streams: ['s1'], agents: ['agent-7'] },
  k: 5,
  asOf: { time: '2024-03-01T12:00:00Z' },
  validAt: '2024-03-01T12:00:00+01:00',
  weights: { dense: 1, graph: 0 },
  mmrLambda: null,
};

const response: RecallResponse = {
  hits: [
    {
      rank: 1,
      unitId: '018e3a10-0000-7000-8000-000000000001',
      text: 'I moved to Lisbon last spring.',
      tenant: 'acme',
      stream: 's1',
      actor: 'ann',
      speaker: 'Ann',
      memoryType: 'interaction',
      time: '2024-03-01T12:00:00Z',
      validFrom: null,
      validTo: null,
      recordedAt: '2024-03-01T12:00:01.000Z',
      position: { partition: 0, offset: 3 },
      sourceRef: null,
      score: 0.032,
      explain: { channels: { dense: { rank: 1, score: 0.8, weight: 1, contribution: 1 / 61 } }, events: ['018e3a10-0000-7000-8000-000000000001'] },
    },
  ],
  preset: 'hybrid-rrf',
  weights: { dense: 1, lexical: 1 },
  consistency: { requested: false, reached: true, waitedMs: 0, behind: [] },
  asOfPosition: null,
  validAt: null,
  timeExpressions: [{ text: 'last spring', from: '2023-03-01T00:00:00.000Z', to: '2023-06-01T00:00:00.000Z' }],
  timings: { totalMs: 4.2, channels: { dense: 1.1 } },
  queryId: 'q-1',
};

describe('API body schemas (schemas/api) round-trip through their validators', () => {
  it('every schema compiles under the strict contract rules', () => {
    for (const name of Object.keys(apiSchemas) as ApiBodyName[]) expect(() => checkApiBody(name, {}), name).not.toThrow();
  });

  it('a valid recall request and response validate', () => {
    expect(checkApiBody('RecallRequest', request)).toEqual([]);
    expect(checkApiBody('RecallRequest', { query: 'q', scope: { tenant: 'acme' } })).toEqual([]);
    expect(checkApiBody('RecallResponse', response)).toEqual([]);
    expect(isApiBody('RecallResponse', response)).toBe(true);
    expect(parseApiBody('RecallRequest', request)).toBe(request);
  });

  it('a wrong type is refused, naming the field and its rule', () => {
    expect(checkApiBody('RecallRequest', { ...request, k: '5' })).toEqual([{ pointer: '/k', detail: 'must be an integer from 1 to 100' }]);
    expect(checkApiBody('RecallRequest', { ...request, scope: { tenant: 'acme', streams: 's1' } })).toEqual([{ pointer: '/scope/streams', detail: 'must be an array of 1 to 100 strings' }]);
    expect(checkApiBody('RecallRequest', { ...request, mmrLambda: '0.5' })).toEqual([{ pointer: '/mmrLambda', detail: 'must be a number from 0 to 1, or null' }]);
    expect(checkApiBody('RecallRequest', [])).toEqual([{ pointer: '/', detail: 'must be an object' }]);
    expect(checkApiBody('RecallResponse', { ...response, asOfPosition: 'latest' })).toEqual([{ pointer: '/asOfPosition', detail: 'must be an integer of at least -1, or null' }]);
  });

  it('an unknown field is refused where the contract forbids it, listing the known ones', () => {
    expect(checkApiBody('RecallRequest', { ...request, validat: '2024-03-01T12:00:00Z' })).toEqual([
      { pointer: '/validat', detail: 'is not a known field; known: query, scope, k, asOf, validAt, referenceTime, consistencyToken, consistencyTimeoutMs, preset, weights, mmrLambda, caller' },
    ]);
    expect(checkApiBody('RecallRequest', { ...request, scope: { tenant: 'acme', stream: ['s1'] } })).toEqual([{ pointer: '/scope/stream', detail: 'is not a known field; known: tenant, agents, streams, actors' }]);
    expect(checkApiBody('RollbackRequest', { filter: { stream: 's1' } })).toEqual([{ pointer: '/filter/stream', detail: 'is not a known field; known: tenantid, actor, streamid, from, to, batchid' }]);
    const hit = { ...response.hits[0]!, extra: 1 };
    expect(checkApiBody('RecallResponse', { ...response, hits: [hit] }).map((p) => p.pointer)).toEqual(['/hits/0/extra']);
  });

  it('a value out of range is refused with the limit the schema states', () => {
    const maxK = apiSchemas.RecallRequest.properties.k.maximum;
    expect(checkApiBody('RecallRequest', { ...request, k: maxK + 1 })).toEqual([{ pointer: '/k', detail: `must be an integer from 1 to ${maxK}` }]);
    expect(checkApiBody('RecallRequest', { ...request, consistencyTimeoutMs: 30_001 })).toEqual([{ pointer: '/consistencyTimeoutMs', detail: 'must be an integer from 0 to 30000' }]);
    expect(checkApiBody('RecallRequest', { ...request, query: 'q'.repeat(2001) })).toEqual([{ pointer: '/query', detail: 'must be a string of 1 to 2000 characters (got 2001)' }]);
    expect(checkApiBody('RecallRequest', { ...request, weights: { dense: 101 } })).toEqual([{ pointer: '/weights/dense', detail: 'must be a number from 0 to 100' }]);
    expect(checkApiBody('RollbackRequest', { reason: 'r'.repeat(2049) })).toEqual([{ pointer: '/reason', detail: 'must be a string of at most 2048 characters (got 2049)' }]);
  });

  it('states the instant rule, the tenant rule of the envelope and the one-of rule of asOf', () => {
    const [time] = checkApiBody('RecallRequest', { ...request, validAt: '2024-02-30T00:00:00Z' });
    expect(time).toEqual({ pointer: '/validAt', detail: expect.stringMatching(/^must be an RFC 3339 date-time with an offset/) as string });
    const [tenant] = checkApiBody('RecallRequest', { ...request, scope: { tenant: 'has space' } });
    expect(tenant).toEqual({ pointer: '/scope/tenant', detail: expect.stringContaining("Tenant id: 1-64 characters of letters, digits, '.', '_' or '-'") as string });
    expect(checkApiBody('RecallRequest', { ...request, asOf: { position: 1, time: '2024-03-01T12:00:00Z' } })).toEqual([{ pointer: '/asOf', detail: 'must be an object with exactly one of position, time' }]);
    expect(checkApiBody('RecallRequest', { scope: { tenant: 'acme' } })).toEqual([{ pointer: '/query', detail: 'is required' }]);
  });

  it('parseApiBody throws a ValidationError naming every bad field', () => {
    let error: unknown;
    try {
      parseApiBody('ErasureRequest', { reason: 7, requestedBy: 'x'.repeat(257) }, 'erasure request');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe('invalid erasure request');
    expect((error as ValidationError).problems.map((p) => p.pointer)).toEqual(['/reason', '/requestedBy']);
  });

  it('the audit bodies: valid examples validate, malformed ones are refused', () => {
    expect(checkApiBody('RollbackRequest', { filter: { streamid: 'session-1', from: '2024-03-01T00:00:00Z' }, reason: 'imported twice', dryRun: true })).toEqual([]);
    expect(checkApiBody('RollbackResponse', { dryRun: true, filter: { tenantid: 'acme', streamid: 's1' }, uptoposition: 4, units: 1, ids: ['u1'] })).toEqual([]);
    expect(checkApiBody('RollbackResponse', { dryRun: false, filter: { streamid: 's1' }, uptoposition: 4, units: 1, ids: [] }).map((p) => p.pointer)).toEqual(['/filter/tenantid']);
    expect(checkApiBody('RollbackRevertResponse', { rollbackId: 'r', revertEventId: 'e', alreadyReverted: false })).toEqual([]);
    expect(checkApiBody('ErasureResponse', { eventId: '018e3a10-0000-7000-8000-000000000001', keysDestroyed: 1, units: null })).toEqual([]);
    expect(checkApiBody('ErasureResponse', { eventId: '018e3a10-0000-7000-8000-000000000001', keysDestroyed: -1, units: 2 }).map((p) => p.pointer)).toEqual(['/keysDestroyed']);
    expect(checkApiBody('PointInTimeState', { tenantid: 'acme', streamid: null, position: null, recordedAt: null, requested: { position: 0, at: null }, eventsRead: 0, units: [], counts: { total: 0 }, rollbacks: [], entities: [], facts: [] })).toEqual([]);
  });
});

describe('schemaRule', () => {
  it('says what a schema asks for in words', () => {
    expect(schemaRule({ type: 'integer', minimum: 1, maximum: 100 })).toBe('must be an integer from 1 to 100');
    expect(schemaRule({ type: 'integer', minimum: 0 })).toBe('must be a non-negative integer');
    expect(schemaRule({ type: ['string', 'null'], maxLength: 64 })).toBe('must be a string of at most 64 characters, or null');
    expect(schemaRule({ type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 100 })).toBe('must be an array of 1 to 100 strings');
    expect(schemaRule({ enum: ['active', 'erased'] })).toBe('must be one of "active", "erased"');
    expect(schemaRule({ type: 'boolean' })).toBe('must be true or false');
    expect(schemaRule({})).toBeUndefined();
  });
});

describe('apiComponentSchemas', () => {
  it('gives the bodies by title with every contract schema they reference, without $schema', () => {
    const components = apiComponentSchemas(['RecallRequest', 'RecallResponse', 'RollbackResponse']);
    expect(Object.keys(components).sort()).toEqual(['EventEnvelope', 'LogPosition', 'RecallRequest', 'RecallResponse', 'RollbackApplied', 'RollbackResponse']);
    const { $schema: _dialect, ...recallRequest } = apiSchemas.RecallRequest;
    expect(components.RecallRequest).toEqual(recallRequest);
    for (const schema of Object.values(components)) expect(schema).not.toHaveProperty('$schema');
  });
});
