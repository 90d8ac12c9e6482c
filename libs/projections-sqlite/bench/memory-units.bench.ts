/**
 * Throughput of the memory-unit projection on the embedded runtime.
 *
 * Builds a synthetic log (default 50 000 events: 90 % interactions of about 400 characters,
 * 5 % asserted memories, 3 % corrections, 2 % retractions, over 8 tenants and 64 streams),
 * then measures:
 * - `readFloor`: reading and decrypting the whole log with `readAll` alone (the ceiling for
 *   any projection over this log);
 * - `catchUp`: a fresh runtime projecting the whole log (generation 1) with `runUntilCaughtUp`;
 * - `rebuild`: `rebuild('memory-units')` into generation 2 from offset 0, including the switch
 *   and the drop of generation 1.
 * Prints one JSON object: per phase wall-clock ms and events/s, and CPU ms (user + system of
 * this process) and events per CPU second, which vary less on a shared machine; plus the
 * 1-minute load average at the end.
 *
 * Run from the repository root:
 *   npx tsx --tsconfig tsconfig.base.json --conditions=@memfabric/source libs/projections-sqlite/bench/memory-units.bench.ts
 * Options: --events N (default 50000), --batch N (events per projection batch, default 500),
 * --synchronous FULL|NORMAL (default FULL, the embedded default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newKeyMaterial } from '@memfabric/crypto';
import type { Checkpoint } from '@memfabric/event-log';
import { SqliteEventLog, type Synchronous } from '@memfabric/event-log-sqlite';
import { normalizeEvent, type NewEvent } from '@memfabric/events';
import { memoryUnitsProjection, SqliteMemoryUnitStore, SqliteProjectionRuntime } from '../src/index.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '500' },
    synchronous: { type: 'string', default: 'FULL' },
  },
});
const total = Number(values.events);
const batchSize = Number(values.batch);
const synchronous = values.synchronous as Synchronous;

const words = 'we talked about the support group the painting class and the trip to the lake last summer with friends'.split(' ');
function text(i: number, length: number): string {
  let out = '';
  while (out.length < length) out += `${words[(i * 7 + out.length) % words.length]} `;
  return out;
}

/** The i-th synthetic event; corrections and retractions target earlier asserted memories. */
function makeEvent(i: number, asserted: string[]): NewEvent {
  const tenantid = `tenant-${i % 8}`;
  const base = { source: 'urn:memfabric:bench', time: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(), tenantid, streamid: `session-${i % 64}`, actor: `user-${i % 16}` };
  const roll = i % 100;
  const target = asserted[asserted.length - 1 - (i % 7)];
  if (roll < 3 && target?.startsWith(`${tenantid}|`)) {
    return normalizeEvent({ ...base, type: 'memory.corrected', data: { supersedes: target.split('|')[1], content: text(i, 120) } });
  }
  if (roll < 5 && target?.startsWith(`${tenantid}|`)) {
    return normalizeEvent({ ...base, type: 'memory.retracted', data: { target: target.split('|')[1] } });
  }
  if (roll < 10) {
    const event = normalizeEvent({ ...base, type: 'memory.asserted', data: { memoryid: `m-${i}`, memorytype: 'fact', content: text(i, 120), validfrom: base.time } });
    asserted.push(`${tenantid}|${event.id}`);
    return event;
  }
  return normalizeEvent({ ...base, type: 'interaction.recorded', data: { kind: 'message', role: i % 2 ? 'assistant' : 'user', content: text(i, 400), speaker: base.actor } });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-bench-proj-'));
const log = SqliteEventLog.open({ path: path.join(dir, 'fabric.db'), masterKey: newKeyMaterial(), synchronous });
try {
  const asserted: string[] = [];
  for (let i = 0; i < total; i += 1000) {
    await log.append(Array.from({ length: Math.min(1000, total - i) }, (_, j) => makeEvent(i + j, asserted)));
  }

  /** Wall-clock and CPU (user + system) time of `run`, in ms. */
  const timed = async <T>(run: () => Promise<T>): Promise<{ result: T; ms: number; cpuMs: number }> => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await run();
    const used = process.cpuUsage(cpu);
    return { result, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  };

  const read = await timed(async () => {
    let from: Checkpoint = {};
    for (;;) {
      const page = await log.readAll({ from, limit: batchSize });
      if (page.events.length === 0) break;
      from = page.next;
    }
  });

  const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [memoryUnitsProjection()], batchSize });
  const catchUp = await timed(() => runtime.runUntilCaughtUp());
  const rebuild = await timed(() => runtime.rebuild('memory-units'));

  const counts = { active: 0, superseded: 0, retracted: 0, erased: 0, total: 0 };
  const store = new SqliteMemoryUnitStore(log.db);
  for (let t = 0; t < 8; t += 1) {
    const c = await store.countUnits(`tenant-${t}`);
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += c[key];
  }
  const perSecond = (ms: number) => Math.round(total / (ms / 1000));
  const phase = (t: { ms: number; cpuMs: number }) => ({
    ms: Math.round(t.ms),
    eventsPerSecond: perSecond(t.ms),
    cpuMs: Math.round(t.cpuMs),
    eventsPerCpuSecond: perSecond(t.cpuMs),
  });
  console.log(
    JSON.stringify({
      benchmark: 'memory-units projection (embedded)',
      events: total,
      batch: batchSize,
      synchronous,
      node: process.version,
      cpus: os.cpus().length,
      loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
      readFloor: phase(read),
      catchUp: { ...phase(catchUp), deadLettered: catchUp.result.deadLettered },
      rebuild: { ...phase(rebuild), switched: rebuild.result.switched },
      units: counts,
    }),
  );
} finally {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
}
