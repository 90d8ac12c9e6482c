import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { normalizeEvent, GENESIS_HASH, type StoredEvent } from '@memfabric/events';
import type { EventLog, Checkpoint, PositionedSealedEvent } from '../port.js';
import type { KeyVault } from '../key-vault.js';
import { hasReached, lag } from '../checkpoint.js';
import { verifyChain } from '../sealing.js';
import { interaction, uniqueTenant } from './fixtures.js';
import { waitFor } from './wait-for.js';

/** What an adapter's test provides to the contract suite. */
export interface EventLogFixture {
  readonly log: EventLog;
  /** The key vault the log encrypts with (the suite destroys a key to test erasure). */
  readonly vault: KeyVault;
  /** Releases everything the fixture created. */
  teardown(): Promise<void>;
}

/** Options of the contract suite. */
export interface ContractOptions {
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
  /** Per-test timeout in ms (server adapters need more). */
  readonly timeoutMs?: number;
}

async function readAllOf(log: EventLog, tenantid: string): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let from: Checkpoint = {};
  for (;;) {
    const page = await log.readAll({ from, limit: 7, tenantid });
    out.push(...page.events);
    if (page.events.length === 0) return out;
    from = page.next;
  }
}

async function readSealedOf(log: EventLog, tenantid: string, to?: Checkpoint): Promise<PositionedSealedEvent[]> {
  const out: PositionedSealedEvent[] = [];
  let from: Checkpoint = {};
  for (;;) {
    const page = await log.readSealed({ from, limit: 4, tenantid, ...(to ? { to } : {}) });
    out.push(...page.events);
    if (page.events.length === 0) return out;
    from = page.next;
  }
}

/**
 * The one contract every {@link EventLog} adapter passes (emmett-tests style): the embedded
 * adapter runs it in unit/integration tests, server adapters against a real protocol peer.
 */
export function eventLogContract(adapter: string, setup: () => Promise<EventLogFixture>, options: ContractOptions = {}): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${adapter}] event log contract skipped: ${options.skipReason}`);

  suite(`EventLog contract: ${adapter}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: EventLogFixture;
    let log: EventLog;
    beforeAll(async () => {
      fixture = await setup();
      log = fixture.log;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('appends a batch and returns positions in input order, numbering each stream from 1', async () => {
      const t = uniqueTenant();
      const results = await log.append([
        interaction(t, 's1', 'first'),
        interaction(t, 's2', 'other stream'),
        interaction(t, 's1', 'second'),
      ]);
      expect(results.map((r) => [r.streamid, r.streamposition, r.duplicate])).toEqual([
        ['s1', 1, false],
        ['s2', 1, false],
        ['s1', 2, false],
      ]);
      const s1 = results.filter((r) => r.streamid === 's1');
      expect(s1[0]!.partition).toBe(s1[1]!.partition);
      expect(s1[1]!.offset).toBeGreaterThan(s1[0]!.offset);
    });

    it('reads a stream back in order with decrypted data and a linked hash chain', async () => {
      const t = uniqueTenant();
      await log.append([interaction(t, 's', 'a'), interaction(t, 's', 'b')]);
      await log.append([interaction(t, 's', 'c')]);
      const events = await log.readStream(t, 's');
      expect(events.map((e) => (e.data as { content: string }).content)).toEqual(['a', 'b', 'c']);
      expect(events.map((e) => e.streamposition)).toEqual([1, 2, 3]);
      expect(events[0]!.prevhash).toBe(GENESIS_HASH);
      expect(events[1]!.prevhash).toBe(events[0]!.hash);
      expect(events[2]!.prevhash).toBe(events[1]!.hash);
      expect(events[0]!.recordedat).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const page = await log.readStream(t, 's', { fromStreamPosition: 2, limit: 1 });
      expect(page.map((e) => e.streamposition)).toEqual([2]);
      expect(await log.readStream(t, 'nope')).toEqual([]);
    });

    it('gets one event by id and nothing for an unknown id', async () => {
      const t = uniqueTenant();
      const event = interaction(t, 's', 'findable');
      const [result] = await log.append([event]);
      const found = await log.getEvent(event.id);
      expect(found?.id).toBe(event.id);
      expect(found?.offset).toBe(result!.offset);
      expect(found?.data).toEqual(event.data);
      expect(await log.getEvent('018f0000-0000-7000-8000-000000000000')).toBeUndefined();
    });

    it('is idempotent: a retried batch returns the same positions and writes nothing twice', async () => {
      const t = uniqueTenant();
      const batch = [
        interaction(t, 's', 'one', { idempotencykey: 'k1' }),
        interaction(t, 's', 'two', { idempotencykey: 'k2' }),
      ];
      const first = await log.append(batch);
      const endBefore = await log.end();
      // a retry carries the same keys; the client may or may not resend the same ids
      const retry = [interaction(t, 's', 'one', { idempotencykey: 'k1' }), batch[1]!];
      const second = await log.append(retry);
      expect(second.map((r) => r.duplicate)).toEqual([true, true]);
      expect(second.map((r) => [r.id, r.partition, r.offset, r.streamposition])).toEqual(
        first.map((r) => [r.id, r.partition, r.offset, r.streamposition]),
      );
      expect(await log.readStream(t, 's')).toHaveLength(2);
      expect(await log.end()).toEqual(endBefore);
      // the same key twice inside one batch is written once
      const inBatch = await log.append([
        interaction(t, 's', 'three', { idempotencykey: 'k3' }),
        interaction(t, 's', 'three', { idempotencykey: 'k3' }),
      ]);
      expect(inBatch.map((r) => r.duplicate)).toEqual([false, true]);
      expect(inBatch[1]!.offset).toBe(inBatch[0]!.offset);
    });

    it('rejects a reused idempotency key that carries different content', async () => {
      const t = uniqueTenant();
      await log.append([interaction(t, 's', 'original', { idempotencykey: 'k' })]);
      const error = await log.append([interaction(t, 's', 'changed', { idempotencykey: 'k' })]).catch((e: unknown) => e);
      expect(MemfabricError.is(error) && error.code).toBe('idempotency_conflict');
      expect(await log.readStream(t, 's')).toHaveLength(1);
    });

    it('reads the whole log in pages from a checkpoint, optionally for one tenant', async () => {
      const t = uniqueTenant();
      const other = uniqueTenant();
      const mine = Array.from({ length: 20 }, (_, i) => interaction(t, `s${i % 3}`, `m${i}`));
      await log.append(mine);
      await log.append([interaction(other, 's0', 'not mine')]);
      const all = await readAllOf(log, t);
      expect(all.map((e) => e.id).sort()).toEqual(mine.map((e) => e.id).sort());
      for (const stream of ['s0', 's1', 's2']) {
        const positions = all.filter((e) => e.streamid === stream).map((e) => e.streamposition);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }
    });

    it('lists streams with their lengths', async () => {
      const t = uniqueTenant();
      await log.append([interaction(t, 'b', '1'), interaction(t, 'a', '2'), interaction(t, 'b', '3')]);
      expect(await log.listStreams(t)).toEqual([
        { tenantid: t, streamid: 'a', events: 1 },
        { tenantid: t, streamid: 'b', events: 2 },
      ]);
    });

    it('delivers to a consumer group, commits after each batch and resumes after the checkpoint', async () => {
      const group = `g-${uniqueTenant()}`;
      const t = uniqueTenant();
      await log.append(Array.from({ length: 5 }, (_, i) => interaction(t, 's', `before ${i}`)));
      const seen: string[] = [];
      const handler = (events: readonly StoredEvent[]) => {
        for (const e of events) if (e.tenantid === t) seen.push((e.data as { content: string }).content);
        return Promise.resolve();
      };
      const first = log.subscribe(group, handler, { maxBatch: 2 });
      await waitFor(() => seen.length === 5, 'first five events');
      await waitFor(async () => lag(await log.committed(group), await log.end()) === 0, 'commit of the first five');
      await first.stop();
      await log.append(Array.from({ length: 3 }, (_, i) => interaction(t, 's', `after ${i}`)));
      const second = log.subscribe(group, handler);
      await waitFor(() => seen.length === 8, 'three new events');
      await second.stop();
      expect(seen).toEqual(['before 0', 'before 1', 'before 2', 'before 3', 'before 4', 'after 0', 'after 1', 'after 2']);
    });

    it('does not commit a batch whose handler failed and redelivers it', async () => {
      const group = `g-${uniqueTenant()}`;
      const t = uniqueTenant();
      await log.append([interaction(t, 's', 'poison')]);
      let failures = 0;
      const failing = log.subscribe(
        group,
        (events) => (events.some((e) => e.tenantid === t) ? Promise.reject(new Error('projection failed')) : Promise.resolve()),
        { onError: () => (failures += 1) },
      );
      await failing.closed;
      expect(failures).toBe(1);
      expect(lag(await log.committed(group), await log.end())).toBeGreaterThan(0);
      const delivered: string[] = [];
      const healthy = log.subscribe(group, (events) => {
        for (const e of events) if (e.tenantid === t) delivered.push(e.id);
        return Promise.resolve();
      });
      await waitFor(() => delivered.length === 1, 'redelivery');
      await healthy.stop();
    });

    it('verifies every chain, and still verifies after a data subject is erased', async () => {
      const t = uniqueTenant();
      await log.append([
        interaction(t, 's', 'said by caroline', { actor: 'caroline' }),
        interaction(t, 's', 'said by melanie', { actor: 'melanie' }),
      ]);
      expect(await log.verify({ tenantid: t })).toEqual({ streams: 1, events: 2, valid: true });
      expect(await fixture.vault.destroy(t, 'caroline')).toBeGreaterThan(0);
      const events = await log.readStream(t, 's');
      expect(events[0]).toMatchObject({ erased: true, data: null, actor: 'caroline' });
      expect(events[1]!.data).toMatchObject({ content: 'said by melanie' });
      expect(JSON.stringify(events)).not.toContain('said by caroline');
      expect(await log.verify({ tenantid: t })).toMatchObject({ valid: true, events: 2 });
    });

    it('finds the position of a transaction time: the log as it was then', async () => {
      const t = uniqueTenant();
      const [early] = await log.append([interaction(t, 's', 'early')]);
      const earlyAt = (await log.getEvent(early!.id))!.recordedat;
      // a later append gets a later stamp once the clock has moved past the first one
      await waitFor(() => Date.now() > Date.parse(earlyAt) + 1, 'the clock to pass the first append');
      const [late] = await log.append([interaction(t, 's', 'late')]);
      const lateAt = (await log.getEvent(late!.id))!.recordedat;
      expect(Date.parse(lateAt)).toBeGreaterThan(Date.parse(earlyAt));

      const atEarly = await log.positionAt(new Date(earlyAt));
      expect(hasReached(atEarly, early!)).toBe(true);
      expect(hasReached(atEarly, late!)).toBe(false);
      expect(atEarly[early!.partition]).toBe(early!.offset + 1);
      const atLate = await log.positionAt(new Date(lateAt));
      expect(hasReached(atLate, late!)).toBe(true);
      expect(lag(await log.positionAt(new Date(Date.now() + 60_000)), await log.end())).toBe(0);
      expect(await log.positionAt(new Date(0))).toEqual({});
      // the cut bounds a sealed read: the tenant's events as known at the early time
      expect((await readSealedOf(log, t, atEarly)).map((e) => e.record.id)).toEqual([early!.id]);
      const invalid = await log.positionAt(new Date(Number.NaN)).catch((e: unknown) => e);
      expect(MemfabricError.is(invalid) && invalid.code).toBe('validation_failed');
    });

    it('reads events exactly as stored: encrypted records with their chain links, in log order', async () => {
      const t = uniqueTenant();
      const other = uniqueTenant();
      const appended = await log.append([
        ...Array.from({ length: 9 }, (_, i) => interaction(t, `s${i % 2}`, `sealed ${i}`)),
        interaction(other, 's0', 'not mine'),
      ]);
      const decrypted = await readAllOf(log, t);
      const sealed = await readSealedOf(log, t);
      expect(sealed.map((e) => [e.partition, e.offset, e.record.id, e.prevhash, e.hash])).toEqual(
        decrypted.map((e) => [e.partition, e.offset, e.id, e.prevhash, e.hash]),
      );
      expect(sealed.every((e) => e.record.tenantid === t && e.record.content.ciphertext.length > 0)).toBe(true);
      expect(JSON.stringify(sealed)).not.toContain('sealed 3');
      for (const stream of ['s0', 's1']) {
        expect(verifyChain(sealed.filter((e) => e.record.streamid === stream))).toBeUndefined();
        const inStream = await log.readSealedStream(t, stream);
        expect(inStream.map((e) => e.hash)).toEqual(sealed.filter((e) => e.record.streamid === stream).map((e) => e.hash));
      }
      const second = await log.readSealedStream(t, 's0', { fromStreamPosition: 2, limit: 1 });
      expect(second.map((e) => [e.record.streamposition, e.record.id])).toEqual([[2, appended[2]!.id]]);
      expect(await log.readSealedStream(t, 'nope')).toEqual([]);
      // a bound below the tenant's first event reads nothing; the whole log includes the other tenant
      const first = appended[0]!;
      expect((await log.readSealed({ tenantid: t, to: { [first.partition]: first.offset } })).events).toEqual([]);
      expect((await log.readSealed({ from: {}, to: await log.end(), limit: 100_000 })).events.some((e) => e.record.tenantid === other)).toBe(true);
    });

    it('keeps erased content as stored in sealed reads', async () => {
      const t = uniqueTenant();
      await log.append([interaction(t, 's', 'to be forgotten', { actor: 'forgotten' })]);
      const before = await readSealedOf(log, t);
      expect(await fixture.vault.destroy(t, 'forgotten')).toBeGreaterThan(0);
      expect((await log.readStream(t, 's'))[0]).toMatchObject({ erased: true, data: null });
      expect(await readSealedOf(log, t)).toEqual(before);
    });

    it('reports the head of every stream of a tenant: the last id, hash and position', async () => {
      const t = uniqueTenant();
      await log.append([interaction(t, 'b', '1'), interaction(t, 'a', '2'), interaction(t, 'b', '3')]);
      await log.append([interaction(t, 'b', '4')]);
      const heads = await log.streamHeads(t);
      const lastOf = async (stream: string) => (await log.readStream(t, stream)).at(-1)!;
      const [a, b] = [await lastOf('a'), await lastOf('b')];
      expect(heads).toEqual([
        { tenantid: t, streamid: 'a', streamposition: 1, id: a.id, hash: a.hash, partition: a.partition, offset: a.offset },
        { tenantid: t, streamid: 'b', streamposition: 3, id: b.id, hash: b.hash, partition: b.partition, offset: b.offset },
      ]);
      expect((await log.streamHeads()).filter((h) => h.tenantid === t)).toEqual(heads);
      expect(await log.streamHeads(uniqueTenant())).toEqual([]);
    });

    it('upcasts an event stored under an old schema version on read', async () => {
      const t = uniqueTenant();
      const v1 = normalizeEvent({
        source: 'urn:memfabric:test',
        type: 'interaction.recorded',
        dataschema: 'urn:memfabric:schema:interaction.recorded:v1',
        time: '2023-05-08T13:56:00Z',
        tenantid: t,
        streamid: 's',
        actor: 'caroline',
        data: { role: 'user', text: 'old shape' },
      });
      await log.append([v1]);
      const [read] = await log.readStream(t, 's');
      expect(read?.dataschema).toBe('urn:memfabric:schema:interaction.recorded:v2');
      expect(read?.data).toEqual({ kind: 'message', role: 'user', content: 'old shape' });
    });
  });
}
