import { describe, expect, it } from 'vitest';
import type { Checkpoint, EventLog, PositionedSealedEvent, ReadSealedOptions, SealedStreamHead } from '@memfabric/event-log';
import { LogSealedEventSource } from './sealed-source.js';

function sealed(tenantid: string, streamid: string, streamposition: number, offset: number, partition = 0): PositionedSealedEvent {
  return {
    partition, offset, prevhash: `prev-${offset}`, hash: `hash-${offset}`,
    record: { id: `id-${offset}`, tenantid, streamid, streamposition } as PositionedSealedEvent['record'],
  };
}

/** The sealed-read part of the port over a fixed list of events (the real adapters run the port's contract suite). */
function fakeLog(events: PositionedSealedEvent[], end: Checkpoint): Pick<EventLog, 'end' | 'readSealed' | 'readSealedStream' | 'streamHeads'> & { reads: ReadSealedOptions[] } {
  const reads: ReadSealedOptions[] = [];
  return {
    reads,
    end: () => Promise.resolve(end),
    readSealed: (options = {}) => {
      reads.push(options);
      const inRange = events.filter(
        (e) => e.offset >= (options.from?.[e.partition] ?? 0) && (options.to === undefined || e.offset < (options.to[e.partition] ?? 0)) && (options.tenantid === undefined || e.record.tenantid === options.tenantid),
      );
      return Promise.resolve({ events: inRange.slice(0, options.limit ?? 1000), next: {} });
    },
    readSealedStream: (tenantid, streamid, options = {}) =>
      Promise.resolve(events.filter((e) => e.record.tenantid === tenantid && e.record.streamid === streamid && e.record.streamposition >= (options.fromStreamPosition ?? 1)).slice(0, options.limit ?? 1000)),
    streamHeads: (tenantid) => {
      const heads = new Map<string, SealedStreamHead>();
      for (const e of events) {
        if (tenantid !== undefined && e.record.tenantid !== tenantid) continue;
        const { tenantid: t, streamid, streamposition, id } = e.record;
        heads.set(`${t}/${streamid}`, { tenantid: t, streamid, streamposition, id, hash: e.hash, partition: e.partition, offset: e.offset });
      }
      return Promise.resolve([...heads.values()].sort((a, b) => `${a.tenantid}/${a.streamid}`.localeCompare(`${b.tenantid}/${b.streamid}`)));
    },
  };
}

describe('LogSealedEventSource', () => {
  const events = [sealed('acme', 'a', 1, 0), sealed('acme', 'b', 1, 1), sealed('other', 'a', 1, 2), sealed('acme', 'a', 2, 3)];

  it('reads a tenant between two offsets, both inclusive', async () => {
    const log = fakeLog(events, { 0: 4 });
    const source = new LogSealedEventSource(log);
    expect((await source.readSealed('acme', { fromOffset: 1, toOffset: 3 })).map((e) => e.offset)).toEqual([1, 3]);
    expect((await source.readSealed('acme', { toOffset: 0 })).map((e) => e.offset)).toEqual([0]);
    expect(log.reads.at(-1)).toEqual({ tenantid: 'acme', from: { 0: 0 }, to: { 0: 1 }, limit: 1000 });
  });

  it('groups stream heads by tenant; the position is the offset of the tenant\'s last event', async () => {
    const source = new LogSealedEventSource(fakeLog(events, { 0: 4 }));
    expect(await source.heads()).toEqual([
      { tenantid: 'acme', partition: 0, position: 3, heads: [{ streamid: 'a', streamposition: 2, id: 'id-3', hash: 'hash-3' }, { streamid: 'b', streamposition: 1, id: 'id-1', hash: 'hash-1' }] },
      { tenantid: 'other', partition: 0, position: 2, heads: [{ streamid: 'a', streamposition: 1, id: 'id-2', hash: 'hash-2' }] },
    ]);
  });

  it('links a stream position to its stored id and hash, and nothing past the head', async () => {
    const source = new LogSealedEventSource(fakeLog(events, { 0: 4 }));
    expect(await source.link('acme', 'a', 2)).toEqual({ id: 'id-3', hash: 'hash-3' });
    expect(await source.link('acme', 'a', 3)).toBeUndefined();
  });

  it('on a log with several partitions, reads each tenant in its own partition; positions are offsets there', async () => {
    // partition key = tenant: acme in partition 1, other in partition 0, offsets overlapping
    const spread = [sealed('acme', 'a', 1, 0, 1), sealed('other', 'a', 1, 0, 0), sealed('acme', 'b', 1, 1, 1), sealed('other', 'a', 2, 1, 0), sealed('acme', 'a', 2, 2, 1)];
    const log = fakeLog(spread, { 0: 2, 1: 3 });
    const source = new LogSealedEventSource(log);
    expect((await source.readSealed('acme', { fromOffset: 1 })).map((e) => [e.partition, e.offset])).toEqual([[1, 1], [1, 2]]);
    expect(log.reads.at(-1)).toEqual({ tenantid: 'acme', from: { 1: 1 }, to: { 1: Number.MAX_SAFE_INTEGER }, limit: 1000 });
    expect((await source.readSealed('other', { toOffset: 0 })).map((e) => e.record.id)).toEqual(['id-0']);
    expect((await source.heads()).map((h) => [h.tenantid, h.partition, h.position])).toEqual([['acme', 1, 2], ['other', 0, 1]]);
    const told = new LogSealedEventSource(log, { tenantPartition: (t) => Promise.resolve(t === 'acme' ? 1 : 0) });
    expect((await told.heads('acme'))[0]).toMatchObject({ partition: 1, position: 2 });
    expect((await told.readSealed('acme')).length).toBe(3);
  });

  it('refuses a tenant whose streams are in several partitions, or elsewhere than tenantPartition says, instead of answering for one of them', async () => {
    const source = new LogSealedEventSource(fakeLog([...events, sealed('acme', 'c', 1, 0, 1)], { 0: 4, 1: 1 }));
    await expect(source.heads()).rejects.toMatchObject({ code: 'configuration_invalid', message: expect.stringMatching(/tenant acme has events in partitions 0 and 1/) as unknown });
    await expect(source.readSealed('acme')).rejects.toMatchObject({ code: 'configuration_invalid' });
    expect(await source.heads('other')).toMatchObject([{ tenantid: 'other', partition: 0 }]);
    expect(await source.link('acme', 'c', 1)).toEqual({ id: 'id-0', hash: 'hash-0' });
    const wrong = new LogSealedEventSource(fakeLog(events, { 0: 4 }), { tenantPartition: () => Promise.resolve(3) });
    await expect(wrong.heads('acme')).rejects.toMatchObject({ code: 'configuration_invalid', message: expect.stringMatching(/partition 0 of the log, but the fabric places the tenant in partition 3/) as unknown });
  });
});
