/**
 * Durable append throughput of the embedded log (`npm run bench:ingest`).
 *
 * Appends events of about 1 KiB (serialized JSON) to a fresh SQLite file, batched and one
 * by one, under each durability setting, and prints events/s. `synchronous=FULL` in WAL mode
 * fsyncs at every commit: an acknowledged append survives a process crash and a power loss.
 *
 * A third line, `sqlite-floor`, inserts rows of the same size into the same table and indexes
 * with plain better-sqlite3 (no validation, encryption, hashing or duplicate checks): the cost
 * of storage alone on this machine, i.e. the ceiling for any append path on this schema.
 *
 * `batchedToFloorRatio` (in the JSON and printed under the table) is the batched append's
 * events/s over the floor's events/s, both under `synchronous=FULL` in the same run: the share
 * of the storage ceiling the full append path (duplicate checks, encryption, canonical JSON,
 * hash chain) reaches; `batchedToFloorRatioNormal` is the same under `NORMAL`. 1 would mean the
 * append path costs nothing beyond storage.
 *
 * Each line also gives `cpuMicrosPerEvent`: CPU time of the whole process (every thread, seal
 * workers included) per event while the loop ran. Unlike events/s it hardly moves with what
 * else runs on the machine, so it is the figure to compare across runs on a shared host. The
 * batched runs start the log's seal workers before the clock starts (`startSealWorkers`), as a
 * long-running service has them up before its first large append.
 *
 * Options: --events N (batched run, default 100000), --single N (one-by-one run, default 3000),
 * --batch N (default 1000), --workers N (the log's `sealWorkers`; default the log's own, 0 seals
 * inline), --json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { newKeyMaterial } from '@memfabric/crypto';
import { normalizeEvent, type NewEvent } from '@memfabric/events';
import { SqliteEventLog, type Synchronous } from '../src/index.js';
import { DDL } from '../src/schema.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    single: { type: 'string', default: '3000' },
    batch: { type: 'string', default: '1000' },
    workers: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const batchedCount = Number(values.events);
const singleCount = Number(values.single);
const batchSize = Number(values.batch);
const sealWorkers = values.workers === undefined ? {} : { sealWorkers: Number(values.workers) };

const words = 'we talked about the support group the painting class and the trip to the lake last summer'.split(' ');
function makeEvent(i: number): NewEvent {
  let content = '';
  while (content.length < 700) content += `${words[(i + content.length) % words.length]} `;
  return normalizeEvent({
    source: 'urn:memfabric:bench',
    type: 'interaction.recorded',
    time: new Date(Date.UTC(2023, 4, 8) + i * 1000).toISOString(),
    tenantid: `tenant-${i % 16}`,
    streamid: `session-${i % 64}`,
    actor: `agent-${i % 8}`,
    idempotencykey: `bench:${i}`,
    data: { kind: 'message', role: 'user', content, speaker: `agent-${i % 8}` },
  });
}

async function run(mode: 'batched' | 'single', synchronous: Synchronous, count: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-bench-'));
  const log = SqliteEventLog.open({ path: path.join(dir, 'log.db'), masterKey: newKeyMaterial(), synchronous, ...sealWorkers });
  const events = Array.from({ length: count }, (_, i) => makeEvent(i));
  const bytes = events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0) / count;
  if (mode === 'batched') await log.startSealWorkers();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  if (mode === 'batched') for (let i = 0; i < count; i += batchSize) await log.append(events.slice(i, i + batchSize));
  else for (const e of events) await log.append([e]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuMicrosPerEvent = cpuPerEvent(cpu, count);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { mode, synchronous, events: count, batch: mode === 'batched' ? batchSize : 1, avgEventBytes: Math.round(bytes), seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(count / seconds), cpuMicrosPerEvent };
}

/** CPU time of the whole process (every thread, user + system) since `since`, per event, in µs. */
function cpuPerEvent(since: NodeJS.CpuUsage, count: number): number {
  const used = process.cpuUsage(since);
  return Number(((used.user + used.system) / count).toFixed(1));
}

/** Plain inserts of pre-built rows of the same size into the events table (the storage floor). */
function floor(synchronous: Synchronous, count: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-bench-'));
  const db = new Database(path.join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(DDL);
  const record = 'r'.repeat(1500);
  const insert = db.prepare(
    `INSERT INTO events ("offset", id, tenantid, streamid, streamposition, type, time, actor, datasubject, batchid, dedupekey, recordedat, record, prevhash, hash)
     VALUES (?, ?, ?, ?, ?, 'interaction.recorded', '2023-05-08T00:00:00Z', 'a', 'a', 'b', ?, '2023-05-08T00:00:00Z', ?, ?, ?)`,
  );
  const ids = Array.from({ length: count }, (_, i) => makeEvent(i).id);
  const hash = 'f'.repeat(64);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += batchSize) {
    db.transaction(() => {
      for (let j = i; j < Math.min(count, i + batchSize); j += 1) {
        insert.run(j, ids[j], `tenant-${j % 16}`, `session-${j % 64}`, Math.floor(j / 64) + 1, `key:bench:${j}`, record, hash, hash);
      }
    }).immediate();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuMicrosPerEvent = cpuPerEvent(cpu, count);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { mode: 'sqlite-floor', synchronous, events: count, batch: batchSize, avgEventBytes: 1500, seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(count / seconds), cpuMicrosPerEvent };
}

/** One line of the output: a run of one mode under one durability setting. */
interface BenchRow {
  readonly mode: string;
  readonly synchronous: Synchronous;
  readonly events: number;
  readonly batch: number;
  /** Mean size of an event (serialized JSON for the log, the row's record for the floor), bytes. */
  readonly avgEventBytes: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU time of the process (all threads, user + system) per event during the timed loop, µs. */
  readonly cpuMicrosPerEvent: number;
}

const results: BenchRow[] = [];
for (const synchronous of ['FULL', 'NORMAL'] as const) {
  results.push(floor(synchronous, batchedCount));
  results.push(await run('batched', synchronous, batchedCount));
  results.push(await run('single', synchronous, singleCount));
}
const rate = (mode: string, synchronous: Synchronous) =>
  results.find((r) => r.mode === mode && r.synchronous === synchronous)?.eventsPerSecond ?? Number.NaN;
const toFloor = (synchronous: Synchronous) => Number((rate('batched', synchronous) / rate('sqlite-floor', synchronous)).toFixed(3));
const batchedToFloorRatio = toFloor('FULL');
const batchedToFloorRatioNormal = toFloor('NORMAL');
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
if (values.json) {
  process.stdout.write(`${JSON.stringify({ machine, results, batchedToFloorRatio, batchedToFloorRatioNormal })}\n`);
} else {
  console.table(results);
  console.log(`batchedToFloorRatio (batched over sqlite-floor events/s, this run): FULL ${batchedToFloorRatio}, NORMAL ${batchedToFloorRatioNormal}`);
  console.log(machine);
}
