import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedFabric } from '@memfabric/embedded';
import { loadUseLiteModel, UseEmbedder, useWorkerPool } from '@memfabric/embeddings-use';
import { derivedEventId, normalizeBatch, normalizeEvent } from '@memfabric/events';
import { locomoEvents, prepareLocomoEvaluation, type EvalDataset } from '@memfabric/locomo';
import { locomoDevFile } from './support/memfabric-cli.js';

/**
 * Deterministic replay: the same log gives the same read models and the same recall, whatever
 * the process layout. One LoCoMo conversation (conv-30 of the dev split, 369 turns, 105
 * questions) is ingested into two fresh data directories through the same appends (first
 * half, second half, then an erasure of one speaker) under the same pinned transaction-time
 * clock, so both logs are identical; only the layout of the projection runs differs:
 *
 * - A: one fabric kept open, 500 events per projection batch, every projection caught up in
 *   one go after each append;
 * - B: 7, then 1, then 13 events per batch, the fabric closed and reopened between runs (cold
 *   caches, as a restarted process), the projections caught up a few at a time, and USE lite
 *   run in 2 worker threads (a new `useWorkerPool` per open, every call split over both, as
 *   `MEMFABRIC_EMBEDDING_WORKERS` does) instead of A's calling thread.
 *
 * Both must hold the same facts.extracted events (ids, positions, data), the same memory units,
 * the same vector bytes, the same lexical documents, the same graph (purge times included), and
 * answer every question with the same top-10 ids and scores. Real USE-lite embeddings: the
 * batching and the threads of the embedder are part of what is checked.
 */

const SAMPLE = 'conv-30';
/** Every `recordedat` of both logs: the logs must be identical, transaction time included. */
const CLOCK = () => new Date('2026-12-04T00:00:00.000Z');
const MASTER_KEY = new Uint8Array(32).fill(7);

interface Layout {
  readonly dataDir: string;
  fabric?: EmbeddedFabric;
}

/** Rows of the read-model tables, every column except the runtime's own bookkeeping. */
type Dump = Record<string, unknown[]>;

/** Runtime tables and columns that record how the work was scheduled, not what the log says. */
const SKIPPED_TABLES = /^(events|sqlite_|projection_|consumer_|dead_letter|key|content_key|vault)|_fts(_|$)/;
/** Per-transaction change counters of the vector index (they count batches, not events). */
const SKIPPED_COLUMNS = new Set(['seq', 'vseq']);

function dumpReadModels(fabric: EmbeddedFabric): Dump {
  const db = fabric.log.db;
  const tables = db
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
    .all()
    .map((t) => t.name)
    .filter((name) => !SKIPPED_TABLES.test(name));
  const dump: Dump = {};
  for (const table of tables) {
    const columns = db
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((c) => c.name)
      .filter((c) => !SKIPPED_COLUMNS.has(c));
    if (columns.length === 0) continue;
    const list = columns.map((c) => `"${c}"`).join(', ');
    dump[table] = db
      .prepare(`SELECT ${list} FROM "${table}" ORDER BY ${list}`)
      .all()
      // the random id an index gives itself to recognise its own HNSW files
      .filter((row) => !(table.endsWith('_meta') && (row as { key?: unknown }).key === 'instance'))
      .map((row) => Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])));
  }
  return dump;
}

/** Tables whose rows differ between two dumps. */
function differing(a: Dump, b: Dump): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((t) => JSON.stringify(a[t]) !== JSON.stringify(b[t]));
}

async function factsEvents(fabric: EmbeddedFabric): Promise<unknown[]> {
  const out: unknown[] = [];
  let from = {};
  for (;;) {
    const page = await fabric.log.readAll({ from, limit: 1000 });
    for (const e of page.events) {
      if (e.type === 'facts.extracted') out.push({ id: e.id, stream: e.streamid, position: e.streamposition, offset: e.offset, subject: e.subject, data: e.data });
    }
    if (page.events.length === 0) break;
    from = page.next;
  }
  return out;
}

interface Answer {
  readonly question: number;
  readonly hits: readonly (readonly [string, number])[];
}

async function recallAll(fabric: EmbeddedFabric, dataset: EvalDataset): Promise<Answer[]> {
  const recaller = fabric.recaller();
  const answers: Answer[] = [];
  for (const q of dataset.scored) {
    const response = await recaller.recall({ query: q.question, scope: { tenant: q.sampleId }, k: 10, preset: 'hybrid-rrf', referenceTime: q.referenceTime });
    answers.push({ question: q.index, hits: response.hits.map((h) => [h.unitId, h.score] as const) });
  }
  return answers;
}

describe.skipIf(!existsSync(locomoDevFile))('deterministic replay: the same log gives the same read models and recall in any process layout', { timeout: 300_000 }, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'memfabric-replay-'));
  const a: Layout = { dataDir: path.join(root, 'a') };
  const b: Layout = { dataDir: path.join(root, 'b') };
  let embedder: UseEmbedder;
  let dataset: EvalDataset;
  const results: Record<'a' | 'b', { facts: unknown[]; models: Dump; answers: Answer[]; erased: { facts: unknown[]; models: Dump } }> = {} as never;

  const raw = () => (JSON.parse(readFileSync(locomoDevFile, 'utf8')) as { sample_id: string }[]).filter((c) => c.sample_id === SAMPLE);
  /** A's fabrics embed in this thread; B's in a fresh pool of 2 workers (the fabric closes it). */
  const open = (layout: Layout, batchSize: number) =>
    EmbeddedFabric.open({
      dataDir: layout.dataDir,
      masterKey: MASTER_KEY,
      embedder: layout === b ? useWorkerPool({ workers: 2, minTaskTexts: 1 }) : embedder,
      batchSize,
      clock: CLOCK,
    });
  /** The same appends for both layouts: each batch with the same batch id. */
  const append = async (fabric: EmbeddedFabric, part: 1 | 2 | 3) => {
    const envelopes = [...locomoEvents(dataset.conversations)];
    const half = Math.ceil(envelopes.length / 2);
    const events =
      part === 3
        ? [normalizeEvent({ id: derivedEventId('replay-erasure'), source: 'urn:memfabric:audit', type: 'subject.erased', time: CLOCK().toISOString(), tenantid: SAMPLE, streamid: 'audit', actor: 'memfabric:system', datasubject: 'memfabric:system', data: { datasubject: envelopes[0]!.actor } })]
        : normalizeBatch(part === 1 ? envelopes.slice(0, half) : envelopes.slice(half));
    await fabric.log.append(events, { batchid: derivedEventId(`replay-batch-${part}`) });
  };
  const snapshot = async (fabric: EmbeddedFabric) => ({ facts: await factsEvents(fabric), models: dumpReadModels(fabric) });

  beforeAll(async () => {
    const model = loadUseLiteModel();
    embedder = new UseEmbedder({ load: () => model });
    dataset = prepareLocomoEvaluation(raw());

    // A: one process, big batches, everything caught up in one go after each append
    const fa = (a.fabric = await open(a, 500));
    await append(fa, 1);
    await fa.catchUp();
    await append(fa, 2);
    await fa.catchUp();
    const answersA = await recallAll(fa, dataset);
    const beforeA = await snapshot(fa);
    await append(fa, 3);
    await fa.catchUp();
    results.a = { ...beforeA, answers: answersA, erased: await snapshot(fa) };
    await fa.close(); // chDB binds one data directory per process
    a.fabric = undefined;

    // B: small odd batches, several runs, restarts between them, projections a few at a time
    let fb = await open(b, 7);
    await append(fb, 1);
    await fb.catchUp(undefined, ['memory-units']);
    await fb.close();
    fb = await open(b, 1);
    await fb.catchUp(undefined, ['memory-units', 'vectors', 'extraction']);
    await fb.close();
    fb = await open(b, 13);
    await fb.catchUp();
    await fb.close();
    fb = b.fabric = await open(b, 13);
    await append(fb, 2);
    await fb.catchUp(undefined, ['memory-units', 'extraction']);
    await fb.catchUp();
    const answersB = await recallAll(fb, dataset);
    const beforeB = await snapshot(fb);
    await append(fb, 3);
    await fb.catchUp();
    results.b = { ...beforeB, answers: answersB, erased: await snapshot(fb) };
  }, 300_000);

  afterAll(async () => {
    await a.fabric?.close();
    await b.fabric?.close();
    await embedder?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('appends the same facts.extracted events: same ids, positions and data', () => {
    expect(results.a.facts.length).toBe(dataset.turns);
    expect(results.b.facts).toEqual(results.a.facts);
  });

  it('builds the same read models: memory units, vector bytes, lexical documents, graph', () => {
    const tables = Object.keys(results.a.models);
    expect(tables.some((t) => t.startsWith('vectors_') || t.includes('points'))).toBe(true);
    expect(tables.some((t) => t.startsWith('graph_'))).toBe(true);
    expect(Object.keys(results.b.models)).toEqual(tables);
    expect(differing(results.a.models, results.b.models)).toEqual([]);
    for (const table of tables) expect(results.b.models[table], table).toEqual(results.a.models[table]);
  });

  it('answers every question with the same top-10 ids and scores', () => {
    expect(results.a.answers).toHaveLength(dataset.scored.length);
    expect(results.a.answers.every((q) => q.hits.length === 10)).toBe(true);
    expect(results.b.answers).toEqual(results.a.answers);
  });

  it('purges the same graph after an erasure, at the erasing event’s transaction time', () => {
    expect(differing(results.a.erased.models, results.b.erased.models)).toEqual([]);
    expect(results.b.erased.facts).toEqual(results.a.erased.facts);
    const graphEvents = Object.entries(results.a.erased.models).find(([t]) => /^graph_g\d+_events$/.test(t))?.[1] as { purged_at: number | null }[];
    expect(graphEvents.some((e) => e.purged_at !== null)).toBe(true);
    expect(graphEvents.every((e) => e.purged_at === null || e.purged_at === CLOCK().getTime())).toBe(true);
  });
});
