/**
 * Throughput of the SQLite graph store and latency of its queries on synthetic extractions.
 *
 *   npx tsx --tsconfig tsconfig.base.json --conditions=@memfabric/source libs/graph-store-sqlite/bench/apply.bench.ts [events=10000] [batch=500]
 *
 * Each event mentions 3 entities out of a pool of 2 000 names and states 2 relations: one on a
 * single-valued predicate (lives_in / works_at, so contradictions invalidate facts) and one on a
 * multi-valued one (knows / likes). World time advances one hour per event. The file is WAL with
 * synchronous=NORMAL, as a projection that commits its checkpoint in the same transaction would use.
 * Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { ExtractionInput } from '@memfabric/graph-store';
import { SqliteGraphStore } from '../src/index.js';

const EVENTS = Number(process.argv[2] ?? 10_000);
const BATCH = Number(process.argv[3] ?? 500);
const NAMES = 2_000;
const QUERIES = 200;
const TENANT = 'bench';

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const names = Array.from({ length: NAMES }, (_, i) => `Person ${i}`);

function event(i: number): ExtractionInput {
  const [a, b, c] = [pick(names), pick(names), pick(names)];
  return {
    tenant: TENANT,
    extraction: {
      sourceevent: `src-${i}`,
      extractor: { name: 'bench', version: '1' },
      entities: [
        { name: a, type: 'person', start: 0, end: a.length },
        { name: b, type: 'person' },
        { name: c, type: 'place' },
      ],
      times: [],
      relations: [
        { subject: a, predicate: pick(['lives_in', 'works_at']), object: c, singlevalued: true },
        { subject: a, predicate: pick(['knows', 'likes']), object: b },
      ],
    },
    provenance: {
      eventId: `evt-${i}`,
      sourceEventId: `src-${i}`,
      worldTime: Date.UTC(2023, 0, 1) + i * 3_600_000,
      recordedAt: Date.UTC(2024, 0, 1) + i,
      partition: 0,
      offset: i,
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-graph-bench-'));
  try {
    const db = new Database(path.join(dir, 'graph.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const store = SqliteGraphStore.open({ db });
    const inputs = Array.from({ length: EVENTS }, (_, i) => event(i));

    const started = performance.now();
    for (let i = 0; i < inputs.length; i += BATCH) store.applyExtractionsSync(inputs.slice(i, i + BATCH));
    const applyMs = performance.now() - started;
    const counts = await store.counts(TENANT);

    // a second pass over the same events: every one is a no-op (idempotency check cost)
    const again = performance.now();
    for (let i = 0; i < inputs.length; i += BATCH) store.applyExtractionsSync(inputs.slice(i, i + BATCH));
    const replayMs = performance.now() - again;

    const entities = await store.entitiesByName(TENANT, names);
    const ids = entities.map((e) => e.id);
    const factsLatency: number[] = [];
    const hopLatency: number[] = [];
    const asOfLatency: number[] = [];
    for (let q = 0; q < QUERIES; q += 1) {
      const id = pick(ids);
      let t = performance.now();
      await store.factsAbout(TENANT, [id]);
      factsLatency.push(performance.now() - t);
      t = performance.now();
      await store.neighbours(TENANT, [id], { hops: 2 });
      hopLatency.push(performance.now() - t);
      t = performance.now();
      await store.factsAbout(TENANT, [id], { asOf: { offset: Math.floor(EVENTS / 2) }, validAt: Date.UTC(2023, 6, 1) });
      asOfLatency.push(performance.now() - t);
    }
    const summary = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      return { p50: Number(percentile(sorted, 50).toFixed(3)), p95: Number(percentile(sorted, 95).toFixed(3)) };
    };
    console.log(
      JSON.stringify({
        events: EVENTS,
        batch: BATCH,
        applyEventsPerSecond: Math.round(EVENTS / (applyMs / 1000)),
        replayEventsPerSecond: Math.round(EVENTS / (replayMs / 1000)),
        counts,
        factsAboutMs: summary(factsLatency),
        neighbours2HopsMs: summary(hopLatency),
        factsAboutAsOfValidAtMs: summary(asOfLatency),
      }),
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
