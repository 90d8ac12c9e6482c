import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClusterBinary } from '@memfabric/event-log-kafka/testing';
import { startFabric, type RunningFabric } from '@memfabric/fabric';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import { startLocalCluster, type LocalCluster, type LocalService } from '@memfabric/local-cluster';
import { locomoDevFile } from './support/memfabric-cli.js';

/**
 * Cluster mode end to end: librdkafka's mock cluster (a real Kafka protocol peer) and every
 * service as its own OS process — ingest, query gateway, audit, two replicas of the extraction
 * projector sharing one consumer group over 3 partitions. The same LoCoMo conversations go
 * through the ingest service over HTTP and through an all-in-one embedded fabric; every question
 * must get the same top-10 unit ids from the query gateway as from the all-in-one, also after a
 * projector is SIGKILLed mid catch-up and after a replica dies for good (its partitions move to
 * the survivor). Then rollback, revert and erasure through the audit service.
 */

const binary = mockClusterBinary(process.env);
if (!existsSync(binary)) throw new Error(`${binary} not found: build it with libs/event-log-kafka/mock-cluster/build.sh (.ci/run does)`);

interface Sample {
  readonly sample_id: string;
  readonly qa: readonly { readonly question: string; readonly evidence: readonly string[]; readonly category: number }[];
}
const dev = JSON.parse(readFileSync(locomoDevFile, 'utf8')) as (Sample & Record<string, unknown>)[];
const sample = (id: string) => dev.find((s) => s.sample_id === id)!;

/** The conversation's events with ids chosen here, so both fabrics store the same event (and unit) ids. */
function eventsOf(id: string): Record<string, unknown>[] {
  return [...locomoEvents(readLocomo([sample(id)]))].map((e) => ({ ...e, id: uuidv7() }));
}

const ENV = { MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_READY_MAX_LAG: '0', MEMFABRIC_LOG_LEVEL: 'warn' };

let dir: string;
let cluster: LocalCluster;
let allInOne: RunningFabric;
let auth: Record<string, string>;

/** One request; a connection the server closed while idle (keep-alive race) is retried: every call here is idempotent. */
async function call<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(url, { ...init, headers: { ...auth, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
      return { status: response.status, body: (await response.json()) as T };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function append(base: string, events: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < events.length; i += 200) {
    const { status, body } = await call<{ detail?: string }>(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(events.slice(i, i + 200)),
    });
    expect(status, body.detail).toBe(201);
  }
}

/** Every projector and the gateway ready (lag 0 with MEMFABRIC_READY_MAX_LAG=0) three times in a row. */
async function settled(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const readers = [cluster.gateway, ...cluster.projectors, ...(cluster.audit ? [cluster.audit] : [])];
  let streak = 0;
  while (streak < 3) {
    if (Date.now() > deadline) throw new Error('the cluster did not settle (lag 0 everywhere) in time');
    const answers = await Promise.all(readers.map(async (s) => (await fetch(`${s.url}/health/ready`).catch(() => undefined))?.status));
    streak = answers.every((s) => s === 200) ? streak + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function top10(base: string, tenant: string, query: string): Promise<string[]> {
  const { status, body } = await call<{ hits: { unitId: string }[]; detail?: string }>(`${base}/v1/recall`, {
    method: 'POST',
    body: JSON.stringify({ query, scope: { tenant }, k: 10 }),
  });
  expect(status, body.detail).toBe(200);
  return body.hits.map((h) => h.unitId);
}

async function sameAnswers(tenant: string): Promise<void> {
  const mismatches: string[] = [];
  for (const qa of sample(tenant).qa) {
    const [fromCluster, fromAllInOne] = await Promise.all([top10(cluster.gateway.url, tenant, qa.question), top10(allInOne.url, tenant, qa.question)]);
    if (JSON.stringify(fromCluster) !== JSON.stringify(fromAllInOne)) mismatches.push(qa.question);
  }
  expect(mismatches, `questions of ${tenant} answered differently by the cluster`).toEqual([]);
}

/** The tenant's events of every LoCoMo session stream, read back through the ingest service. */
async function tenantEvents(tenant: string): Promise<{ type: string; causationid?: string; data: unknown }[]> {
  const all: { type: string; causationid?: string; data: unknown }[] = [];
  for (let session = 1; session <= 40; session += 1) {
    const { status, body } = await call<{ events: { type: string; causationid?: string; data: unknown }[] }>(`${cluster.ingest.url}/v1/tenants/${tenant}/streams/session_${session}/events?limit=1000`);
    if (status === 200) all.push(...body.events);
  }
  return all;
}

function deadLetters(service: LocalService): number {
  const file = path.join(service.dataDir, 'memory-units.db');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM projection_dead_letters').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'memfabric-cluster-e2e-'));
  cluster = await startLocalCluster({ dir: path.join(dir, 'cluster'), partitions: 3, projectors: 2, env: ENV });
  auth = { authorization: `Bearer ${cluster.adminToken}` };
  allInOne = await startFabric({ ...ENV, MEMFABRIC_DATA_DIR: path.join(dir, 'all-in-one'), MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_ADMIN_TOKEN: cluster.adminToken });
}, 240_000);

afterAll(async () => {
  await allInOne?.close();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cluster mode on the Kafka mock cluster, one OS process per service', { timeout: 300_000 }, () => {
  it('ingests conv-26 over HTTP through the ingest service; the gateway answers every question with the all-in-one\'s top 10', async () => {
    const events = eventsOf('conv-26');
    await Promise.all([append(cluster.ingest.url, events), append(allInOne.url, events)]);
    await Promise.all([settled(), allInOne.fabric.catchUp()]);
    await sameAnswers('conv-26');
  });

  it('a projector SIGKILLed mid catch-up and restarted: same answers, no dead letters, no facts extracted twice', async () => {
    const events = eventsOf('conv-30');
    await append(allInOne.url, events);
    await allInOne.fabric.catchUp();
    await append(cluster.ingest.url, events);
    // mid catch-up: some facts appended, not all
    const turns = events.length;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const facts = (await tenantEvents('conv-30')).filter((e) => e.type === 'facts.extracted').length;
      if (facts > 0 && facts < turns) break;
      if (facts >= turns || Date.now() > deadline) throw new Error(`could not catch the projectors mid catch-up (${facts} of ${turns} turns extracted)`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const projector of cluster.projectors) expect(await projector.kill('SIGKILL')).toBeNull();
    for (const projector of cluster.projectors) await projector.restart();
    await settled();
    const facts = (await tenantEvents('conv-30')).filter((e) => e.type === 'facts.extracted');
    const bySource = new Map<string, number>();
    for (const f of facts) bySource.set(f.causationid!, (bySource.get(f.causationid!) ?? 0) + 1);
    expect([...bySource.values()].every((n) => n === 1)).toBe(true);
    expect(bySource.size).toBe(turns);
    for (const service of [cluster.gateway, ...cluster.projectors]) expect(deadLetters(service)).toBe(0);
    await sameAnswers('conv-30');
  });

  it('two replicas share the partitions; one dies for good, the survivor takes its partitions, lag returns to 0, answers unchanged', async () => {
    const [survivor, victim] = cluster.projectors as [LocalService, LocalService];
    await victim.kill('SIGKILL');
    const events = eventsOf('conv-41');
    await Promise.all([append(cluster.ingest.url, events), append(allInOne.url, events)]);
    await allInOne.fabric.catchUp();
    // the group drops the dead member after its session timeout and rebalances its partitions
    // onto the survivor: the survivor's lag (every partition) returns to 0
    await survivor.ready(90_000);
    await cluster.gateway.ready(90_000);
    const facts = (await tenantEvents('conv-41')).filter((e) => e.type === 'facts.extracted');
    expect(new Set(facts.map((f) => f.causationid)).size).toBe(events.length);
    expect(facts).toHaveLength(events.length);
    await sameAnswers('conv-41');
    await victim.restart();
    await settled();
  });

  it('rollback, revert and erasure through the audit service: hidden, back, then the subject\'s text gone from every route and store', async () => {
    const audit = cluster.audit!.url;
    const tenant = 'conv-26';
    const question = 'When did Caroline go to the LGBTQ support group?';
    const before = await top10(cluster.gateway.url, tenant, question);
    expect(before.length).toBe(10);
    // roll back session_1 (where the evidence D1:3 is)
    const rolled = await call<{ rollbackId: string; units: number; ids: string[]; detail?: string }>(`${audit}/v1/tenants/${tenant}/rollbacks`, {
      method: 'POST',
      body: JSON.stringify({ filter: { streamid: 'session_1' }, reason: 'e2e' }),
    });
    expect(rolled.status, rolled.body.detail).toBe(201);
    expect(rolled.body.units).toBeGreaterThan(0);
    await settled();
    const hidden = new Set(rolled.body.ids);
    expect((await top10(cluster.gateway.url, tenant, question)).some((id) => hidden.has(id))).toBe(false);
    const reverted = await call<{ alreadyReverted: boolean; detail?: string }>(`${audit}/v1/rollbacks/${rolled.body.rollbackId}/revert`, { method: 'POST', body: '{}' });
    expect(reverted.status, reverted.body.detail).toBe(200);
    await settled();
    expect(await top10(cluster.gateway.url, tenant, question)).toEqual(before);

    // erase Caroline: her turns read as data null, recall returns none of her text
    const phrase = 'LGBTQ support group';
    const erased = await call<{ keysDestroyed: number; detail?: string }>(`${audit}/v1/tenants/${tenant}/subjects/Caroline/erase`, { method: 'POST', body: JSON.stringify({ reason: 'e2e' }) });
    expect(erased.status, erased.body.detail).toBe(200);
    expect(erased.body.keysDestroyed).toBeGreaterThan(0);
    await settled();
    const recall = await call<{ hits: { text: string; actor: string }[] }>(`${cluster.gateway.url}/v1/recall`, { method: 'POST', body: JSON.stringify({ query: question, scope: { tenant }, k: 20 }) });
    expect(recall.body.hits.some((h) => h.actor === 'Caroline' || h.text.includes(phrase))).toBe(false);
    const session = await call<{ events: { actor: string; type: string; data: unknown }[] }>(`${cluster.ingest.url}/v1/tenants/${tenant}/streams/session_1/events?limit=1000`);
    const hers = session.body.events.filter((e) => e.actor === 'Caroline');
    expect(hers.length).toBeGreaterThan(0);
    expect(hers.every((e) => e.data === null)).toBe(true);
    const state = await call<unknown>(`${audit}/v1/tenants/${tenant}/state?position=100000`);
    expect(JSON.stringify(state.body)).not.toContain(phrase);
    // no local store of any service keeps her text (SQLite files and WAL, HNSW files, chDB parts)
    const grep = (root: string): string[] =>
      readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
        const file = path.join(root, entry.name);
        if (entry.isDirectory()) return grep(file);
        return entry.isFile() && readFileSync(file).includes(phrase) ? [file] : [];
      });
    for (const service of [cluster.gateway, cluster.audit!, ...cluster.projectors]) expect(grep(service.dataDir)).toEqual([]);
  });
});
