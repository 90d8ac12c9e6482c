import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import { startLocalCluster } from './local-cluster.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface RecallHit {
  readonly rank: number;
  readonly unitId: string;
  readonly sourceRef?: string;
  readonly speaker?: string;
  readonly actor: string;
  readonly text: string;
  readonly score: number;
}

/** What {@link runClusterDemo} measured. */
export interface ClusterDemoSummary {
  readonly appended: number;
  readonly duplicates: number;
  readonly retryAppended: number;
  readonly streamEvents: number;
  readonly verify: { readonly valid: boolean };
  readonly questions: number;
  /** Share of the questions' evidence turns in the top 10, 0-1. */
  readonly evidenceRecalledAt10: number;
}

/**
 * The main job through the cluster (`npm run demo -- --cluster`): starts the local cluster
 * (mock Kafka and every service as its own process), ingests the sample conversation through
 * the ingest service, retries the batch (idempotency), reads a session back, verifies the hash
 * chains through the audit service, asks the sample's questions at the query gateway (waiting
 * on the append's consistency token) and prints whether each question's evidence turn is in
 * the top 10 — the same job and the same answers as the embedded `npm run demo`.
 * @param say - where the human-readable lines go.
 * @throws Error when a service does not start or a request fails.
 */
export async function runClusterDemo(say: (line: string) => void): Promise<ClusterDemoSummary> {
  const sample = path.join(root, 'samples', 'conversation.locomo.json');
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-cluster-demo-'));
  say(`starting the local cluster (mock Kafka, ingest, query gateway, audit, 2 projectors; logs in ${dir}) ...`);
  const cluster = await startLocalCluster({ dir, env: { MEMFABRIC_LOG_LEVEL: 'warn', MEMFABRIC_READY_MAX_LAG: '0' } });
  try {
    const auth = { authorization: `Bearer ${cluster.adminToken}` };
    const request = async <T>(url: string, init?: RequestInit): Promise<T> => {
      const response = await fetch(url, { ...init, headers: { ...auth, ...(init?.headers as Record<string, string> | undefined) } });
      const body = (await response.json()) as T & { detail?: string };
      if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${body.detail ?? ''}`);
      return body;
    };
    for (const s of cluster.services) say(`  ${s.name.padEnd(14)} ${s.url}`);
    const raw = JSON.parse(await readFile(sample, 'utf8')) as unknown;
    const events = [...locomoEvents(readLocomo(raw))];
    const post = () =>
      request<{ appended: number; duplicates: number; consistencyToken: string }>(`${cluster.ingest.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents-batch+json' },
        body: JSON.stringify(events),
      });
    const first = await post();
    say(`POST ingest /v1/events: ${first.appended} appended to Kafka, ${first.duplicates} duplicate(s); consistency token ${first.consistencyToken}`);
    const retry = await post();
    say(`POST ingest /v1/events again (same idempotency keys): ${retry.appended} appended, ${retry.duplicates} duplicate(s)`);
    const tenant = events[0]!.tenantid;
    const page = await request<{ events: { streamposition: number; actor: string; data: { content?: string } | null; hash: string }[] }>(
      `${cluster.ingest.url}/v1/tenants/${tenant}/streams/session_2/events`,
    );
    say(`GET ingest /v1/tenants/${tenant}/streams/session_2/events: ${page.events.length} events`);
    for (const e of page.events.slice(0, 3)) say(`  #${e.streamposition} ${e.actor}: ${e.data?.content ?? '[erased]'}  (hash ${e.hash.slice(0, 12)}…)`);
    const verify = await request<{ valid: boolean; chains: { events: number; streams: number } }>(`${cluster.audit!.url}/v1/tenants/${tenant}/verify`);
    say(`audit /v1/tenants/${tenant}/verify: hash chains ${verify.valid ? 'valid' : 'BROKEN'} (${verify.chains.events} events in ${verify.chains.streams} streams)`);

    // the consistency token covers the turns; the facts the projectors extract from them come
    // after: wait until the projectors, then the gateway, report lag 0 (MEMFABRIC_READY_MAX_LAG=0)
    for (const p of cluster.projectors) await p.ready();
    await cluster.gateway.ready();
    say('projectors and query gateway caught up with the log (lag 0 on /health/ready)');
    const questions = (raw as { qa?: { question: string; evidence: string[] }[] }[])[0]?.qa ?? [];
    let found = 0;
    let evidenceTotal = 0;
    say(`\nPOST query-gateway /v1/recall — the sample's ${questions.length} questions, k = 10, preset hybrid-rrf:`);
    for (const qa of questions) {
      const response = await request<{ hits: RecallHit[]; timings: { totalMs: number } }>(`${cluster.gateway.url}/v1/recall`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-memfabric-caller': 'demo' },
        body: JSON.stringify({ query: qa.question, scope: { tenant }, k: 10, consistencyToken: first.consistencyToken }),
      });
      const refs = response.hits.map((h) => h.sourceRef);
      const hit = qa.evidence.filter((e) => refs.includes(e)).length;
      found += hit;
      evidenceTotal += qa.evidence.length;
      say(`  Q: ${qa.question}   evidence ${qa.evidence.join(', ')}: ${hit}/${qa.evidence.length} in top 10 (${response.timings.totalMs.toFixed(1)} ms)`);
      const top = response.hits[0];
      if (top) say(`    1. [${top.sourceRef ?? top.unitId}] ${top.speaker ?? top.actor}: ${top.text}`);
    }
    say(`evidence turns recalled in the top 10: ${found}/${evidenceTotal}`);
    return {
      appended: first.appended,
      duplicates: first.duplicates,
      retryAppended: retry.appended,
      streamEvents: page.events.length,
      verify: { valid: verify.valid },
      questions: questions.length,
      evidenceRecalledAt10: evidenceTotal === 0 ? 0 : found / evidenceTotal,
    };
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
