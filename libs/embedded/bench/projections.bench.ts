/**
 * Projection throughput on the embedded stack (`npm run bench:project`).
 *
 * Ingests a LoCoMo file (default the dev split, `../shared/data/locomo/locomo-dev.json`) into a
 * fresh data directory, then runs each projection alone until it has caught up and reports the
 * events it processed per second (the vector projection includes computing the embeddings with
 * the configured embedder, `MEMFABRIC_EMBEDDER`, default USE lite). Then rebuilds every read
 * model into a new generation and reports the time. Prints a table, or JSON with `--json`.
 *
 * Options: --file PATH, --json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { newKeyMaterial } from '@memfabric/crypto';
import { normalizeEvent } from '@memfabric/events';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import { EmbeddedFabric, embedderFromEnv } from '../src/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: { file: { type: 'string', default: path.resolve(repo, '../shared/data/locomo/locomo-dev.json') }, json: { type: 'boolean', default: false } },
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-bench-project-'));
const embedder = embedderFromEnv(process.env);
const fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: newKeyMaterial(), embedder });
try {
  const events = [...locomoEvents(readLocomo(JSON.parse(readFileSync(values.file, 'utf8')) as unknown))].map((e) => normalizeEvent(e));
  for (let i = 0; i < events.length; i += 1000) await fabric.log.append(events.slice(i, i + 1000));
  const rows: { projection: string; events: number; seconds: number; eventsPerSecond: number }[] = [];
  for (const name of fabric.projections) {
    const started = process.hrtime.bigint();
    const report = await fabric.catchUp(undefined, [name]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rows.push({ projection: name, events: report.processed, seconds: Number(seconds.toFixed(2)), eventsPerSecond: Math.round(report.processed / seconds) });
  }
  const started = process.hrtime.bigint();
  let rebuilt = 0;
  for (const name of fabric.readModels) rebuilt += (await fabric.rebuild(name)).processed;
  const rebuildSeconds = Number((Number(process.hrtime.bigint() - started) / 1e9).toFixed(2));
  const stats = await fabric.stats();
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, embedder: embedder.modelId };
  const result = { machine, turns: events.length, projections: rows, rebuild: { readModels: fabric.readModels, events: rebuilt, seconds: rebuildSeconds }, totals: stats.totals };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    console.table(rows);
    console.log({ rebuild: result.rebuild, totals: result.totals, machine });
  }
} finally {
  await fabric.close();
  rmSync(dir, { recursive: true, force: true });
}
