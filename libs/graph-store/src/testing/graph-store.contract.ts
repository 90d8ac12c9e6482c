import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import type { GraphFact, GraphStore } from '../port.js';
import { ExtractionFeed, entity, ms, relation, single, uniqueGraphTenant } from './fixtures.js';

/** What an adapter's test provides to the contract suite. */
export interface GraphStoreFixture {
  readonly store: GraphStore;
  /** Releases everything the fixture created. */
  teardown(): Promise<void>;
}

/** Options of the contract suite. */
export interface GraphStoreContractOptions {
  /** When set, the suite is skipped and this reason is printed. */
  readonly skipReason?: string;
  /** Per-test timeout in ms (server adapters need more). */
  readonly timeoutMs?: number;
}

async function entityIdOf(store: GraphStore, tenant: string, name: string): Promise<string> {
  const [found] = await store.entitiesByName(tenant, [name]);
  if (!found) throw new Error(`no entity named ${name} in ${tenant}`);
  return found.id;
}

function objects(facts: readonly GraphFact[]): string[] {
  return facts.map((f) => f.objectName);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

/**
 * The one contract every {@link GraphStore} adapter passes: entity resolution, idempotent
 * application, support of repeated facts, invalidation (in and out of world-time order),
 * bi-temporal reads (`validAt` world time, `asOf` transaction time or log position), traversal,
 * mentions, history, purge and strict tenant isolation.
 */
export function graphStoreContract(adapter: string, setup: () => Promise<GraphStoreFixture>, options: GraphStoreContractOptions = {}): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`[${adapter}] graph store contract skipped: ${options.skipReason}`);

  suite(`GraphStore contract: ${adapter}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: GraphStoreFixture;
    let store: GraphStore;
    beforeAll(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('resolves surface forms to one entity per canonical name, keeping aliases and the most specific type', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      await store.applyExtraction(
        ...args(feed.event({ entities: [entity('Caroline', 'other', 0, 8), entity("caroline's", 'other')] })),
      );
      const second = await store.applyExtraction(...args(feed.event({ entities: [entity('  CAROLINE ', 'person'), entity('Melanie', 'person')] })));
      expect(second).toMatchObject({ applied: true, entitiesCreated: 1, mentions: 2 });
      const [caroline] = await store.entitiesByName(feed.tenant, ["Caroline’s"]);
      expect(caroline).toMatchObject({ name: 'Caroline', canonicalName: 'caroline', type: 'person' });
      expect(caroline!.aliases).toEqual(['Caroline', 'caroline', 'CAROLINE']);
      const found = await store.entitiesByName(feed.tenant, ['melanie', 'nobody', 'CAROLINE', 'Caroline']);
      expect(found.map((e) => e.name)).toEqual(['Melanie', 'Caroline']);
      expect(await store.counts(feed.tenant)).toMatchObject({ entities: 2, mentions: 4, facts: 0, events: 2 });
    });

    it('adds a fact with its world time, transaction time and the events it came from', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const input = feed.event({ entities: [entity('Alice'), entity('Paris', 'place')], relations: [relation('Alice', 'Lives in', 'Paris')] }, { worldTime: '2023-03-01T00:00:00Z' });
      const result = await store.applyExtraction(input.tenant, input.extraction, input.provenance);
      expect(result).toEqual({
        eventId: input.provenance.eventId,
        applied: true,
        entitiesCreated: 2,
        mentions: 2,
        factsAdded: 1,
        factsSupported: 0,
        factsInvalidated: 0,
        relationsSkipped: 0,
      });
      const alice = await entityIdOf(store, feed.tenant, 'alice');
      const paris = await entityIdOf(store, feed.tenant, 'paris');
      const [fact] = await store.factsAbout(feed.tenant, [alice]);
      expect(fact).toMatchObject({
        subjectId: alice,
        subjectName: 'Alice',
        predicate: 'lives_in',
        objectId: paris,
        objectName: 'Paris',
        singleValued: false,
        validFrom: ms('2023-03-01T00:00:00Z'),
        validTo: null,
        recordedAt: input.provenance.recordedAt,
        expiredAt: null,
        invalidatedBy: null,
        invalidated: false,
        events: [input.provenance.eventId],
        sourceEvents: [input.provenance.sourceEventId],
      });
      expect((await store.factsAbout(feed.tenant, [paris])).map((f) => f.id)).toEqual([fact!.id]);
    });

    it('creates entities for relation ends that were not listed as entities', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      await store.applyExtractions([feed.event({ relations: [relation('Bob', 'owns', 'a red bike')] })]);
      const [bike] = await store.entitiesByName(feed.tenant, ['A red bike']);
      expect(bike).toMatchObject({ name: 'a red bike', type: 'other' });
      expect(await store.counts(feed.tenant)).toMatchObject({ entities: 2, facts: 1, mentions: 2 });
    });

    it('is idempotent on the event id: applying an event again changes nothing', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const input = feed.event({ entities: [entity('Alice')], relations: [single('Alice', 'lives_in', 'Paris')] });
      await store.applyExtractions([input]);
      const before = await store.counts(feed.tenant);
      const again = await store.applyExtraction(input.tenant, input.extraction, input.provenance);
      expect(again).toMatchObject({ applied: false, factsAdded: 0, mentions: 0 });
      const other = feed.event({ relations: [single('Alice', 'lives_in', 'Rome')] });
      const batch = await store.applyExtractions([other, input, other]);
      expect(batch.map((r) => r.applied)).toEqual([true, false, false]);
      expect(await store.counts(feed.tenant)).toEqual({ ...before, facts: 2, invalidatedFacts: 1, mentions: before.mentions + 2, events: 2, entities: 3 });
      const alice = await entityIdOf(store, feed.tenant, 'alice');
      expect(objects(await store.factsAbout(feed.tenant, [alice]))).toEqual(['Rome']);
    });

    it('adds a supporting event to a repeated fact instead of a duplicate', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const first = feed.event({ relations: [relation('Alice', 'likes', 'hiking')] }, { worldTime: '2023-01-01T00:00:00Z' });
      const second = feed.event({ relations: [relation('alice', 'LIKES', 'Hiking')] }, { worldTime: '2023-06-01T00:00:00Z' });
      const [, result] = await store.applyExtractions([first, second]);
      expect(result).toMatchObject({ factsAdded: 0, factsSupported: 1 });
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      const facts = await store.factsAbout(feed.tenant, [alice]);
      expect(facts).toHaveLength(1);
      expect(facts[0]).toMatchObject({
        validFrom: ms('2023-01-01T00:00:00Z'),
        events: [first.provenance.eventId, second.provenance.eventId],
        sourceEvents: [first.provenance.sourceEventId, second.provenance.sourceEventId],
      });
      expect((await store.counts(feed.tenant)).facts).toBe(1);
    });

    it('invalidates the valid fact of a single-valued predicate when a new object arrives, never deleting it', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const paris = feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: '2020-01-01T00:00:00Z' });
      const berlin = feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }, { worldTime: '2023-01-01T00:00:00Z' });
      await store.applyExtractions([paris]);
      const result = await store.applyExtraction(...args(berlin));
      expect(result).toMatchObject({ factsAdded: 1, factsInvalidated: 1 });
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      const current = await store.factsAbout(feed.tenant, [alice]);
      expect(objects(current)).toEqual(['Berlin']);
      const all = await store.factsAbout(feed.tenant, [alice], { includeInvalidated: true });
      expect(objects(all)).toEqual(['Paris', 'Berlin']);
      expect(all[0]).toMatchObject({
        validFrom: ms('2020-01-01T00:00:00Z'),
        validTo: ms('2023-01-01T00:00:00Z'),
        expiredAt: berlin.provenance.recordedAt,
        invalidatedBy: current[0]!.id,
        invalidated: true,
      });
      expect(await store.counts(feed.tenant)).toMatchObject({ facts: 2, invalidatedFacts: 1 });
    });

    it('invalidates at the new fact’s stated valid-from when it has one', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      await store.applyExtractions([
        feed.event({ relations: [single('Alice', 'works_at', 'Acme')] }, { worldTime: '2020-01-01T00:00:00Z' }),
        feed.event({ relations: [single('Alice', 'works_at', 'Globex', { validfrom: '2022-09-01T00:00:00Z' })] }, { worldTime: '2023-01-01T00:00:00Z' }),
      ]);
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      const [acme, globex] = await store.factsAbout(feed.tenant, [alice], { includeInvalidated: true });
      expect(acme).toMatchObject({ objectName: 'Acme', validTo: ms('2022-09-01T00:00:00Z') });
      expect(globex).toMatchObject({ objectName: 'Globex', validFrom: ms('2022-09-01T00:00:00Z'), validTo: null });
    });

    it('keeps every object of a multi-valued predicate', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const results = await store.applyExtractions([
        feed.event({ relations: [relation('Alice', 'likes', 'hiking')] }),
        feed.event({ relations: [relation('Alice', 'likes', 'chess')] }),
      ]);
      expect(results.map((r) => r.factsInvalidated)).toEqual([0, 0]);
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      expect(objects(await store.factsAbout(feed.tenant, [alice])).sort()).toEqual(['chess', 'hiking']);
    });

    it('handles facts arriving out of world-time order: the older fact is bounded by the later one', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const paris = feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: '2020-01-01T00:00:00Z' });
      const london = feed.event({ relations: [single('Alice', 'lives_in', 'London')] }, { worldTime: '2022-01-01T00:00:00Z' });
      const berlin = feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }, { worldTime: '2021-01-01T00:00:00Z' });
      await store.applyExtractions([paris, london]);
      const late = await store.applyExtraction(...args(berlin));
      expect(late).toMatchObject({ factsAdded: 1, factsInvalidated: 2 });
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      expect(objects(await store.factsAbout(feed.tenant, [alice]))).toEqual(['London']);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { validAt: ms('2020-06-01T00:00:00Z') }))).toEqual(['Paris']);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { validAt: ms('2021-06-01T00:00:00Z') }))).toEqual(['Berlin']);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { validAt: ms('2023-06-01T00:00:00Z') }))).toEqual(['London']);
      const all = await store.factsAbout(feed.tenant, [alice], { includeInvalidated: true });
      const [p, b, l] = all;
      expect(objects(all)).toEqual(['Paris', 'Berlin', 'London']);
      // Paris was first ended by London (at 2022), then by Berlin (at 2021): the earliest end binds
      expect(p).toMatchObject({ validTo: ms('2021-01-01T00:00:00Z'), invalidatedBy: b!.id, expiredAt: london.provenance.recordedAt });
      // Berlin was never current: it is expired from the moment it was recorded
      expect(b).toMatchObject({ validTo: ms('2022-01-01T00:00:00Z'), invalidatedBy: l!.id, expiredAt: berlin.provenance.recordedAt });
      expect(l).toMatchObject({ validTo: null, invalidated: false });
    });

    it('answers validAt (world time) and asOf (transaction time, checkpoint, offset) independently', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant(), { offset: 10 });
      const paris = feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: '2020-01-01T00:00:00Z' });
      const berlin = feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }, { worldTime: '2023-01-01T00:00:00Z' });
      await store.applyExtractions([paris, berlin]);
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      const between = paris.provenance.recordedAt + 1;
      // before Berlin was recorded, the graph believed Paris, open-ended
      const then = await store.factsAbout(feed.tenant, [alice], { asOf: { recordedAt: between } });
      expect(then).toHaveLength(1);
      expect(then[0]).toMatchObject({ objectName: 'Paris', validTo: null, invalidated: false, expiredAt: null });
      expect(objects(await store.factsAbout(feed.tenant, [alice], { asOf: { recordedAt: between }, validAt: ms('2025-01-01T00:00:00Z') }))).toEqual(['Paris']);
      // what is known now about 2025 and about 2021
      expect(objects(await store.factsAbout(feed.tenant, [alice], { validAt: ms('2025-01-01T00:00:00Z') }))).toEqual(['Berlin']);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { validAt: ms('2021-01-01T00:00:00Z') }))).toEqual(['Paris']);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { validAt: ms('2019-01-01T00:00:00Z') }))).toEqual([]);
      // nothing was known before the first event
      expect(await store.factsAbout(feed.tenant, [alice], { asOf: { recordedAt: paris.provenance.recordedAt - 1 } })).toEqual([]);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { asOf: { recordedAt: berlin.provenance.recordedAt } }))).toEqual(['Berlin']);
      // by log position: offset 10 is Paris, 11 is Berlin
      expect(objects(await store.factsAbout(feed.tenant, [alice], { asOf: { offset: 10 } }))).toEqual(['Paris']);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { asOf: { checkpoint: { 0: 11 } } }))).toEqual(['Paris']);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { asOf: { checkpoint: { 0: 12 } } }))).toEqual(['Berlin']);
      expect(await store.factsAbout(feed.tenant, [alice], { asOf: { checkpoint: { 1: 100 } } })).toEqual([]);
      expect(objects(await store.factsAbout(feed.tenant, [alice], { asOf: { offset: 11 }, includeInvalidated: true }))).toEqual(['Paris', 'Berlin']);
    });

    it('ends a fact when a later statement of it gives an end', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      await store.applyExtractions([
        feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: '2020-01-01T00:00:00Z' }),
        feed.event({ relations: [single('Alice', 'lives_in', 'Paris', { validto: '2022-01-01T00:00:00Z' })] }, { worldTime: '2023-01-01T00:00:00Z' }),
      ]);
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      const facts = await store.factsAbout(feed.tenant, [alice]);
      expect(facts).toHaveLength(1);
      expect(facts[0]).toMatchObject({ objectName: 'Paris', validTo: ms('2022-01-01T00:00:00Z'), invalidated: false });
      expect(facts[0]!.events).toHaveLength(2);
      expect(await store.factsAbout(feed.tenant, [alice], { validAt: ms('2022-06-01T00:00:00Z') })).toEqual([]);
    });

    it('skips relations with no name, no predicate or an empty interval', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const result = await store.applyExtraction(
        ...args(
          feed.event({
            relations: [
              relation(' "" ', 'knows', 'Bob'),
              relation('Alice', ' - ', 'Bob'),
              relation('Alice', 'knows', 'Bob', { validfrom: '2022-01-01T00:00:00Z', validto: '2021-01-01T00:00:00Z' }),
              relation('Alice', 'knows', 'Bob'),
            ],
          }),
        ),
      );
      expect(result).toMatchObject({ factsAdded: 1, relationsSkipped: 3 });
    });

    it('walks one or two hops and returns the events that mention what it reached', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const e1 = feed.event({ entities: [entity('Alice', 'person', 0, 5), entity('Bob', 'person', 12, 15)], relations: [relation('Alice', 'knows', 'Bob')] });
      const e2 = feed.event({ entities: [entity('Bob'), entity('Acme', 'organization')], relations: [single('Bob', 'works_at', 'Acme')] });
      const e3 = feed.event({ relations: [relation('Acme', 'based_in', 'Lyon')] });
      await store.applyExtractions([e1, e2, e3]);
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      const one = await store.neighbours(feed.tenant, [alice]);
      expect(one.entities.map((e) => e.name)).toEqual(['Alice', 'Bob']);
      expect(one.facts.map((f) => f.predicate)).toEqual(['knows']);
      expect(new Set(one.mentions.map((m) => m.sourceEventId))).toEqual(new Set([e1.provenance.sourceEventId, e2.provenance.sourceEventId]));
      const aliceMention = one.mentions.find((m) => m.entityId === alice)!;
      expect(aliceMention).toMatchObject({ eventId: e1.provenance.eventId, start: 0, end: 5, surface: 'Alice', offset: e1.provenance.offset });
      const two = await store.neighbours(feed.tenant, [alice], { hops: 2 });
      expect(two.entities.map((e) => e.name)).toEqual(['Alice', 'Bob', 'Acme']);
      expect(two.facts.map((f) => f.predicate)).toEqual(['knows', 'works_at']);
      // an entity reached only at three hops is not included
      expect(two.entities.some((e) => e.name === 'Lyon')).toBe(false);
      // time filters apply to the traversal
      const before = await store.neighbours(feed.tenant, [alice], { hops: 2, asOf: { offset: e1.provenance.offset } });
      expect(before.entities.map((e) => e.name)).toEqual(['Alice', 'Bob']);
      expect(before.mentions.every((m) => m.eventId === e1.provenance.eventId)).toBe(true);
      for (const hops of [0, 3, 1.5]) {
        const error = await rejection(store.neighbours(feed.tenant, [alice], { hops }));
        expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
      }
    });

    it('lists the source events that mention entities, oldest first, as of a transaction time', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const first = feed.event({ entities: [entity('Caroline')] });
      const second = feed.event({ entities: [entity("Caroline's")] });
      const third = feed.event({ entities: [entity('Melanie')] });
      await store.applyExtractions([first, second, third]);
      const caroline = await entityIdOf(store, feed.tenant, 'caroline');
      const mentions = await store.mentionsOf(feed.tenant, [caroline]);
      expect(mentions.map((m) => m.sourceEventId)).toEqual([first.provenance.sourceEventId, second.provenance.sourceEventId]);
      expect(mentions.map((m) => m.worldTime)).toEqual([first.provenance.worldTime, second.provenance.worldTime]);
      const then = await store.mentionsOf(feed.tenant, [caroline], { asOf: { recordedAt: first.provenance.recordedAt } });
      expect(then.map((m) => m.eventId)).toEqual([first.provenance.eventId]);
      expect(await store.mentionsOf(feed.tenant, [caroline], { limit: 1 })).toHaveLength(1);
    });

    it('tells the history of an entity: facts added, supported and invalidated with both times', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const paris = feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: '2020-01-01T00:00:00Z' });
      const again = feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: '2021-01-01T00:00:00Z' });
      const berlin = feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }, { worldTime: '2023-01-01T00:00:00Z' });
      await store.applyExtractions([paris, again, berlin]);
      const alice = await entityIdOf(store, feed.tenant, 'Alice');
      const history = await store.history(feed.tenant, alice);
      expect(history.map((h) => [h.kind, h.objectName, h.eventId])).toEqual([
        ['fact_added', 'Paris', paris.provenance.eventId],
        ['fact_supported', 'Paris', again.provenance.eventId],
        ['fact_added', 'Berlin', berlin.provenance.eventId],
        ['fact_invalidated', 'Paris', berlin.provenance.eventId],
      ]);
      expect(history[3]).toMatchObject({
        validFrom: ms('2020-01-01T00:00:00Z'),
        validTo: ms('2023-01-01T00:00:00Z'),
        recordedAt: berlin.provenance.recordedAt,
        byFactId: history[2]!.factId,
        sourceEventId: berlin.provenance.sourceEventId,
      });
      expect(await store.history(feed.tenant, 'ent_unknown')).toEqual([]);
    });

    it('isolates tenants strictly: same names, same event ids, foreign ids', async () => {
      const a = new ExtractionFeed(uniqueGraphTenant('a'));
      const b = new ExtractionFeed(uniqueGraphTenant('b'));
      const inA = a.event({ entities: [entity('Alice')], relations: [single('Alice', 'lives_in', 'Paris')] });
      // the same event id delivered under another tenant is that tenant's own event
      const inB = b.event({ entities: [entity('Alice')], relations: [single('Alice', 'lives_in', 'Oslo')] }, { eventId: inA.provenance.eventId });
      const results = await store.applyExtractions([inA, inB]);
      expect(results.map((r) => r.applied)).toEqual([true, true]);
      const aliceA = await entityIdOf(store, a.tenant, 'Alice');
      const aliceB = await entityIdOf(store, b.tenant, 'Alice');
      expect(aliceA).not.toBe(aliceB);
      expect(objects(await store.factsAbout(a.tenant, [aliceA]))).toEqual(['Paris']);
      expect(objects(await store.factsAbout(b.tenant, [aliceB]))).toEqual(['Oslo']);
      // another tenant's ids find nothing
      expect(await store.factsAbout(b.tenant, [aliceA])).toEqual([]);
      expect(await store.factsAbout(b.tenant, [aliceA], { includeInvalidated: true, validAt: ms('2030-01-01') })).toEqual([]);
      expect(await store.neighbours(b.tenant, [aliceA], { hops: 2 })).toEqual({ entities: [], facts: [], mentions: [] });
      expect(await store.mentionsOf(b.tenant, [aliceA])).toEqual([]);
      expect(await store.history(b.tenant, aliceA)).toEqual([]);
      expect(await store.entitiesByName(uniqueGraphTenant('c'), ['Alice'])).toEqual([]);
      expect(await store.counts(uniqueGraphTenant('c'))).toEqual({ entities: 0, facts: 0, invalidatedFacts: 0, mentions: 0, events: 0 });
      // purging in one tenant leaves the other alone
      await store.purgeEvents(b.tenant, [inA.provenance.eventId]);
      expect(objects(await store.factsAbout(a.tenant, [aliceA]))).toEqual(['Paris']);
      expect(await store.counts(b.tenant)).toMatchObject({ entities: 0, facts: 0, mentions: 0, events: 0 });
      expect(await store.counts(a.tenant)).toMatchObject({ entities: 2, facts: 1, mentions: 2, events: 1 });
    });

    it('purges what events derived and undoes the invalidations they caused', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const paris = feed.event({ entities: [entity('Alice')], relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: '2020-01-01T00:00:00Z' });
      const berlin = feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }, { worldTime: '2021-01-01T00:00:00Z' });
      const rome = feed.event({ relations: [single('Alice', 'lives_in', 'Rome')] }, { worldTime: '2022-01-01T00:00:00Z' });
      const secret = feed.event({ entities: [entity('Zed')], relations: [relation('Zed', 'knows', 'Alice')] });
      await store.applyExtractions([paris, berlin, rome, secret]);
      const alice = await entityIdOf(store, feed.tenant, 'Alice');

      // erase Berlin by its source event: Rome's invalidation of Berlin goes with it, and Paris
      // is now ended by Rome instead
      const purged = await store.purgeEvents(feed.tenant, [berlin.provenance.sourceEventId]);
      expect(purged).toEqual({ events: 1, mentions: 2, facts: 1, entities: 1 });
      const all = await store.factsAbout(feed.tenant, [alice], { includeInvalidated: true });
      // Zed knows Alice is about Alice too (as object)
      expect(objects(all)).toEqual(['Paris', 'Rome', 'Alice']);
      expect(all.filter((f) => f.predicate === 'lives_in').map((f) => [f.objectName, f.validTo])).toEqual([
        ['Paris', ms('2022-01-01T00:00:00Z')],
        ['Rome', null],
      ]);
      expect(await store.entitiesByName(feed.tenant, ['Berlin'])).toEqual([]);

      // erase the event that named Zed: Zed disappears, Alice stays (others mention her)
      await store.purgeEvents(feed.tenant, [secret.provenance.eventId]);
      expect(await store.entitiesByName(feed.tenant, ['Zed'])).toEqual([]);
      expect(await store.counts(feed.tenant)).toMatchObject({ entities: 3, facts: 2, events: 2 });

      // a purged event stays purged; purging twice is a no-op
      const again = await store.applyExtraction(...args(berlin));
      expect(again.applied).toBe(false);
      expect(await store.purgeEvents(feed.tenant, [berlin.provenance.eventId])).toEqual({ events: 0, mentions: 0, facts: 0, entities: 0 });

      // a fact stays while another event still states it
      const repeat = feed.event({ relations: [single('Alice', 'lives_in', 'Rome')] }, { worldTime: '2022-06-01T00:00:00Z' });
      await store.applyExtractions([repeat]);
      expect(await store.purgeEvents(feed.tenant, [rome.provenance.eventId])).toMatchObject({ facts: 0, entities: 0 });
      const [, romeFact] = await store.factsAbout(feed.tenant, [alice], { includeInvalidated: true });
      expect(romeFact).toMatchObject({
        objectName: 'Rome',
        validFrom: ms('2022-06-01T00:00:00Z'),
        events: [repeat.provenance.eventId],
        recordedAt: repeat.provenance.recordedAt,
      });
    });

    it('rejects malformed input with validation errors', async () => {
      const feed = new ExtractionFeed(uniqueGraphTenant());
      const input = feed.event({ relations: [relation('A', 'b', 'C')] });
      const cases: Promise<unknown>[] = [
        store.applyExtraction('', input.extraction, input.provenance),
        store.applyExtraction(feed.tenant, input.extraction, { ...input.provenance, offset: -1 }),
        store.applyExtraction(feed.tenant, input.extraction, { ...input.provenance, recordedAt: Number.NaN }),
        store.factsAbout(feed.tenant, ['x'], { validAt: Number.POSITIVE_INFINITY }),
        store.factsAbout(feed.tenant, ['x'], { asOf: { offset: -2 } }),
        store.factsAbout(feed.tenant, ['x'], { limit: 0 }),
        store.mentionsOf('', ['x']),
      ];
      for (const pending of cases) {
        const error = await rejection(pending);
        expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
      }
      expect(await store.counts(feed.tenant)).toMatchObject({ events: 0 });
    });
  });
}

function args(input: { tenant: string; extraction: Parameters<GraphStore['applyExtraction']>[1]; provenance: Parameters<GraphStore['applyExtraction']>[2] }) {
  return [input.tenant, input.extraction, input.provenance] as const;
}
