import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedCheckpoint } from '../checkpoint/checkpoint.js';
import type { CheckpointStore } from '../ports.js';

/** What an adapter's test provides to the contract suite. */
export interface CheckpointStoreFixture {
  readonly store: CheckpointStore;
  teardown(): Promise<void>;
}

let counter = 0;

/** A tenant id no other test uses. */
export function uniqueAuditTenant(): string {
  counter += 1;
  return `audit-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A structurally valid signed checkpoint (the signature is not checked by stores). */
export function sampleCheckpoint(tenantid: string, position: number): SignedCheckpoint {
  const hash = position.toString(16).padStart(64, '0');
  return {
    checkpoint: {
      v: 1,
      tenantid,
      position,
      events: position + 1,
      heads: [{ streamid: 's', streamposition: position + 1, id: `e-${position}`, hash }],
      root: hash,
      createdat: new Date(Date.UTC(2024, 0, 1) + position * 1000).toISOString(),
      keyid: 'test-key',
    },
    jws: `header.payload-${position}.signature`,
  };
}

/**
 * The contract every {@link CheckpointStore} adapter passes: append-only, sequence numbers in
 * append order, reads by tenant oldest first, the latest per tenant, content read back intact.
 */
export function checkpointStoreContract(adapter: string, setup: () => Promise<CheckpointStoreFixture>): void {
  describe(`CheckpointStore contract: ${adapter}`, () => {
    let fixture: CheckpointStoreFixture;
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('appends with increasing sequence numbers and reads each tenant oldest first, intact', async () => {
      const a = uniqueAuditTenant();
      const b = uniqueAuditTenant();
      const s1 = await fixture.store.append(sampleCheckpoint(a, 1));
      const s2 = await fixture.store.append(sampleCheckpoint(b, 2));
      const s3 = await fixture.store.append(sampleCheckpoint(a, 3));
      expect(s1).toBeLessThan(s2);
      expect(s2).toBeLessThan(s3);
      const listed = await fixture.store.list(a);
      expect(listed).toEqual([
        { ...sampleCheckpoint(a, 1), sequence: s1 },
        { ...sampleCheckpoint(a, 3), sequence: s3 },
      ]);
      expect((await fixture.store.list()).filter((c) => c.checkpoint.tenantid === b).map((c) => c.sequence)).toEqual([s2]);
    });

    it('answers the latest checkpoint of a tenant, undefined for a tenant without one', async () => {
      const a = uniqueAuditTenant();
      await fixture.store.append(sampleCheckpoint(a, 5));
      await fixture.store.append(sampleCheckpoint(a, 9));
      expect((await fixture.store.latest(a))?.checkpoint.position).toBe(9);
      expect(await fixture.store.latest(uniqueAuditTenant())).toBeUndefined();
      expect(await fixture.store.list(uniqueAuditTenant())).toEqual([]);
    });
  });
}
