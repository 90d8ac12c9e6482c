import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import neo4j from 'neo4j-driver';
import { graphStoreContract, ExtractionFeed, single, uniqueGraphTenant } from '@memfabric/graph-store/testing';
import { Neo4jGraphStore } from './neo4j.graph-store.js';
import { containerRuntimeUnavailable, startNeo4jContainer, type Neo4jContainerHandle } from './testing/index.js';

/**
 * The graph store contract against a real Neo4j server in a container (testcontainers,
 * `@testcontainers/neo4j`). Skipped, with the reason, where no container runtime exists.
 */

const noRuntime = await containerRuntimeUnavailable();
const skipReason = noRuntime ? `${noRuntime}; the Neo4j adapter needs a Neo4j server` : undefined;

let container: Neo4jContainerHandle | undefined;
async function server(): Promise<Neo4jContainerHandle> {
  container ??= await startNeo4jContainer();
  return container;
}

graphStoreContract(
  'neo4j',
  async () => {
    const { url, username, password } = await server();
    const store = await Neo4jGraphStore.start({ url, username, password });
    return { store, teardown: () => store.close() };
  },
  { skipReason, timeoutMs: 120_000 },
);

describe.skipIf(skipReason !== undefined)('Neo4jGraphStore on a real server', { timeout: 120_000 }, () => {
  let store: Neo4jGraphStore;
  beforeAll(async () => {
    const { url, username, password } = await server();
    store = await Neo4jGraphStore.start({ url, username, password, batchSize: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await container?.stop();
  });

  it('creates its constraints on start, and starting again is harmless', async () => {
    await store.ensureSchema();
    const result = await store.driver.executeQuery('SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names');
    const names = result.records[0]!.get('names') as string[];
    for (const name of ['memfabric_entity_name', 'memfabric_entity_id', 'memfabric_fact_id', 'memfabric_extraction_id']) expect(names).toContain(name);
  });

  it('puts the tenant on every node and relationship it writes, in batches smaller than the change set', async () => {
    const feed = new ExtractionFeed(uniqueGraphTenant());
    await store.applyExtractions([
      feed.event({ relations: [single('Alice', 'lives_in', 'Paris'), single('Bob', 'lives_in', 'Oslo'), single('Carol', 'works_at', 'Acme')] }),
      feed.event({ relations: [single('Alice', 'lives_in', 'Berlin')] }),
    ]);
    expect(await store.counts(feed.tenant)).toMatchObject({ entities: 7, facts: 4, invalidatedFacts: 1, events: 2 });
    const untagged = await store.driver.executeQuery(
      `MATCH (n) WHERE (n:Entity OR n:Extraction OR n:FactStatement OR n:FactRevision) AND n.tenant IS NULL RETURN count(n) AS nodes`,
    );
    expect(neo4j.integer.toNumber(untagged.records[0]!.get('nodes') as number)).toBe(0);
    const untaggedRels = await store.driver.executeQuery(`MATCH ()-[r:RELATES_TO|MENTIONS]->() WHERE r.tenant IS NULL RETURN count(r) AS rels`);
    expect(neo4j.integer.toNumber(untaggedRels.records[0]!.get('rels') as number)).toBe(0);
    // stored times are integers, not floats
    const types = await store.driver.executeQuery(
      'MATCH ()-[r:RELATES_TO {tenant: $tenant}]->() RETURN collect(DISTINCT valueType(r.recordedAt)) AS types',
      { tenant: feed.tenant },
    );
    expect(types.records[0]!.get('types')).toEqual(['INTEGER NOT NULL']);
  });
});
