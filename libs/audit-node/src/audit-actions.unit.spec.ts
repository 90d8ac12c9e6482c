import { describe, expect, it } from 'vitest';
import { InMemoryCheckpointStore } from '@memfabric/audit';
import type { AppendResult, EventLog } from '@memfabric/event-log';
import { interaction } from '@memfabric/event-log/testing';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import { InMemoryMemoryUnits } from '@memfabric/projections';
import { stampEvents } from '@memfabric/projections/testing';
import { applyRollback, eraseSubject, planRollback } from './audit-actions.js';
import type { AuditedFabric } from './audited-fabric.js';

/**
 * A two-partition fabric, partition key = tenant: `acme` in partition 1, every other tenant in
 * partition 0. Only what the actions call is there; the memory units are the in-memory view,
 * caught up on `catchUp`, and the vault counts one key per subject seen.
 */
function twoPartitionFabric(seed: Record<number, readonly NewEvent[]>): AuditedFabric & { stored: StoredEvent[]; destroyed: string[] } {
  const partitionOf = (tenantid: string) => (tenantid === 'acme' ? 1 : 0);
  const stored: StoredEvent[] = [];
  const add = (events: readonly NewEvent[]): StoredEvent[] =>
    events.map((e) => {
      const partition = partitionOf(e.tenantid);
      const offset = stored.filter((s) => s.partition === partition).length;
      const [stamped] = stampEvents([e], offset);
      const event = { ...stamped!, partition, streamposition: stored.filter((s) => s.tenantid === e.tenantid && s.streamid === e.streamid).length + 1 };
      stored.push(event);
      return event;
    });
  for (const events of Object.values(seed)) add(events);
  const units = new InMemoryMemoryUnits();
  let applied = 0;
  const destroyed: string[] = [];
  const log = {
    end: () => {
      const end: Record<number, number> = {};
      for (const e of stored) end[e.partition] = Math.max(end[e.partition] ?? 0, e.offset + 1);
      return Promise.resolve(end);
    },
    append: (events: readonly NewEvent[]) =>
      Promise.resolve(
        add(events).map((e): AppendResult => ({ id: e.id, tenantid: e.tenantid, streamid: e.streamid, streamposition: e.streamposition, partition: e.partition, offset: e.offset, duplicate: false })),
      ),
    getEvent: (id: string) => Promise.resolve(stored.find((e) => e.id === id)),
  } as unknown as EventLog;
  return {
    stored,
    destroyed,
    log,
    vault: {
      subjectKeys: (tenantid, datasubject) => {
        const total = stored.some((e) => e.tenantid === tenantid && e.datasubject === datasubject) ? 1 : 0;
        return Promise.resolve({ total, live: total - destroyed.filter((d) => d === `${tenantid}/${datasubject}`).length });
      },
      destroy: (tenantid, datasubject) => {
        destroyed.push(`${tenantid}/${datasubject}`);
        return Promise.resolve(1);
      },
    },
    memoryUnits: units,
    analytics: { insertQueries: () => Promise.resolve(), listQueries: () => Promise.resolve([]) },
    checkpoints: new InMemoryCheckpointStore(),
    catchUp: () => {
      units.applyAll(stored.slice(applied));
      applied = stored.length;
      return Promise.resolve();
    },
    activeGraph: () => Promise.resolve(undefined),
    tenantPartition: (tenantid) => Promise.resolve(partitionOf(tenantid)),
  };
}

describe('audit actions over the port, on a log with several partitions', () => {
  const turns = (tenant: string, n: number, actor = 'maya') => Array.from({ length: n }, (_, i) => interaction(tenant, 's1', `turn ${i} of ${tenant}`, { actor }));

  it("a rollback covers up to the end of the tenant's partition, not of partition 0", async () => {
    const fabric = twoPartitionFabric({ 0: turns('other', 10), 1: turns('acme', 3) });
    const plan = await planRollback(fabric, { tenantid: 'acme' });
    expect(plan.uptoposition).toBe(2);
    expect(plan.units).toHaveLength(3);
    const applied = await applyRollback(fabric, { tenantid: 'acme', streamid: 's1' });
    expect(applied.event).toMatchObject({ type: 'rollback.applied', partition: 1, offset: 3, data: { uptoposition: 2 } });
    expect((await planRollback(fabric, { tenantid: 'other' })).uptoposition).toBe(9);
  });

  it('a rollback in a tenant whose partition is still empty is refused even when other partitions hold events', async () => {
    const fabric = twoPartitionFabric({ 0: turns('other', 4) });
    expect((await planRollback(fabric, { tenantid: 'acme' })).uptoposition).toBe(-1);
    await expect(applyRollback(fabric, { tenantid: 'acme' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('an erasure without purgeFiles reports walTruncated null (no local file to purge), with it the purge outcome', async () => {
    const fabric = twoPartitionFabric({ 1: [...turns('acme', 2, 'leo'), ...turns('acme', 1, 'maya')] });
    const erased = await eraseSubject(fabric, 'acme', 'leo');
    expect(erased).toMatchObject({ keysDestroyed: 1, units: 2, walTruncated: null, event: { type: 'subject.erased', partition: 1 } });
    expect(fabric.destroyed).toEqual(['acme/leo']);

    const purged: string[] = [];
    const withFiles = { ...twoPartitionFabric({ 1: turns('acme', 1, 'leo') }), purgeFiles: () => (purged.push('purge'), Promise.resolve({ busy: true })) };
    expect(await eraseSubject(withFiles, 'acme', 'leo')).toMatchObject({ walTruncated: false });
    expect(await eraseSubject(withFiles, 'acme', 'leo', { catchUp: false })).toMatchObject({ units: null, walTruncated: false });
    expect(purged).toEqual(['purge']);
    expect(await eraseSubject(twoPartitionFabric({ 1: turns('acme', 1, 'leo') }), 'acme', 'leo', { catchUp: false })).toMatchObject({ units: null, walTruncated: null });
  });
});
