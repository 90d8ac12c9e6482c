/**
 * Serving while ingesting (`npm run bench:serve`): recall latency of the all-in-one server alone
 * and while clients append, and the append throughput it sustains meanwhile.
 *
 * Starts `services/fabric/src/main.ts` (what `npm start` runs: every module and every projection
 * in one Node process) as a child process on a fresh temporary data directory and a free loopback
 * port, with one API key (`memory:read,memory:write`, created in the directory's key store like
 * `memfabric keys create`; the key is never printed). The server's own defaults apply, except:
 * log level `warn`, the embedder of `--embedder` (default `use`, the server's default), and the
 * request rate limits switched off (`MEMFABRIC_RATE_LIMIT_PER_KEY=0`, `_PER_TENANT=0`: the bench
 * measures serving capacity, not the per-key budget of 200 requests/s). Then, over HTTP with the
 * typed client (`@memfabric/client`, no retries):
 *
 * 1. **seed**: every turn of `--file` (LoCoMo layout, events as `memfabric ingest --format locomo`
 *    maps them: tenant = sample id, stream = session) appended in order, batches of `--batch`,
 *    one request at a time; `secondsToQueryable` runs from the first append until a recall with
 *    the last batch's consistency token answers `consistency.reached` (memory units and every
 *    read model the hybrid-rrf channels use hold the seed); then the bench waits until every
 *    projection's lag is 0 (`secondsToCaughtUp`, from the first append: the extraction stage's
 *    `facts.extracted` events projected into the graph too), so that the next phase measures
 *    recall with no projection work left;
 * 2. **alone**: after `--warmup` unmeasured recalls, `--recall-clients` concurrent clients each
 *    send one recall at a time for `--duration-ms`: the file's questions in turn (each scoped to
 *    its conversation's tenant), preset `hybrid-rrf`, k = 10; latency = wall clock around each
 *    request in this process, ms;
 * 3. **under ingest**: the same recall clients, while `--ingest-clients` clients each post
 *    batches of `--batch` new `interaction.recorded` events one after another (the file's turns
 *    re-homed to one tenant per client, `serve-bench-load-<c>`, 8 streams each, content made
 *    unique by a sequence tag so the embedding cache never answers for them) until the
 *    duration is over and their last batch is acknowledged. Ingest events/s = events
 *    acknowledged as appended / seconds from the first post to the last acknowledgement.
 *    Afterwards: the lag of every projection (`GET /metrics`) when the phase ended, how long the
 *    projections then took to catch up (at most `--catch-up-ms`), and the number of load events
 *    the log holds (every load stream read back), which must equal the acknowledged count.
 *
 * For each phase the server's own `/metrics`, scraped at its start and end, give its CPU time
 * (cores busy) and its longest and 99th-percentile event-loop delay.
 *
 * Percentiles are nearest-rank over every successful request of the phase; failed requests are
 * counted, not timed. With `--json` the last stdout line is one JSON object (see {@link Report}).
 *
 * Options: --file ../shared/data/locomo/locomo-dev.json --duration-ms 30000 --recall-clients 8
 * --ingest-clients 4 --batch 100 --warmup 32 --catch-up-ms 120000 --embedder use
 * --child-node-options="<node flags of the server, e.g. --cpu-prof --cpu-prof-dir=DIR>" (with `=`) --keep
 * (keep the temporary directory: data and server.log) --json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MemfabricClient, type AppendResponse } from '@memfabric/client';
import type { EventEnvelope } from '@memfabric/events';
import { locomoEvents, percentile, readLocomo } from '@memfabric/locomo';
import { resendAfterReset, startFabricProcess, type FabricProcess, type ServerSample } from './fabric-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Latency of one phase's recalls, ms (nearest rank). */
interface LatencySummary {
  readonly recalls: number;
  readonly errors: number;
  /** Message of the first failed recall, when one failed. */
  readonly firstError?: string;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** Successful recalls per second of the phase. */
  readonly recallsPerSec: number;
}

/** The server process during one phase, from `GET /metrics` scraped at its start and its end. */
interface ServerPhase {
  /** CPU time the server used in the phase, s. */
  readonly cpuSeconds: number;
  /** `cpuSeconds` / wall seconds of the phase: 1 = one core busy all the time. */
  readonly cpuCores: number;
  /** Longest event-loop delay in the phase, ms (a request that arrived then waited that long). */
  readonly eventLoopDelayMaxMs: number;
  /** 99th percentile of the event-loop delay in the phase, ms. */
  readonly eventLoopDelayP99Ms: number;
}

/** Appends of the load clients during the "under ingest" phase. */
interface IngestSummary {
  readonly clients: number;
  readonly batch: number;
  readonly requests: number;
  readonly errors: number;
  /** Message of the first failed post, when one failed. */
  readonly firstError?: string;
  /** Events acknowledged as appended (duplicates excluded). */
  readonly acknowledged: number;
  readonly duplicates: number;
  /** From the first post to the last acknowledgement, s. */
  readonly seconds: number;
  readonly eventsPerSec: number;
  /** Latency of one batch post, ms. */
  readonly batchP50Ms: number;
  readonly batchP95Ms: number;
}

/** The JSON object `--json` prints. */
export interface Report {
  readonly bench: 'serve';
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string; readonly platform: string; readonly loadAverageBefore: readonly number[]; readonly loadAverageAfter: readonly number[] };
  readonly file: string;
  readonly embedder: string;
  readonly durationMs: number;
  readonly recallClients: number;
  readonly ingestClients: number;
  readonly batch: number;
  readonly rateLimits: 'off';
  readonly serverStartSeconds: number;
  readonly seedEvents: number;
  readonly seedAppendSeconds: number;
  readonly secondsToQueryable: number;
  /** Seed, probe and read-back requests resent after the server reset the connection (`ECONNRESET`; `/metrics` scrapes are resent too, uncounted). */
  readonly setupResets: number;
  /** From the first seed append until every projection's lag was 0, s. */
  readonly secondsToCaughtUp: number;
  readonly questions: number;
  readonly alone: LatencySummary & { readonly server: ServerPhase };
  readonly underIngest: LatencySummary & { readonly server: ServerPhase; readonly ingest: IngestSummary };
  readonly recallP50AloneMs: number;
  readonly recallP95AloneMs: number;
  readonly recallP50UnderIngestMs: number;
  readonly recallP95UnderIngestMs: number;
  /** `recallP95UnderIngestMs / recallP95AloneMs`. */
  readonly recallP95UnderIngestRatio: number;
  readonly ingestEventsPerSec: number;
  readonly ingestAcknowledged: number;
  /** Load events the log holds after the run (every load stream read back). */
  readonly ingestEventsInLog: number;
  /** Events each projection was behind the log end when the phase ended. */
  readonly projectionLagAtEnd: Readonly<Record<string, number>>;
  /** Seconds after the phase until every projection's lag was 0, when it was within `--catch-up-ms`; else null. */
  readonly secondsToCatchUp: number | null;
  readonly serverExitCode: number | null;
}

const positive = (name: string, raw: string | undefined, fallback: number, max: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer from 1 to ${max}; got ${JSON.stringify(raw)}`);
  return n;
};

const { values: args } = parseArgs({
  options: {
    file: { type: 'string', default: path.join(root, '..', 'shared', 'data', 'locomo', 'locomo-dev.json') },
    'duration-ms': { type: 'string' },
    'recall-clients': { type: 'string' },
    'ingest-clients': { type: 'string' },
    batch: { type: 'string' },
    warmup: { type: 'string' },
    'catch-up-ms': { type: 'string' },
    embedder: { type: 'string', default: 'use' },
    'child-node-options': { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const options = {
  file: path.resolve(args.file),
  durationMs: positive('duration-ms', args['duration-ms'], 30_000, 3_600_000),
  recallClients: positive('recall-clients', args['recall-clients'], 8, 256),
  ingestClients: positive('ingest-clients', args['ingest-clients'], 4, 64),
  batch: positive('batch', args.batch, 100, 1000),
  warmup: args.warmup === '0' ? 0 : positive('warmup', args.warmup, 32, 100_000),
  catchUpMs: args['catch-up-ms'] === '0' ? 0 : positive('catch-up-ms', args['catch-up-ms'], 120_000, 3_600_000),
  embedder: args.embedder,
  childNodeOptions: args['child-node-options'].split(/\s+/).filter((s) => s !== ''),
  keep: args.keep,
  json: args.json,
};
/** Streams of each load tenant. */
const LOAD_STREAMS = 8;
const say = (line: string) => {
  // progress goes to stderr with --json, so the last stdout line stays the JSON object
  (options.json ? process.stderr : process.stdout).write(`${line}\n`);
};
const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const loadTenant = (client: number) => `serve-bench-load-${client}`;

/** Nearest-rank summary of one phase's successful recall latencies. */
function summarize(load: RecallLoad): LatencySummary {
  const samples = load.latencies;
  const max = samples.reduce((a, b) => Math.max(a, b), 0);
  return {
    recalls: samples.length,
    errors: load.errors,
    ...(load.firstError === undefined ? {} : { firstError: load.firstError }),
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(max),
    recallsPerSec: round(samples.length / load.seconds, 1),
  };
}

interface Question {
  readonly query: string;
  readonly tenant: string;
}

/** What the recall clients of one phase measured. */
interface RecallLoad {
  /** Wall clock of each successful recall, ms. */
  readonly latencies: number[];
  readonly errors: number;
  readonly firstError: string | undefined;
  /** Length of the phase, s. */
  readonly seconds: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Recall clients that each send one request at a time until `until()` says stop. */
async function recallLoad(client: MemfabricClient, questions: readonly Question[], clients: number, until: () => boolean): Promise<RecallLoad> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!until()) {
        const q = questions[next++ % questions.length]!;
        const t0 = performance.now();
        try {
          await client.recall({ query: q.query, scope: { tenant: q.tenant }, k: 10, preset: 'hybrid-rrf' });
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors += 1;
          firstError ??= messageOf(error);
        }
      }
    }),
  );
  return { latencies, errors, firstError, seconds: (performance.now() - started) / 1000 };
}

/** Load clients posting batches of new turns until `until()` says stop; each finishes its batch in flight. */
async function ingestLoad(client: MemfabricClient, turns: readonly EventEnvelope[], until: () => boolean): Promise<{ summary: IngestSummary; streams: [string, string][] }> {
  const batchMs: number[] = [];
  const streams = new Map<string, [string, string]>();
  let acknowledged = 0;
  let duplicates = 0;
  let errors = 0;
  let firstError: string | undefined;
  let requests = 0;
  const started = performance.now();
  let last = started;
  await Promise.all(
    Array.from({ length: options.ingestClients }, async (_, c) => {
      for (let b = 0; !until(); b += 1) {
        const stream = `load-${b % LOAD_STREAMS}`;
        const batch = Array.from({ length: options.batch }, (_, i) => {
          const seq = b * options.batch + i;
          const { id: _id, ...turn } = turns[seq % turns.length]!;
          const data = turn.data as { content: string };
          const subject = `load-${c}-${seq}`;
          return {
            ...turn,
            tenantid: loadTenant(c),
            streamid: stream,
            subject,
            idempotencykey: `serve-bench:${c}:${seq}`,
            data: { ...data, content: `${data.content} (#${c}-${seq})`, sourceref: subject },
          };
        });
        const t0 = performance.now();
        requests += 1;
        try {
          const answer: AppendResponse = await client.appendEvents(batch);
          acknowledged += answer.appended;
          streams.set(`${loadTenant(c)}/${stream}`, [loadTenant(c), stream]);
          duplicates += answer.duplicates;
          last = performance.now();
          batchMs.push(last - t0);
        } catch (error) {
          errors += 1;
          firstError ??= messageOf(error);
        }
      }
    }),
  );
  // events/s from the seconds as reported, so the figures of the JSON agree with each other
  const seconds = round((last - started) / 1000);
  const summary: IngestSummary = {
    clients: options.ingestClients,
    batch: options.batch,
    requests,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    acknowledged,
    duplicates,
    seconds,
    eventsPerSec: seconds > 0 ? Math.round(acknowledged / seconds) : 0,
    batchP50Ms: round(percentile(batchMs, 50)),
    batchP95Ms: round(percentile(batchMs, 95)),
  };
  return { summary, streams: [...streams.values()] };
}

/**
 * The load events the log holds: every stream a load batch was acknowledged in, read back through
 * `GET /v1/tenants/{t}/streams/{s}/events`, counting the `interaction.recorded` events of this
 * bench (the extraction stage appends its `facts.extracted` to the same streams).
 */
async function loadEventsInLog(client: MemfabricClient, streams: readonly (readonly [string, string])[]): Promise<number> {
  let count = 0;
  for (const [tenant, stream] of streams) {
    for await (const event of client.streamEvents(tenant, stream, { limit: 1000 })) {
      if (event.type === 'interaction.recorded' && event.idempotencykey?.startsWith('serve-bench:')) count += 1;
    }
  }
  return count;
}

/** How long the seed's projections may take to catch up, ms. */
const SEED_CATCH_UP_MS = 3_600_000;

/**
 * Polls the server's `/metrics` every 250 ms until every projection's lag is 0.
 * @throws Error after `timeoutMs`, with the lag last seen.
 */
async function waitCaughtUp(server: FabricProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { projectionLag } = await server.scrape();
    if (Object.values(projectionLag).every((n) => n === 0)) return;
    if (performance.now() > deadline) throw new Error(`the projections did not catch up within ${timeoutMs} ms: ${JSON.stringify(projectionLag)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs `phase` between two scrapes of the server's metrics. */
async function measured<T>(server: FabricProcess, phase: () => Promise<T>): Promise<{ result: T; server: ServerPhase; end: ServerSample }> {
  const start = await server.scrape();
  const t0 = performance.now();
  const result = await phase();
  const end = await server.scrape();
  const cpuSeconds = end.cpuSeconds - start.cpuSeconds;
  return {
    result,
    end,
    server: {
      cpuSeconds: round(cpuSeconds),
      cpuCores: round(cpuSeconds / ((performance.now() - t0) / 1000)),
      eventLoopDelayMaxMs: end.eventLoopDelayMaxMs,
      eventLoopDelayP99Ms: end.eventLoopDelayP99Ms,
    },
  };
}

async function run(): Promise<Report> {
  const conversations = readLocomo(JSON.parse(readFileSync(options.file, 'utf8')) as unknown);
  const seed = [...locomoEvents(conversations)];
  const turns = seed.filter((e) => e.type === 'interaction.recorded');
  const questions: Question[] = conversations.flatMap((c) =>
    c.questions.filter((q) => typeof q.question === 'string' && q.question.trim() !== '' && q.question.length <= 2000).map((q) => ({ query: q.question, tenant: c.sampleId })),
  );
  if (turns.length === 0 || questions.length === 0) throw new Error(`${options.file} has no turns or no questions`);
  const loadAverageBefore = loadavg().map((n) => round(n));

  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-bench-serve-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  say(`starting the server on ${dataDir} (embedder ${options.embedder}) ...`);
  const startedAt = performance.now();
  let server: FabricProcess | undefined;
  try {
    server = await startFabricProcess({
      dataDir,
      logFile: path.join(dir, 'server.log'),
      tenants: [...new Set([...conversations.map((c) => c.sampleId), ...Array.from({ length: options.ingestClients }, (_, c) => loadTenant(c))])],
      env: { MEMFABRIC_EMBEDDER: options.embedder, MEMFABRIC_RATE_LIMIT_PER_KEY: '0', MEMFABRIC_RATE_LIMIT_PER_TENANT: '0' },
      nodeOptions: options.childNodeOptions,
    });
    const serverStartSeconds = round((performance.now() - startedAt) / 1000);
    // measured requests are sent once (a failure is counted, not retried); seeding, the
    // queryability probe and the read-back are idempotent and retried by the client's policy
    const client = new MemfabricClient({ baseUrl: server.url, apiKey: server.apiKey, retry: { maxRetries: 0 }, timeoutMs: 120_000, caller: 'bench-serve' });
    const setup = new MemfabricClient({ baseUrl: server.url, apiKey: server.apiKey, retry: { maxRetries: 5 }, timeoutMs: 120_000, caller: 'bench-serve' });
    let setupResets = 0;
    // the client does not resend after a reset connection (the request may have arrived); these
    // calls are idempotent (the seed's events carry ids and idempotency keys), so resend them
    const resent = <T>(call: () => Promise<T>) => resendAfterReset(call, () => (setupResets += 1));

    say(`seeding ${seed.length} events of ${conversations.length} conversation(s) in batches of ${options.batch} ...`);
    const seedStarted = performance.now();
    let token = '';
    for (let i = 0; i < seed.length; i += options.batch) token = (await resent(() => setup.appendEvents(seed.slice(i, i + options.batch)))).consistencyToken;
    const seedAppendSeconds = round((performance.now() - seedStarted) / 1000);
    const probe = questions[0]!;
    for (;;) {
      const answer = await resent(() => setup.recall({ query: probe.query, scope: { tenant: probe.tenant }, k: 10, preset: 'hybrid-rrf', consistencyToken: token, consistencyTimeoutMs: 30_000 }));
      if (answer.consistency.reached) break;
      say(`  not queryable yet after ${round((performance.now() - seedStarted) / 1000, 0)} s (behind: ${answer.consistency.behind.join(', ')})`);
    }
    const secondsToQueryable = round((performance.now() - seedStarted) / 1000);
    say(`  queryable ${secondsToQueryable} s after the first append (appends took ${seedAppendSeconds} s)`);
    await waitCaughtUp(server, SEED_CATCH_UP_MS);
    const secondsToCaughtUp = round((performance.now() - seedStarted) / 1000);
    say(`  every projection caught up ${secondsToCaughtUp} s after the first append`);

    let warmupLeft = options.warmup;
    await recallLoad(client, questions, Math.min(options.recallClients, Math.max(1, options.warmup)), () => warmupLeft-- <= 0);

    say(`phase "alone": ${options.recallClients} recall clients for ${options.durationMs} ms ...`);
    let deadline = 0;
    const alone = await measured(server, () => {
      deadline = performance.now() + options.durationMs;
      return recallLoad(client, questions, options.recallClients, () => performance.now() >= deadline);
    });
    const aloneSummary = { ...summarize(alone.result), server: alone.server };

    say(`phase "under ingest": ${options.recallClients} recall clients and ${options.ingestClients} ingest clients × batches of ${options.batch} for ${options.durationMs} ms ...`);
    const over = () => performance.now() >= deadline;
    const under = await measured(server, () => {
      deadline = performance.now() + options.durationMs;
      return Promise.all([recallLoad(client, questions, options.recallClients, over), ingestLoad(client, turns, over)]);
    });
    const [recalls, load] = under.result;
    const projectionLagAtEnd = under.end.projectionLag;
    const underSummary = { ...summarize(recalls), server: under.server };
    const ingest = load.summary;
    const catchUpStarted = performance.now();
    let secondsToCatchUp: number | null = null;
    while (performance.now() - catchUpStarted < options.catchUpMs) {
      if (Object.values((await server.scrape()).projectionLag).every((n) => n === 0)) {
        secondsToCatchUp = round((performance.now() - catchUpStarted) / 1000);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const ingestEventsInLog = await resent(() => loadEventsInLog(setup, load.streams));
    const serverExitCode = await server.stop();
    server = undefined;

    return {
      bench: 'serve',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}`, loadAverageBefore, loadAverageAfter: loadavg().map((n) => round(n)) },
      file: path.relative(root, options.file),
      embedder: options.embedder,
      durationMs: options.durationMs,
      recallClients: options.recallClients,
      ingestClients: options.ingestClients,
      batch: options.batch,
      rateLimits: 'off',
      serverStartSeconds,
      seedEvents: seed.length,
      seedAppendSeconds,
      secondsToQueryable,
      secondsToCaughtUp,
      setupResets,
      questions: questions.length,
      alone: aloneSummary,
      underIngest: { ...underSummary, ingest },
      recallP50AloneMs: aloneSummary.p50,
      recallP95AloneMs: aloneSummary.p95,
      recallP50UnderIngestMs: underSummary.p50,
      recallP95UnderIngestMs: underSummary.p95,
      recallP95UnderIngestRatio: aloneSummary.p95 > 0 ? round(underSummary.p95 / aloneSummary.p95, 3) : 0,
      ingestEventsPerSec: ingest.eventsPerSec,
      ingestAcknowledged: ingest.acknowledged,
      ingestEventsInLog,
      projectionLagAtEnd,
      secondsToCatchUp,
      serverExitCode,
    };
  } finally {
    await server?.stop();
    if (options.keep) say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const report = await run();
if (options.json) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  const row = (name: string, s: LatencySummary) => `| ${name} | ${s.recalls} | ${s.errors} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.recallsPerSec} |`;
  process.stdout.write(
    [
      `bench:serve ${report.date} · ${report.machine.cpus} CPUs · Node.js ${report.machine.node} · embedder ${report.embedder} · ${report.seedEvents} seed events queryable in ${report.secondsToQueryable} s, every projection caught up in ${report.secondsToCaughtUp} s`,
      '| phase | recalls | errors | p50 ms | p95 ms | p99 ms | recalls/s |',
      '|---|---|---|---|---|---|---|',
      row('alone', report.alone),
      row('under ingest', report.underIngest),
      `recall p95 under ingest / alone: ${report.recallP95UnderIngestRatio}`,
      `ingest: ${report.ingestEventsPerSec} events/s (${report.ingestAcknowledged} acknowledged by ${report.ingestClients} clients × batches of ${report.batch} in ${report.underIngest.ingest.seconds} s, ${report.underIngest.ingest.errors} failed posts; ${report.ingestEventsInLog} in the log)`,
      `server CPU (cores busy) alone ${report.alone.server.cpuCores}, under ingest ${report.underIngest.server.cpuCores}; event-loop delay max alone ${report.alone.server.eventLoopDelayMaxMs} ms, under ingest ${report.underIngest.server.eventLoopDelayMaxMs} ms`,
      `projection lag at the end: ${Object.entries(report.projectionLagAtEnd).map(([p, n]) => `${p} ${n}`).join(', ')}; caught up ${report.secondsToCatchUp === null ? `not within ${options.catchUpMs} ms` : `${report.secondsToCatchUp} s later`}`,
    ].join('\n') + '\n',
  );
}
