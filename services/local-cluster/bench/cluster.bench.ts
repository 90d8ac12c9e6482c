/**
 * The cluster's write path and time to queryable (`npm run bench:cluster`).
 *
 * Starts the local cluster (librdkafka's mock cluster, the ingest service, the query gateway and
 * P replicas of the extraction projector, each its own OS process on loopback; the audit service
 * is left out so that it does not embed every turn a second time on this machine's cores) once
 * per projector count of `--projectors`, and measures in each:
 *
 * 1. **Time to queryable** at a steady rate: `--events` LoCoMo dev turns of 6 tenants, each
 *    appended alone (`POST /v1/events` on the ingest service) every 1 / `--rate` s. For each turn:
 *    - `appendAckMs`: until the ingest service acknowledged it (Kafka produce acknowledged);
 *    - `appendToRecallMs`: until `POST /v1/recall` on the gateway, asked the turn's own text with
 *      the append's consistency token, returned the turn in its top 10 (the token makes the
 *      gateway wait until its read models hold the append; the figure includes the recall);
 *    - `appendToFactsMs`: until the `facts.extracted` event the extraction projectors append for
 *      the turn (`causationid` = the turn's id) is in the log, read back through the ingest
 *      service (one reader polls the stream every `--poll` ms).
 *    p50 and p95 (nearest rank) of each, in ms.
 * 2. **Append throughput**, afterwards: `--throughput-events` turns spread over 12 tenants (so over
 *    the partitions), `--clients` concurrent HTTP clients posting batches of `--batch`
 *    (`application/cloudevents-batch+json`); events acknowledged per second of wall time.
 *
 * Keep `--throughput-events` × ~1 KiB below the mock cluster's 5 MiB per partition: beyond it the
 * mock drops the oldest records and the read sides would never catch up.
 *
 * Options: --projectors 1,2 --partitions 3 --rate 10 --events 200 --throughput-events 4000
 * --batch 100 --clients 4 --poll 25 --embedder use --json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { locomoEvents, percentile, readLocomo } from '@memfabric/locomo';
import { startLocalCluster, type LocalCluster } from '../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const integer = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
  return n;
};
const counts = (raw: string) => {
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) throw new InvalidArgumentError('must be a comma-separated list of integers from 1 to 8');
  return list;
};

const program = new Command('bench-cluster')
  .description('Append throughput through the ingest service and time to queryable on the local cluster')
  .option('--projectors <list>', 'projector replica counts to measure, comma-separated', counts, [1, 2])
  .option('--partitions <n>', 'partitions of the events topic', integer(1, 64), 3)
  .option('--rate <n>', 'steady append rate of the latency run, events/s', integer(1, 1000), 10)
  .option('--events <n>', 'turns appended in the latency run', integer(10, 5000), 200)
  .option('--throughput-events <n>', 'turns appended in the throughput run', integer(100, 20000), 4000)
  .option('--batch <n>', 'events per POST in the throughput run', integer(1, 1000), 100)
  .option('--clients <n>', 'concurrent HTTP clients in the throughput run', integer(1, 64), 4)
  .option('--poll <ms>', 'interval of the facts reader, ms', integer(5, 1000), 25)
  .option('--embedder <name>', 'MEMFABRIC_EMBEDDER of the services (use: the default model; hash: no model)', 'use')
  .option('--json', 'print one JSON object', false)
  .showHelpAfterError();
program.parse();
const options = program.opts<{
  projectors: number[];
  partitions: number;
  rate: number;
  events: number;
  throughputEvents: number;
  batch: number;
  clients: number;
  poll: number;
  embedder: string;
  json: boolean;
}>();
/** Tenants of the latency run (each turn goes to tenant i mod this). */
const LATENCY_TENANTS = 6;
/** How long one turn may take to become queryable before it counts as missed, ms. */
const TURN_TIMEOUT_MS = 30_000;
const say = (line: string) => {
  if (!options.json) process.stdout.write(`${line}\n`);
};

type Turn = Record<string, unknown> & { subject: string; data: { content: string } };

/** LoCoMo dev turns (every conversation, in order), re-homed to `tenant` and `stream`. */
function turns(count: number, tenant: (i: number) => string, stream: (i: number) => string, salt: string): Turn[] {
  const raw = JSON.parse(readFileSync(path.join(root, '..', 'shared', 'data', 'locomo', 'locomo-dev.json'), 'utf8')) as unknown;
  const all = [...locomoEvents(readLocomo(raw))].filter((e) => e.type === 'interaction.recorded') as unknown as Turn[];
  if (all.length === 0) throw new Error('no LoCoMo turns found in ../shared/data/locomo/locomo-dev.json');
  return Array.from({ length: count }, (_, i) => {
    const e = all[i % all.length]!;
    return { ...e, tenantid: tenant(i), streamid: stream(i), subject: `t${i}`, idempotencykey: `bench:${salt}:${i}`, data: { ...e.data, sourceref: `t${i}` } };
  });
}

const summary = (ms: readonly number[]) => ({ p50: +percentile(ms, 50).toFixed(1), p95: +percentile(ms, 95).toFixed(1), max: +Math.max(...ms).toFixed(1) });

async function post<T>(url: string, token: string, body: unknown, contentType = 'application/json'): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: JSON.stringify(body) });
  const parsed = (await response.json()) as T & { detail?: string };
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${parsed.detail ?? ''}`);
  return parsed;
}

/**
 * Follows one stream through the ingest service and resolves a waiter when the stream holds a
 * `facts.extracted` event caused by the waiter's event id.
 */
class FactsReader {
  private readonly waiters = new Map<string, () => void>();
  private readonly seen = new Set<string>();
  private from = 1;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly pollMs: number,
  ) {
    this.loop = this.run();
  }

  /** Resolves true when the facts of `eventId` are in the log, false after `timeoutMs`. */
  waitFor(eventId: string, timeoutMs: number): Promise<boolean> {
    if (this.seen.has(eventId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(eventId);
        resolve(false);
      }, timeoutMs);
      this.waiters.set(eventId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const response = await fetch(`${this.url}?from=${this.from}&limit=1000`, { headers: { authorization: `Bearer ${this.token}` } }).catch(() => undefined);
      if (response?.ok) {
        const page = (await response.json()) as { events: { type: string; causationid?: string; streamposition: number }[] };
        for (const e of page.events) {
          this.from = e.streamposition + 1;
          if (e.type !== 'facts.extracted' || e.causationid === undefined) continue;
          this.seen.add(e.causationid);
          this.waiters.get(e.causationid)?.();
          this.waiters.delete(e.causationid);
        }
        if (page.events.length === 1000) continue;
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }
}

async function latencyRun(cluster: LocalCluster, replicas: number) {
  // several tenants, so the turns spread over the partitions (partition = murmur2 of the tenant)
  const tenants = Array.from({ length: LATENCY_TENANTS }, (_, t) => `bench-latency-${replicas}-${t}`);
  const stream = 'session_1';
  const events = turns(options.events, (i) => tenants[i % tenants.length]!, () => stream, `latency-${replicas}`);
  const readers = new Map(tenants.map((t) => [t, new FactsReader(`${cluster.ingest.url}/v1/tenants/${t}/streams/${stream}/events`, cluster.adminToken, options.poll)]));
  const ack: number[] = [];
  const recall: number[] = [];
  const facts: number[] = [];
  let missed = 0;
  let noFacts = 0;
  const interval = 1000 / options.rate;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < events.length; i += 1) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const event = events[i]!;
    inFlight.push(
      (async () => {
        const t0 = performance.now();
        const appended = await post<{ results: { id: string }[]; consistencyToken: string }>(`${cluster.ingest.url}/v1/events`, cluster.adminToken, [event], 'application/cloudevents-batch+json');
        ack.push(performance.now() - t0);
        const id = appended.results[0]!.id;
        await Promise.all([
          (async () => {
            const answer = await post<{ hits: { sourceRef?: string }[]; consistency: { reached: boolean } }>(`${cluster.gateway.url}/v1/recall`, cluster.adminToken, {
              query: event.data.content,
              scope: { tenant: event.tenantid },
              k: 10,
              consistencyToken: appended.consistencyToken,
              consistencyTimeoutMs: TURN_TIMEOUT_MS,
            });
            if (!answer.consistency.reached || !answer.hits.some((h) => h.sourceRef === event.subject)) missed += 1;
            else recall.push(performance.now() - t0);
          })(),
          readers.get(event.tenantid as string)!.waitFor(id, TURN_TIMEOUT_MS).then((found) => (found ? facts.push(performance.now() - t0) : (noFacts += 1))),
        ]);
      })(),
    );
  }
  await Promise.all(inFlight);
  await Promise.all([...readers.values()].map((r) => r.stop()));
  return {
    events: events.length,
    rate: options.rate,
    appendAckMs: summary(ack),
    appendToRecallMs: summary(recall),
    appendToFactsMs: summary(facts),
    notRecalled: missed,
    noFactsWithin30s: noFacts,
  };
}

async function throughputRun(cluster: LocalCluster, replicas: number) {
  const events = turns(options.throughputEvents, (i) => `bench-load-${replicas}-${i % 12}`, (i) => `session_${1 + (i % 5)}`, `load-${replicas}`);
  const batches: Turn[][] = [];
  for (let i = 0; i < events.length; i += options.batch) batches.push(events.slice(i, i + options.batch));
  let next = 0;
  let appended = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      for (let b = next++; b < batches.length; b = next++) {
        const answer = await post<{ appended: number }>(`${cluster.ingest.url}/v1/events`, cluster.adminToken, batches[b], 'application/cloudevents-batch+json');
        appended += answer.appended;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { events: appended, batch: options.batch, clients: options.clients, seconds: +seconds.toFixed(2), eventsPerSecond: Math.round(appended / seconds) };
}

const results: Record<string, unknown>[] = [];
for (const replicas of options.projectors) {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-bench-cluster-'));
  say(`starting the local cluster with ${replicas} projector replica(s) over ${options.partitions} partitions ...`);
  const cluster = await startLocalCluster({
    dir,
    partitions: options.partitions,
    projectors: replicas,
    audit: false,
    env: { MEMFABRIC_EMBEDDER: options.embedder, MEMFABRIC_LOG_LEVEL: 'warn', MEMFABRIC_READY_MAX_LAG: '0' },
  });
  try {
    say(`  latency run: ${options.events} turns at ${options.rate}/s ...`);
    const latency = await latencyRun(cluster, replicas);
    say(`  throughput run: ${options.throughputEvents} turns, ${options.clients} clients × batches of ${options.batch} ...`);
    const throughput = await throughputRun(cluster, replicas);
    results.push({ projectors: replicas, latency, throughput });
    say(`  ack p50/p95 ${latency.appendAckMs.p50}/${latency.appendAckMs.p95} ms · recall p50/p95 ${latency.appendToRecallMs.p50}/${latency.appendToRecallMs.p95} ms · facts p50/p95 ${latency.appendToFactsMs.p50}/${latency.appendToFactsMs.p95} ms · not recalled ${latency.notRecalled} · no facts ${latency.noFactsWithin30s}`);
    say(`  append throughput ${throughput.eventsPerSecond} events/s (${throughput.events} events in ${throughput.seconds} s)`);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
if (options.json) {
  process.stdout.write(
    `${JSON.stringify({ bench: 'cluster', partitions: options.partitions, embedder: options.embedder, node: process.version, cpus: cpus().length, runs: results })}\n`,
  );
}
