import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChdbAnalyticsStore } from '@memfabric/analytics-chdb';
import { AesGcmContentCipher, InMemoryKeyVault } from '@memfabric/crypto';
import { HashEmbedder } from '@memfabric/embeddings';
import type { EventLog } from '@memfabric/event-log';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { KafkaEventLog } from '@memfabric/event-log-kafka';
import { mockClusterBinary, startKafkaMockCluster } from '@memfabric/event-log-kafka/testing';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { LazyNlpExtractor } from '@memfabric/extraction';
import { MEMORY_UNITS_PROJECTION } from '@memfabric/projections';
import { subjectErased } from '@memfabric/projections/testing';
import { BUILTIN_CHANNELS, RecallEngine } from '@memfabric/recall';
import { describeRecallBackendContract, type RecallBackendHarness } from '@memfabric/recall/testing';
import { GRAPH_PROJECTION, VECTOR_PROJECTION } from '@memfabric/read-models';
import { inMemoryStores, ReadSide, type ReadSidePlacements } from '../src/index.js';

/**
 * The read side assembled over ports runs the same recall-backend contract as the embedded
 * fabric and the in-memory doubles: once on the SQLite log, once on librdkafka's mock cluster
 * (a real Kafka protocol peer), both with the in-memory vector, lexical and graph stores behind
 * the asynchronous runtime. The server stores (Qdrant, Neo4j, ClickHouse) run it in
 * `server-stores.contract.int.spec.ts` where a container runtime exists.
 */

const embedder = new HashEmbedder({ dimensions: 64 });

/**
 * @param continuous - run the runtimes' loops and wait for them (a Kafka consumer then stays in
 *   its group instead of joining again for every catch-up pass).
 */
async function harness(
  log: EventLog,
  closeLog: () => Promise<void>,
  continuous = false,
  placements?: ReadSidePlacements,
): Promise<RecallBackendHarness & { side: ReadSide; dataDir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-read-side-'));
  let stores = {};
  if (!placements) {
    const analytics = ChdbAnalyticsStore.open({ path: path.join(dir, 'analytics') });
    await analytics.migrate();
    stores = { stores: inMemoryStores({ id: embedder.modelId, dimension: embedder.dimensions }, analytics) };
  }
  const side = await ReadSide.open({
    log,
    dataDir: dir,
    embedder,
    ...stores,
    ...(placements ? { placements } : {}),
    extractor: new LazyNlpExtractor(),
    batchSize: 50,
  });
  if (continuous) side.start();
  return {
    side,
    dataDir: dir,
    backend: await side.recallBackend(),
    extracts: true,
    append: async (events) => {
      const results = await log.append(events);
      if (continuous) await side.settled();
      else await side.catchUp();
      return Promise.all(results.map(async (r) => (await log.getEvent(r.id))!));
    },
    close: async () => {
      await side.close();
      await closeLog();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sqliteLog(): { log: SqliteEventLog; close: () => Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-read-side-log-'));
  const log = SqliteEventLog.open({ path: path.join(dir, 'log.db'), masterKey: randomBytes(32), synchronous: 'NORMAL' });
  return {
    log,
    close: async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeRecallBackendContract('read side over ports (SQLite log; in-memory vectors, lexical and graph behind the async runtime; chDB)', async () => {
  const { log, close } = sqliteLog();
  return harness(log, close);
});

const binary = mockClusterBinary(process.env);
const kafkaSkip = existsSync(binary) ? undefined : `${binary} not found (build it with libs/event-log-kafka/mock-cluster/build.sh, or set MEMFABRIC_KAFKA_MOCK_BIN)`;
if (kafkaSkip) console.warn(`[cluster] read side on Kafka skipped: ${kafkaSkip}`);

async function kafkaLog(partitions: number): Promise<{ log: KafkaEventLog; close: () => Promise<void> }> {
  const topic = `memfabric.events.read-side-${randomUUID()}`;
  const cluster = await startKafkaMockCluster({ binary, brokers: 1, topics: [{ name: topic, partitions }] });
  const log = await KafkaEventLog.connect({
    brokers: cluster.brokers,
    topic,
    clientId: 'memfabric-read-side-test',
    partitions,
    vault: new InMemoryKeyVault(),
    cipher: new AesGcmContentCipher(),
    fetchMaxWaitMs: 50,
    catchUpTimeoutMs: 15_000,
    logLevel: 'error',
    // the mock cannot route InitProducerId (see the Kafka adapter's README)
    idempotentProducer: false,
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 500,
  });
  return {
    log,
    close: async () => {
      await log.close();
      await cluster.stop();
    },
  };
}

if (!kafkaSkip) {
  // one partition: the contract's asOf by time needs one offset sequence (see PortRecallBackend.positionAt)
  describeRecallBackendContract('read side over ports on the Kafka mock cluster (1 partition; in-memory stores; chDB)', async () => {
    const { log, close } = await kafkaLog(1);
    return harness(log, close, true);
  });
}

if (!kafkaSkip) {
  // what a query gateway without server stores runs: the embedded read models of the all-in-one,
  // fed by Kafka, extraction shared with the projectors' consumer group
  describeRecallBackendContract('read side on the Kafka mock cluster with embedded read models (SQLite + HNSW + FTS5, chDB; extraction in a consumer group)', async () => {
    const { log, close } = await kafkaLog(1);
    return harness(log, close, true, { vectors: 'embedded', graph: 'embedded', analytics: 'embedded', extraction: 'shared' });
  });
}

describe.skipIf(kafkaSkip !== undefined)('read side on a partitioned Kafka log', { timeout: 120_000 }, () => {
  it('projects tenants spread over 3 partitions: each tenant recalls its own units, and asOf by time is refused with a clear error', async () => {
    const { log, close } = await kafkaLog(3);
    const h = await harness(log, close, true);
    try {
      const tenants = Array.from({ length: 6 }, () => uniqueTenant('p'));
      const stored = await h.append(tenants.map((t, i) => interaction(t, 's', `tenant number ${i} keeps a red kayak`, { actor: 'maya' })));
      expect(new Set(stored.map((e) => e.partition)).size).toBeGreaterThan(1);
      const engine = new RecallEngine(h.backend);
      for (const [i, t] of tenants.entries()) {
        const response = await engine.recall({ query: 'red kayak', scope: { tenant: t }, k: 5 });
        expect(response.hits.map((hit) => hit.unitId)).toEqual([stored[i]!.id]);
      }
      await expect(engine.recall({ query: 'kayak', scope: { tenant: tenants[0]! }, asOf: { time: new Date().toISOString() } })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      expect(await h.side.lagged()).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('read side wiring', () => {
  it('runs every read model the built-in channels read, memory units first, so a consistency token waits for each', async () => {
    const { log, close } = sqliteLog();
    const h = await harness(log, close);
    try {
      expect(h.side.projections[0]).toBe(MEMORY_UNITS_PROJECTION);
      const read = [...new Set(BUILTIN_CHANNELS.flatMap((c) => c.readModels))];
      expect(h.backend.progress.names).toEqual(expect.arrayContaining(read));
      expect(h.side.projections).toEqual(expect.arrayContaining([VECTOR_PROJECTION, GRAPH_PROJECTION]));
    } finally {
      await h.close();
    }
  });
});

describe('read side erasure', () => {
  it('leaves no copy of the erased text in memory-units.db or its WAL, whichever projection passes the erasure last', async () => {
    const { log, close } = sqliteLog();
    // the placements of a projector: the memory units embedded in memory-units.db, the rest shared
    const h = await harness(log, close);
    const tenant = uniqueTenant();
    const phrase = 'the lighthouse on Quarry Point';
    const files = () => ['memory-units.db', 'memory-units.db-wal'].map((f) => path.join(h.dataDir, f)).filter((f) => existsSync(f));
    const holding = () => files().filter((f) => readFileSync(f).includes(phrase));
    try {
      const [stored] = await h.append([interaction(tenant, 's1', `I painted ${phrase} yesterday.`)]);
      expect(h.side.truncateWal().busy).toBe(false);
      expect(holding()).toEqual([path.join(h.dataDir, 'memory-units.db')]);

      await log.append([subjectErased(tenant, 'caroline')]);
      // every other projection of the file passes the erasure first (as when a crash left the
      // memory units a batch behind them), then the memory units purge the units' text
      const others = h.side.unitsRuntime.names.filter((n) => n !== MEMORY_UNITS_PROJECTION);
      if (others.length > 0) await h.side.unitsRuntime.runUntilCaughtUp(undefined, { projections: others });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await h.side.unitsRuntime.runUntilCaughtUp(undefined, { projections: [MEMORY_UNITS_PROJECTION] });
      await new Promise((resolve) => setTimeout(resolve, 50));

      expect(holding()).toEqual([]);
      expect(await h.side.memoryUnits.getUnit(tenant, stored!.id)).toMatchObject({ status: 'erased', text: null });
    } finally {
      await h.close();
    }
  });
});
