import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, locomoDevFile, memfabric, sessionKeys, type LocomoSample, type LocomoTurn } from './support/memfabric-cli.js';

/**
 * Acceptance of fused recall (the query-gateway issue's "Done when") through the `memfabric`
 * binary on real LoCoMo data: conversation conv-26 of the dev split, plus conv-30 as a second
 * tenant. One embedded fabric for the whole file: ingested and projected once in `beforeAll`.
 *
 * conv-26 is ingested with its first session last (sessions 2-19, then conv-30, then the whole
 * file again, which appends only session_1: the LoCoMo importer is idempotent per turn), so a
 * log position just before session_1's first event still holds most of the conversation and an
 * `--as-of` recall there has something to return that must exclude session_1.
 */

const QUESTION = 'When did Caroline go to the LGBTQ support group?';
/** Mentions both conversations (conv-30: Jon, Gina, a dance studio; conv-26: Caroline) and a time expression. */
const CROSS_TENANT_QUERY = 'Did Jon lose his banker job and open a dance studio with Gina in January 2023, or did Caroline go to the LGBTQ support group?';
const PRESETS = ['hybrid-rrf', 'hybrid-mmr', 'dense-only', 'lexical-only', 'graph-only'] as const;

const locomoDev = locomoDevFile;

interface LoggedEvent {
  id: string;
  type: string;
  subject?: string;
  tenantId: string;
  streamId: string;
  offset: number;
  data: { content?: string } | null;
}

interface Hit {
  unitId: string;
  text: string;
  tenantId: string;
  streamId: string;
  time: string;
  position: { partition: number; offset: number };
  sourceRef: string | null;
  explain: { channels: Record<string, { rank: number; score: number }>; events: string[] };
}

interface Recall {
  hits: Hit[];
  preset: string;
  asOfPosition: number | null;
  validAt: string | null;
}

/** Runs a command that must succeed and returns its `--json` last line. */
async function json<T>(dataDir: string, ...args: string[]): Promise<T> {
  const result = await memfabric(dataDir, ...args, '--json');
  expect(result.code, `memfabric ${args.join(' ')} failed: ${result.stderr}`).toBe(0);
  return lastJson<T>(result.stdout);
}

/** `log tail --json` prints one event per line. */
async function tail(dataDir: string, tenant: string, stream?: string): Promise<LoggedEvent[]> {
  const result = await memfabric(dataDir, 'log', 'tail', '--tenant', tenant, ...(stream ? ['--stream', stream] : []), '-n', '10000', '--json');
  expect(result.code, result.stderr).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LoggedEvent);
}

function turnsOf(sample: LocomoSample, session: string): LocomoTurn[] {
  return sample.conversation[session] as LocomoTurn[];
}

describe('recall acceptance on LoCoMo conv-26 (query gateway "Done when")', { timeout: 420_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-e2e-recall-'));
  const data = path.join(dir, 'data');
  const samples = JSON.parse(readFileSync(locomoDev, 'utf8')) as LocomoSample[];
  const conv26 = samples.find((s) => s.sample_id === 'conv-26')!;
  const conv30 = samples.find((s) => s.sample_id === 'conv-30')!;
  const session1 = turnsOf(conv26, 'session_1');
  const conv26Turns = sessionKeys(conv26).flatMap((k) => turnsOf(conv26, k));
  const conv30Turns = sessionKeys(conv30).flatMap((k) => turnsOf(conv30, k));
  /** Log events of conv-26's session_1 turns, in log order. */
  let session1Events: LoggedEvent[] = [];
  /** Ids of every conv-30 memory unit (= its interaction events' ids). */
  let conv30UnitIds = new Set<string>();

  beforeAll(async () => {
    const laterSessions: LocomoSample = {
      ...conv26,
      conversation: Object.fromEntries(Object.entries(conv26.conversation).filter(([k]) => k !== 'session_1' && k !== 'session_1_date_time')),
    };
    writeFileSync(path.join(dir, 'conv-26-later.json'), JSON.stringify([laterSessions]));
    writeFileSync(path.join(dir, 'conv-30.json'), JSON.stringify([conv30]));
    writeFileSync(path.join(dir, 'conv-26.json'), JSON.stringify([conv26]));

    const later = conv26Turns.length - session1.length;
    expect(await json(data, 'ingest', path.join(dir, 'conv-26-later.json'), '--format', 'locomo')).toEqual({ appended: later, duplicates: 0 });
    expect(await json(data, 'ingest', path.join(dir, 'conv-30.json'), '--format', 'locomo')).toEqual({ appended: conv30Turns.length, duplicates: 0 });
    expect(await json(data, 'ingest', path.join(dir, 'conv-26.json'), '--format', 'locomo')).toEqual({ appended: session1.length, duplicates: later });
    const projected = await json<{ projections: { name: string; lag: number; deadLetters: number }[] }>(data, 'project');
    for (const p of projected.projections) expect([p.name, p.lag, p.deadLetters]).toEqual([p.name, 0, 0]);

    session1Events = (await tail(data, 'conv-26', 'session_1')).filter((e) => e.type === 'interaction.recorded');
    expect(session1Events.map((e) => e.subject)).toEqual(session1.map((t) => t.dia_id));
    conv30UnitIds = new Set((await tail(data, 'conv-30')).filter((e) => e.type === 'interaction.recorded').map((e) => e.id));
    expect(conv30UnitIds.size).toBe(conv30Turns.length);
  }, 420_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the evidence turn D1:3 with an explanation: channel ranks and the events it derives from', async () => {
    const response = await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '10');
    expect(response.hits.length).toBeGreaterThan(0);
    expect(response.hits.length).toBeLessThanOrEqual(10);
    const d13 = session1Events.find((e) => e.subject === 'D1:3')!;
    const hit = response.hits.find((h) => h.sourceRef === 'D1:3');
    expect(hit, `D1:3 not among ${response.hits.map((h) => `${h.streamId}/${h.sourceRef}`).join(', ')}`).toBeDefined();
    expect(hit).toMatchObject({
      unitId: d13.id,
      tenantId: 'conv-26',
      streamId: 'session_1',
      text: session1.find((t) => t.dia_id === 'D1:3')!.text,
      time: '2023-05-08T13:56:00.000Z',
      position: { offset: d13.offset },
    });
    const channels = Object.entries(hit!.explain.channels);
    expect(channels.length).toBeGreaterThan(0);
    for (const [name, c] of channels) {
      expect(c.rank, name).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(c.score), name).toBe(true);
    }
    expect(hit!.explain.events).toContain(hit!.unitId);
  });

  it('--as-of a log position before session_1 returns nothing from session_1; at D1:3 it returns D1:3', async () => {
    const first = session1Events[0]!.offset;
    expect(first).toBeGreaterThan(0);
    const before = await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '10', '--as-of', String(first - 1));
    expect(before.asOfPosition).toBe(first - 1);
    // sessions 2-19 were known then: recall still answers, from them only
    expect(before.hits.length).toBeGreaterThan(0);
    for (const h of before.hits) {
      expect(h.streamId, `${h.sourceRef} at offset ${h.position.offset}`).not.toBe('session_1');
      expect(h.position.offset).toBeLessThan(first);
    }

    const d13 = session1Events.find((e) => e.subject === 'D1:3')!;
    const at = await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '10', '--as-of', String(d13.offset));
    expect(at.hits.map((h) => h.sourceRef)).toContain('D1:3');
    for (const h of at.hits) expect(h.position.offset).toBeLessThanOrEqual(d13.offset);
  });

  it('--valid-at before session_1 (8 May 2023 13:56) returns nothing; before session_2 only session_1', async () => {
    // session_1 is the earliest session of conv-26, so nothing at all was true before it
    expect(conv26.conversation['session_1_date_time']).toBe('1:56 pm on 8 May, 2023');
    const none = await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '10', '--valid-at', '2023-05-08T00:00:00Z');
    expect(none.validAt).toBe('2023-05-08T00:00:00.000Z');
    expect(none.hits).toEqual([]);

    expect(conv26.conversation['session_2_date_time']).toBe('1:14 pm on 25 May, 2023');
    const firstOnly = await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '10', '--valid-at', '2023-05-25T00:00:00Z');
    expect(firstOnly.hits.map((h) => h.sourceRef)).toContain('D1:3');
    for (const h of firstOnly.hits) expect(h.streamId, h.sourceRef ?? h.unitId).toBe('session_1');
  });

  it.each(PRESETS)('recall scoped to conv-26 never returns a conv-30 unit (preset %s)', async (preset) => {
    const conv26Text = new Map(conv26Turns.map((t) => [t.dia_id, t.text]));
    const scoped = await json<Recall>(data, 'recall', CROSS_TENANT_QUERY, '--tenant', 'conv-26', '--k', '50', '--preset', preset);
    expect(scoped.preset).toBe(preset);
    expect(scoped.hits.length).toBeGreaterThan(0);
    for (const h of scoped.hits) {
      expect(h.tenantId, h.unitId).toBe('conv-26');
      expect(conv30UnitIds.has(h.unitId), `${h.unitId} is a conv-30 unit: ${h.text}`).toBe(false);
      // the text is conv-26's turn of that dia_id (conv-30 reuses the same D<s>:<t> ids)
      expect(h.text.startsWith(conv26Text.get(h.sourceRef ?? '') ?? '\u0000'), `${h.sourceRef}: ${h.text}`).toBe(true);
    }
    // the same query reaches conv-30's units through this preset's channels when scoped there
    const other = await json<Recall>(data, 'recall', CROSS_TENANT_QUERY, '--tenant', 'conv-30', '--k', '50', '--preset', preset);
    expect(other.hits.length).toBeGreaterThan(0);
    for (const h of other.hits) expect(conv30UnitIds.has(h.unitId), `${h.unitId}: ${h.text}`).toBe(true);
  });
});
