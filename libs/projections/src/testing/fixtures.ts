import { GENESIS_HASH, newEventId, normalizeEvent, type NewEvent, type StoredEvent } from '@memfabric/events';

type Overrides = Partial<Omit<NewEvent, 'data'>> & { data?: Record<string, unknown> };

function event(type: NewEvent['type'], tenantid: string, streamid: string, data: Record<string, unknown>, overrides: Overrides): NewEvent {
  return normalizeEvent({
    source: 'urn:memfabric:test',
    type,
    time: '2023-05-08T13:56:00.000Z',
    tenantid,
    streamid,
    actor: 'caroline',
    ...overrides,
    data: { ...data, ...overrides.data },
  });
}

/** A valid `memory.asserted` event (a `fact` unless `overrides.data.memorytype` says otherwise). */
export function asserted(tenantid: string, streamid: string, content: string, overrides: Overrides = {}): NewEvent {
  return event('memory.asserted', tenantid, streamid, { memoryid: `m-${newEventId()}`, memorytype: 'fact', content }, overrides);
}

/** A valid `memory.corrected` event superseding `supersedes`. */
export function corrected(tenantid: string, streamid: string, supersedes: string, content: string, overrides: Overrides = {}): NewEvent {
  return event('memory.corrected', tenantid, streamid, { supersedes, content }, overrides);
}

/** A valid `memory.retracted` event retracting `target`. */
export function retracted(tenantid: string, streamid: string, target: string, overrides: Overrides = {}): NewEvent {
  return event('memory.retracted', tenantid, streamid, { target }, overrides);
}

/** A valid `subject.erased` event for `datasubject` (written by an operator). */
export function subjectErased(tenantid: string, datasubject: string, overrides: Overrides = {}): NewEvent {
  return event('subject.erased', tenantid, 'erasure', { datasubject, requestedby: 'dpo' }, { actor: 'operator', ...overrides });
}

/**
 * A valid `rollback.applied` event of `tenantid` (written by an operator) whose filter is
 * `{ tenantid, ...filter }`.
 * @param uptoposition - highest log offset covered; omitted: everything before the event.
 */
export function rollbackApplied(
  tenantid: string,
  filter: { actor?: string; streamid?: string; from?: string; to?: string; batchid?: string } = {},
  uptoposition?: number,
  overrides: Overrides = {},
): NewEvent {
  const data: Record<string, unknown> = { filter: { tenantid, ...filter }, reason: 'test rollback' };
  if (uptoposition !== undefined) data.uptoposition = uptoposition;
  return event('rollback.applied', tenantid, 'rollbacks', data, { actor: 'operator', ...overrides });
}

/** A valid `rollback.reverted` event undoing the `rollback.applied` event `rollbackid`. */
export function rollbackReverted(tenantid: string, rollbackid: string, overrides: Overrides = {}): NewEvent {
  return event('rollback.reverted', tenantid, 'rollbacks', { rollbackid, reason: 'test revert' }, { actor: 'operator', ...overrides });
}

/** A valid `version.tagged` event (a type the memory-unit rules ignore). */
export function versionTagged(tenantid: string, tag: string, offset: number, overrides: Overrides = {}): NewEvent {
  return event('version.tagged', tenantid, 'tags', { tag, positions: [{ partition: 0, offset }] }, { actor: 'operator', ...overrides });
}

/**
 * Stamps events the way a one-partition log would (offsets from `startOffset`, stream
 * positions per stream, `recordedat` from `clock`), without any I/O: the input of pure
 * projection tests. Hashes are placeholders (`GENESIS_HASH`).
 * @param clock - transaction time of the event at index i; default 2024-01-01T00:00:00Z + i s.
 */
export function stampEvents(
  events: readonly NewEvent[],
  startOffset = 0,
  clock: (index: number) => Date = (i) => new Date(Date.UTC(2024, 0, 1) + i * 1000),
): StoredEvent[] {
  const streamPositions = new Map<string, number>();
  const batchid = newEventId();
  return events.map((e, i) => {
    const key = `${e.tenantid}\u0000${e.streamid}`;
    const streamposition = (streamPositions.get(key) ?? 0) + 1;
    streamPositions.set(key, streamposition);
    return {
      ...e,
      batchid: e.batchid ?? batchid,
      recordedat: clock(startOffset + i).toISOString(),
      partition: 0,
      offset: startOffset + i,
      streamposition,
      prevhash: GENESIS_HASH,
      hash: GENESIS_HASH,
    };
  });
}
