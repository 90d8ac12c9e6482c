/**
 * Cost of content-at-rest hygiene on the embedded stack: ingest + projection and one erasure,
 * with `secure_delete` on (the default of every content connection) and switched off for
 * comparison. Run with
 * `npx tsx --tsconfig tsconfig.base.json --conditions=@memfabric/source libs/audit-node/bench/erasure.bench.ts`.
 *
 * Per mode, in a fresh data directory with the hash embedder: appends `--events` turns (1,000 per
 * append) spread over `--subjects` data subjects of one tenant, runs every projection to lag 0,
 * then erases one subject (`eraseSubject`: key destroyed, derived data purged, WAL checkpointed
 * and truncated). Reports seconds for the appends, the catch-up and the erasure, and the size
 * of `memfabric.db`. Prints a table, or JSON with `--json`.
 *
 * Options: --events N (default 5000), --subjects N (default 10), --repeat N (runs of each mode,
 * alternating off/on, default 2), --json.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newKeyMaterial } from '@memfabric/crypto';
import { HashEmbedder } from '@memfabric/embeddings';
import { normalizeEvent, type NewEvent } from '@memfabric/events';
import { EmbeddedFabric } from '@memfabric/embedded';
import { embeddedAuditedFabric, eraseSubject } from '../src/index.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '5000' }, subjects: { type: 'string', default: '10' }, repeat: { type: 'string', default: '2' }, json: { type: 'boolean', default: false } },
});
const count = Number(values.events);
const subjects = Number(values.subjects);
const words = 'we talked about the support group the painting class the trip to the lake and my sister who lives in Lisbon'.split(' ');

function turn(i: number): NewEvent {
  const actor = `person-${i % subjects}`;
  let content = `${i}:`;
  while (content.length < 160) content += ` ${words[(i * 7 + content.length) % words.length]}`;
  return normalizeEvent({
    source: 'urn:memfabric:bench',
    type: 'interaction.recorded',
    time: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    tenantid: 'bench',
    streamid: `session-${i % 20}`,
    actor,
    data: { kind: 'message', role: 'user', content, speaker: actor },
  });
}

const seconds = (from: bigint) => Number((Number(process.hrtime.bigint() - from) / 1e9).toFixed(2));

async function run(secureDelete: boolean) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memfabric-bench-erasure-'));
  const fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: newKeyMaterial(), embedder: new HashEmbedder() });
  try {
    // one event first, so every store (and the connection settings it applies) is open
    await fabric.log.append([turn(count)]);
    await fabric.catchUp();
    fabric.log.db.pragma(`secure_delete = ${secureDelete ? 'ON' : 'OFF'}`);
    const events = Array.from({ length: count }, (_, i) => turn(i));
    let started = process.hrtime.bigint();
    for (let i = 0; i < events.length; i += 1000) await fabric.log.append(events.slice(i, i + 1000));
    const append = seconds(started);
    started = process.hrtime.bigint();
    await fabric.catchUp();
    const project = seconds(started);
    started = process.hrtime.bigint();
    const erased = await eraseSubject(embeddedAuditedFabric(fabric), 'bench', 'person-0');
    const erase = seconds(started);
    return { secureDelete, events: count, appendSeconds: append, projectSeconds: project, eraseSeconds: erase, unitsErased: erased.units, dbBytes: statSync(path.join(dir, 'memfabric.db')).size };
  } finally {
    await fabric.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (let i = 0; i < Number(values.repeat); i += 1) rows.push(await run(false), await run(true));
if (values.json) console.log(JSON.stringify(rows));
else console.table(rows);
