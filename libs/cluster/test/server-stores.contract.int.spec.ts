import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startClickHouseContainer } from '@memfabric/analytics-clickhouse/testing';
import { HashEmbedder } from '@memfabric/embeddings';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { LazyNlpExtractor } from '@memfabric/extraction';
import { startNeo4jContainer } from '@memfabric/graph-store-neo4j/testing';
import { describeRecallBackendContract } from '@memfabric/recall/testing';
import { containerRuntimeUnavailable, startQdrantContainer } from '@memfabric/vector-index-qdrant/testing';
import { describe, expect, it } from 'vitest';
import { ReadSide, serverStores } from '../src/index.js';

/**
 * The recall-backend contract on the server adapters: the read side's vector and lexical
 * read model in Qdrant, the graph in Neo4j, analytics and the query log in ClickHouse, each in a
 * container (testcontainers), the memory units in SQLite. Skipped, with the reason, where no
 * container runtime exists.
 */

const noRuntime = await containerRuntimeUnavailable();

if (noRuntime) {
  describe('RecallBackend contract: read side on Qdrant, Neo4j and ClickHouse', () => {
    it.skip(`skipped: ${noRuntime}`, () => undefined);
  });
  console.warn(`[cluster] server-store contract skipped: ${noRuntime}`);
} else {
  describeRecallBackendContract('read side on Qdrant, Neo4j and ClickHouse (containers; SQLite log and memory units)', async () => {
    const [qdrant, neo4j, clickhouse] = await Promise.all([startQdrantContainer(), startNeo4jContainer(), startClickHouseContainer()]);
    const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-server-stores-'));
    const log = SqliteEventLog.open({ path: path.join(dir, 'log.db'), masterKey: randomBytes(32), synchronous: 'NORMAL' });
    const embedder = new HashEmbedder({ dimensions: 64 });
    const stores = await serverStores({
      qdrant: { url: qdrant.url },
      neo4j: { url: neo4j.url, username: neo4j.username, password: neo4j.password },
      clickhouse: { url: clickhouse.url, username: clickhouse.username, password: clickhouse.password },
      model: { id: embedder.modelId, dimension: embedder.dimensions },
    });
    // ClickHouse configured: the read side must not fall back to an embedded analytics store
    expect(stores.analytics, 'serverStores with ClickHouse configured gives an analytics store').toBeDefined();
    const side = await ReadSide.open({ log, dataDir: path.join(dir, 'units'), embedder, stores, extractor: new LazyNlpExtractor() });
    return {
      backend: await side.recallBackend(),
      extracts: true,
      append: async (events) => {
        const results = await log.append(events);
        await side.catchUp();
        return Promise.all(results.map(async (r) => (await log.getEvent(r.id))!));
      },
      close: async () => {
        await side.close();
        await log.close();
        await Promise.all([qdrant.stop(), neo4j.stop(), clickhouse.stop()]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}
