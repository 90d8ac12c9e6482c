import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import { corrected, retracted, rollbackApplied, rollbackReverted, subjectErased } from '@memfabric/projections/testing';
import type { RecallBackend } from '../backend.js';
import { READ_MODELS } from '../channels/read-models.js';
import { RecallEngine } from '../engine.js';
import type { RecallRequest, RecallResponse } from '../types.js';

/** A recall backend under test and how to feed it. */
export interface RecallBackendHarness {
  readonly backend: RecallBackend;
  /**
   * Appends events to the fabric's log and resolves once every read model the backend serves has
   * applied them (and anything they cause, e.g. `facts.extracted`).
   * @returns the stored source events, in input order.
   */
  append(events: readonly NewEvent[]): Promise<StoredEvent[]>;
  /** Whether the graph channel has a graph built from extracted facts (an extractor runs). */
  readonly extracts: boolean;
  /** Releases the stores. */
  close(): Promise<void>;
}

const MAY = '2023-05-08T13:56:00.000Z';

function say(tenant: string, stream: string, speaker: string, content: string, extra: { time?: string; datasubject?: string } = {}): NewEvent {
  return interaction(tenant, stream, content, {
    actor: speaker.toLowerCase(),
    time: extra.time ?? MAY,
    ...(extra.datasubject ? { datasubject: extra.datasubject } : {}),
    data: { kind: 'message', role: 'user', content, speaker },
  });
}

/**
 * The contract every {@link RecallBackend} meets, whatever stores serve it (in-memory doubles,
 * the embedded SQLite stack, the server adapters): what the built-in channels find through it,
 * one tenant per recall, and the unit lifecycle (correction, retraction, rollback and its revert,
 * erasure, `asOf`) decided by the memory-unit read model.
 *
 * @param name - shown in the suite title.
 * @param open - builds a fresh harness (called once for the suite).
 */
export function describeRecallBackendContract(name: string, open: () => Promise<RecallBackendHarness>): void {
  describe(`RecallBackend contract: ${name}`, () => {
    let harness: RecallBackendHarness;
    let engine: RecallEngine;
    const tenant = uniqueTenant('rb');
    const other = uniqueTenant('rb-other');
    const stored = new Map<string, StoredEvent>();
    const recall = (query: string, extra: Partial<RecallRequest> = {}): Promise<RecallResponse> =>
      engine.recall({ query, scope: { tenant }, k: 20, ...extra });
    const ids = (response: RecallResponse) => response.hits.map((h) => h.unitId);
    const id = (key: string) => stored.get(key)!.id;

    beforeAll(async () => {
      harness = await open();
      engine = new RecallEngine(harness.backend);
      const events: [string, NewEvent][] = [
        ['kayak', say(tenant, 's1', 'Caroline', 'I paddled my new kayak across Lake Tahoe last weekend')],
        ['question', say(tenant, 's1', 'Melanie', 'Wow, how did that feel?')],
        ['pottery', say(tenant, 's1', 'Melanie', 'My pottery class meets on Tuesdays in Berlin')],
        ['oldJob', say(tenant, 's2', 'Caroline', 'I work as a nurse at the harbour clinic')],
        ['diary', say(tenant, 's3', 'Dave', 'Dave keeps a diary about his violin lessons', { datasubject: 'dave' })],
        ['import', say(tenant, 'import', 'Caroline', 'Imported note: the glacier trip is booked for August')],
        ['secret', say(other, 's1', 'Caroline', 'The other tenant also owns a kayak on Lake Tahoe')],
      ];
      const results = await harness.append(events.map(([, e]) => e));
      events.forEach(([key], i) => stored.set(key, results[i]!));
    }, 120_000);

    afterAll(async () => {
      await harness?.close();
    });

    it('dense and lexical channels find a unit by its content; lexical also by its speaker (speaker-keyed documents)', async () => {
      expect(ids(await recall('kayak Lake Tahoe', { preset: 'lexical-only' }))[0]).toBe(id('kayak'));
      expect(ids(await recall('I paddled my new kayak across Lake Tahoe last weekend', { preset: 'dense-only' }))[0]).toBe(id('kayak'));
      const bySpeaker = ids(await recall('Melanie', { preset: 'lexical-only' }));
      expect(new Set(bySpeaker)).toEqual(new Set([id('question'), id('pottery')]));
    });

    it('hits carry the unit as the memory-unit read model holds it, with the channels that ranked it', async () => {
      const response = await recall('kayak Lake Tahoe');
      const hit = response.hits.find((h) => h.unitId === id('kayak'))!;
      expect(hit).toMatchObject({ text: 'I paddled my new kayak across Lake Tahoe last weekend', tenant, stream: 's1', actor: 'caroline', speaker: 'Caroline' });
      expect(hit.position.offset).toBe(stored.get('kayak')!.offset);
      expect(hit.explain.channels['lexical']).toBeDefined();
      expect(hit.explain.events[0]).toBe(id('kayak'));
    });

    it('one tenant per recall: no channel returns another tenant’s unit', async () => {
      for (const preset of ['hybrid-rrf', 'hybrid-mmr', 'dense-only', 'lexical-only', 'graph-only']) {
        const response = await recall('kayak Lake Tahoe Caroline', { preset, weights: { recency: 1 } });
        expect(ids(response)).not.toContain(id('secret'));
        for (const hit of response.hits) expect(hit.tenant).toBe(tenant);
      }
    });

    it('the graph channel ranks units mentioning the query’s entities', async () => {
      if (!harness.extracts) return;
      const response = await recall('What about Berlin?', { preset: 'graph-only' });
      expect(ids(response)).toContain(id('pottery'));
      expect(response.hits.find((h) => h.unitId === id('pottery'))!.explain.entities).toBeDefined();
    });

    it('the context channel and lexical propagation bring the neighbouring turns of a hit', async () => {
      const response = await recall('kayak Lake Tahoe', { weights: { dense: 0, graph: 0, temporal: 0 } });
      const neighbour = response.hits.find((h) => h.unitId === id('question'));
      expect(neighbour?.explain.expandedFrom).toBe(id('kayak'));
    });

    it('every read model a channel names reports progress; a token within the log is reached', async () => {
      const known = harness.backend.progress.names;
      expect(known).toContain(READ_MODELS.memoryUnits);
      expect(known).toContain(READ_MODELS.vectors);
      const last = stored.get('secret')!;
      for (const projection of known) expect(await harness.backend.progress.reached(projection, { [last.partition]: last.offset + 1 })).toBe(true);
    });

    it('lifecycle: a correction supersedes, a retraction removes, a rollback hides until reverted, an erasure purges; asOf sees the past', async () => {
      const [fix] = await harness.append([corrected(tenant, 's2', id('oldJob'), 'I work as a paramedic at the harbour clinic')]);
      let found = ids(await recall('harbour clinic', { preset: 'lexical-only' }));
      expect(found).toContain(fix!.id);
      expect(found).not.toContain(id('oldJob'));
      expect(ids(await recall('harbour clinic', { preset: 'lexical-only', asOf: { position: fix!.offset - 1 } }))).toContain(id('oldJob'));

      const [retraction] = await harness.append([retracted(tenant, 's1', id('pottery'))]);
      expect(ids(await recall('pottery Tuesdays', { preset: 'lexical-only' }))).not.toContain(id('pottery'));
      expect(ids(await recall('pottery Tuesdays', { preset: 'dense-only' }))).not.toContain(id('pottery'));
      expect(ids(await recall('pottery Tuesdays', { preset: 'lexical-only', asOf: { position: retraction!.offset - 1 } }))).toContain(id('pottery'));

      const [rollback] = await harness.append([rollbackApplied(tenant, { streamid: 'import' })]);
      expect(ids(await recall('glacier trip August', { preset: 'lexical-only' }))).not.toContain(id('import'));
      await harness.append([rollbackReverted(tenant, rollback!.id)]);
      expect(ids(await recall('glacier trip August', { preset: 'lexical-only' }))).toContain(id('import'));

      const before = stored.get('diary')!.offset;
      await harness.append([subjectErased(tenant, 'dave')]);
      for (const preset of ['lexical-only', 'dense-only', 'hybrid-rrf']) {
        expect(ids(await recall('diary violin lessons', { preset }))).not.toContain(id('diary'));
        expect(ids(await recall('diary violin lessons', { preset, asOf: { position: before } }))).not.toContain(id('diary'));
      }
      found = ids(await recall('kayak Lake Tahoe', { preset: 'lexical-only' }));
      expect(found[0]).toBe(id('kayak'));
    });

    it('asOf a time maps to the last position recorded by then (the log’s positionAt)', async () => {
      const kayak = stored.get('kayak')!;
      expect(await harness.backend.positionAt(Date.parse(kayak.recordedat))).toBeGreaterThanOrEqual(kayak.offset);
      expect(await harness.backend.positionAt(Date.parse(kayak.recordedat) - 86_400_000)).toBeUndefined();
      const response = await recall('kayak', { preset: 'lexical-only', asOf: { time: '2001-01-01T00:00:00Z' } });
      expect(response.hits).toEqual([]);
    });
  });
}
