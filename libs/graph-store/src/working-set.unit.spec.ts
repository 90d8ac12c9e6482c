import { describe, expect, it } from 'vitest';
import { ValidationError } from '@memfabric/errors';
import { entityId } from './names.js';
import { planPurge, purgeScope } from './purge.js';
import { ExtractionFeed, entity, single, relation } from './testing/fixtures.js';
import { GraphWorkingSet, requirementsOf } from './working-set.js';
import { extractionFromEvent } from './provenance.js';
import type { StoredEvent } from '@memfabric/events';

const T = 'tenant-1';
const Y = (year: number) => Date.UTC(year, 0, 1);

describe('GraphWorkingSet', () => {
  it('given a batch, requirementsOf names the entities and timelines to load, before anything is read', () => {
    const feed = new ExtractionFeed(T);
    const input = feed.event({ entities: [entity("Alice's")], relations: [single('Alice', 'lives in', 'Paris'), relation('', 'x', 'y')] });
    const req = requirementsOf([input]).get(T)!;
    expect(req.eventIds).toEqual([input.provenance.eventId]);
    expect(new Set(req.entityIds)).toEqual(new Set([entityId(T, 'alice'), entityId(T, 'paris')]));
    expect(req.timelines).toEqual([{ subjectId: entityId(T, 'alice'), predicate: 'lives_in' }]);
  });

  it('given an empty graph, when two events state contradicting facts, then the change set holds both facts, the statements and one revision', () => {
    const feed = new ExtractionFeed(T);
    const set = new GraphWorkingSet();
    set.apply(feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: Y(2020) }));
    const second = set.apply(feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }, { worldTime: Y(2023) }));
    expect(second).toMatchObject({ factsAdded: 1, factsInvalidated: 1, entitiesCreated: 1, mentions: 2 });
    const changes = set.changes();
    expect(changes.events).toHaveLength(2);
    expect(changes.entities.map((e) => e.name).sort()).toEqual(['Alice', 'Berlin', 'Paris']);
    expect(changes.statements).toHaveLength(2);
    expect(changes.revisions).toEqual([expect.objectContaining({ kind: 'invalidated', validTo: Y(2023) })]);
    const paris = changes.facts.find((f) => f.objectId === entityId(T, 'paris'))!;
    expect(paris).toMatchObject({ validTo: Y(2023), expiredAt: changes.events[1]!.recordedAt, invalidatedBy: changes.facts.find((f) => f !== paris)!.id });
  });

  it('given a snapshot with the event applied, when it is applied again, then nothing is recorded', () => {
    const feed = new ExtractionFeed(T);
    const input = feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] });
    const set = new GraphWorkingSet({ events: [{ tenant: T, eventId: input.provenance.eventId }], entities: [], facts: [], revisions: [] });
    expect(set.apply(input).applied).toBe(false);
    expect(set.changes()).toEqual({ events: [], entities: [], mentions: [], facts: [], statements: [], revisions: [] });
  });

  it('rejects a malformed input with a pointer to the field', () => {
    const feed = new ExtractionFeed(T);
    const input = feed.event({});
    let error: unknown;
    try {
      requirementsOf([input, { ...input, provenance: { ...input.provenance, worldTime: Number.NaN } }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([{ pointer: '/1/provenance/worldTime', detail: expect.any(String) }]);
  });
});

describe('planPurge', () => {
  it('given Paris → Berlin → Rome, when Berlin is purged, then the timeline is replayed and Paris ends at Rome', () => {
    const feed = new ExtractionFeed(T);
    const set = new GraphWorkingSet();
    const inputs = [
      feed.event({ relations: [single('Alice', 'lives_in', 'Paris')] }, { worldTime: Y(2020) }),
      feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }, { worldTime: Y(2021) }),
      feed.event({ relations: [single('Alice', 'lives_in', 'Rome')] }, { worldTime: Y(2022) }),
    ];
    for (const input of inputs) set.apply(input);
    const all = set.changes();
    const berlin = inputs[1]!.provenance.eventId;
    const scope = purgeScope({
      events: all.events.filter((e) => e.eventId === berlin),
      statements: all.statements.filter((s) => s.eventId === berlin),
      mentions: all.mentions.filter((m) => m.eventId === berlin),
    });
    expect(scope.timelines).toEqual([{ subjectId: entityId(T, 'alice'), predicate: 'lives_in' }]);
    const entityIds = new Set(scope.entityIds);
    const plan = planPurge(
      {
        tenant: T,
        scope,
        statements: all.statements,
        facts: all.facts,
        mentions: all.mentions.filter((m) => entityIds.has(m.entityId)),
        entities: all.entities.filter((e) => entityIds.has(e.id)),
      },
      12345,
    );
    expect(plan.result).toEqual({ events: 1, mentions: 2, facts: 1, entities: 1 });
    expect(plan.removeEntityIds).toEqual([entityId(T, 'berlin')]);
    expect(plan.facts.map((f) => [f.objectId, f.validTo])).toEqual([
      [entityId(T, 'paris'), Y(2022)],
      [entityId(T, 'rome'), null],
    ]);
    // revisions are recorded again at the transaction time of the statement that caused them
    expect(plan.revisions).toEqual([expect.objectContaining({ recordedAt: inputs[2]!.provenance.recordedAt, eventId: inputs[2]!.provenance.eventId })]);
  });
});

describe('extractionFromEvent', () => {
  const stored = (overrides: Partial<StoredEvent> = {}): StoredEvent => ({
    specversion: '1.0',
    id: '018f0000-0000-7000-8000-000000000001',
    source: 'urn:memfabric:extraction',
    type: 'facts.extracted',
    time: '2023-05-08T13:56:00.000Z',
    dataschema: 'urn:memfabric:schema:facts.extracted:v1',
    tenantid: 'acme',
    streamid: 's',
    actor: 'extractor',
    datasubject: 'caroline',
    batchid: 'b',
    recordedat: '2024-01-01T00:00:00.000Z',
    partition: 2,
    offset: 41,
    streamposition: 3,
    prevhash: '0'.repeat(64),
    hash: '1'.repeat(64),
    data: { sourceevent: '018f0000-0000-7000-8000-000000000000', extractor: { name: 'x', version: '1' }, entities: [], times: [], relations: [] },
    ...overrides,
  });

  it('maps a stored facts.extracted event to an input with its provenance', () => {
    expect(extractionFromEvent(stored())).toMatchObject({
      tenant: 'acme',
      provenance: {
        eventId: '018f0000-0000-7000-8000-000000000001',
        sourceEventId: '018f0000-0000-7000-8000-000000000000',
        worldTime: Date.parse('2023-05-08T13:56:00.000Z'),
        recordedAt: Date.parse('2024-01-01T00:00:00.000Z'),
        partition: 2,
        offset: 41,
      },
    });
  });

  it('ignores other types and erased events', () => {
    expect(extractionFromEvent(stored({ type: 'interaction.recorded' }))).toBeUndefined();
    expect(extractionFromEvent(stored({ data: null, erased: true }))).toBeUndefined();
  });

  it('rejects a malformed event', () => {
    expect(() => extractionFromEvent(stored({ time: 'yesterday' }))).toThrow(ValidationError);
  });
});
