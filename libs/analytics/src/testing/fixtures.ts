import type { FlatEvent, QueryLogRow } from '../port.js';

let counter = 0;

/** A tenant id no other test uses. */
export function uniqueTenant(prefix = 'a'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

let ids = 0;

/** A fresh id (not a UUID: analytics stores ids as opaque strings). */
export function uniqueId(prefix = 'e'): string {
  ids += 1;
  return `${prefix}-${Date.now().toString(36)}-${ids}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A valid flattened `interaction.recorded` event of `tenantId`, with overridable fields. */
export function flatEvent(tenantId: string, overrides: Partial<FlatEvent> = {}): FlatEvent {
  return {
    eventId: uniqueId('e'),
    tenantId,
    streamId: 's1',
    streamPosition: 1,
    type: 'interaction.recorded',
    dataschema: 'urn:memfabric:schema:interaction.recorded:v2',
    source: 'urn:memfabric:test',
    actor: 'caroline',
    datasubject: 'caroline',
    worldTime: '2024-03-01T09:00:00.000Z',
    recordedAt: '2024-03-01T10:00:00.000Z',
    partition: 0,
    offset: 0,
    batchId: 'batch-1',
    contentChars: 10,
    erased: false,
    ...overrides,
  };
}

/** A valid query-log row of `tenantId`, with overridable fields. */
export function queryRow(tenantId: string, overrides: Partial<QueryLogRow> = {}): QueryLogRow {
  return {
    queryId: uniqueId('q'),
    tenantId,
    caller: 'agent:planner',
    queryHash: 'a'.repeat(64),
    k: 10,
    preset: 'hybrid-rrf',
    channelLatencyMs: { dense: 1, lexical: 1 },
    totalLatencyMs: 5,
    unitIds: ['u1'],
    asOf: null,
    validAt: null,
    at: '2024-03-01T12:00:00.000Z',
    ...overrides,
  };
}
