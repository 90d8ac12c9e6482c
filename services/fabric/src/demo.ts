/**
 * The main job (`npm run demo`): starts the embedded fabric, ingests the sample conversation
 * the project ships (`samples/conversation.locomo.json`) through the HTTP API, reads a
 * session back, retries the same batch to show idempotency, verifies the hash chains, shows
 * the projections caught up with the log, then asks the sample's questions through
 * `POST /v1/recall` (waiting on the write's consistency token) and prints the hits with their
 * explanations and whether each question's labelled evidence turn was recalled in the top 10.
 *
 * Environment: `MEMFABRIC_DATA_DIR` (default `./data`); `--json` prints a one-line summary last;
 * `--cluster` runs the same job through the local cluster instead (`runClusterDemo`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import type { AppendResponse, StreamPage } from '@memfabric/ingest';
import type { RecallResponse } from '@memfabric/recall';
import { startFabric } from './fabric.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sample = path.join(root, 'samples', 'conversation.locomo.json');
const json = process.argv.includes('--json');
const say = (line: string) => {
  if (!json) process.stdout.write(`${line}\n`);
};

async function request<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body = (await response.json()) as T & { detail?: string };
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${body.detail ?? ''}`);
  return body;
}

if (process.argv.includes('--cluster')) {
  // the same job through the cluster: mock Kafka and one OS process per service
  const { runClusterDemo } = await import('@memfabric/local-cluster');
  const summary = await runClusterDemo(say);
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (!summary.verify.valid) process.exitCode = 1;
  process.exit();
}

const fabric = await startFabric({ ...process.env, MEMFABRIC_INGEST_PORT: process.env.MEMFABRIC_INGEST_PORT ?? '0', MEMFABRIC_LOG_LEVEL: process.env.MEMFABRIC_LOG_LEVEL ?? 'warn' });
try {
  say(`memfabric embedded fabric started at ${fabric.url} (data: ${fabric.config.dataDir})`);
  const events = [...locomoEvents(readLocomo(JSON.parse(await readFile(sample, 'utf8')) as unknown))];
  const post = () =>
    request<AppendResponse>(`${fabric.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(events),
    });
  const first = await post();
  say(`POST /v1/events: ${first.appended} appended, ${first.duplicates} duplicate(s); consistency token ${first.consistencyToken}`);
  const retry = await post();
  say(`POST /v1/events again (same idempotency keys): ${retry.appended} appended, ${retry.duplicates} duplicate(s)`);

  const tenant = events[0]!.tenantid;
  const page = await request<StreamPage>(`${fabric.url}/v1/tenants/${tenant}/streams/session_2/events`);
  say(`GET /v1/tenants/${tenant}/streams/session_2/events:`);
  for (const e of page.events) {
    const data = e.data as { content?: string } | null;
    say(`  #${e.streamposition} ${e.time} ${e.actor}: ${data?.content ?? (data === null ? '[erased]' : `[${e.type}]`)}  (hash ${e.hash.slice(0, 12)}…)`);
  }
  const verify = await fabric.fabric.log.verify();
  await fabric.fabric.catchUp();
  const stats = await fabric.fabric.stats(tenant);
  const t = stats.tenants[0];
  const units = t?.units;
  say(`projections: ${stats.projections.map((p) => `${p.name} lag ${p.lag}`).join(', ')}`);
  say(
    `${tenant}: ${units?.total ?? 0} memory units (${units?.active ?? 0} active), ${t?.vectors ?? 0} vectors, ${t?.graph.entities ?? 0} entities, ${t?.graph.facts ?? 0} facts; ${t?.events ?? 0} events in the log (turns and their facts.extracted events)`,
  );
  say(`hash chains: ${verify.valid ? 'valid' : 'BROKEN'} (${verify.events} events in ${verify.streams} streams)`);

  const questions = (JSON.parse(await readFile(sample, 'utf8')) as { qa?: { question: string; evidence: string[] }[] }[])[0]?.qa ?? [];
  let found = 0;
  let evidenceTotal = 0;
  say(`\nPOST /v1/recall — the sample's ${questions.length} questions, k = 10, preset hybrid-rrf:`);
  for (const [i, qa] of questions.entries()) {
    const response = await request<RecallResponse>(`${fabric.url}/v1/recall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-memfabric-caller': 'demo' },
      body: JSON.stringify({ query: qa.question, scope: { tenant }, k: 10, consistencyToken: first.consistencyToken }),
    });
    const refs = response.hits.map((h) => h.sourceRef);
    const hit = qa.evidence.filter((e) => refs.includes(e)).length;
    found += hit;
    evidenceTotal += qa.evidence.length;
    say(`  Q: ${qa.question}   evidence ${qa.evidence.join(', ')}: ${hit}/${qa.evidence.length} in top 10 (${response.timings.totalMs.toFixed(1)} ms)`);
    for (const h of response.hits.slice(0, i === 0 ? 3 : 1)) {
      const channels = Object.entries(h.explain.channels)
        .flatMap(([name, e]) => (e === undefined ? [] : [`${name} #${e.rank}`]))
        .join(', ');
      say(`    ${h.rank}. [${h.sourceRef ?? h.unitId}] ${h.speaker ?? h.actor}: ${h.text}`);
      say(`       score ${h.score.toFixed(4)} = ${channels}${h.explain.entities?.length ? `; entities ${h.explain.entities.join(', ')}` : ''}; from event ${h.explain.events[0] ?? ''}`);
    }
  }
  const recall10 = evidenceTotal === 0 ? 0 : found / evidenceTotal;
  say(`evidence turns recalled in the top 10: ${found}/${evidenceTotal}`);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ appended: first.appended, duplicates: first.duplicates, retryAppended: retry.appended, streamEvents: page.events.length, verify, units: units?.total ?? 0, questions: questions.length, evidenceRecalledAt10: recall10 })}\n`,
    );
  }
  if (!verify.valid) process.exitCode = 1;
} finally {
  await fabric.close();
}
