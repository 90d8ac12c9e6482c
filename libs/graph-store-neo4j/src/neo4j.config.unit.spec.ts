import { describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { Neo4jGraphStore, validateNeo4jConfig, type Neo4jGraphStoreConfig } from './neo4j.graph-store.js';

describe('Neo4j graph store configuration', () => {
  it.each<[string, Neo4jGraphStoreConfig, RegExp]>([
    ['no url and no driver', {}, /give a Bolt URL/],
    ['an http url', { url: 'http://localhost:7474' }, /give a Bolt URL/],
    ['a username without password', { url: 'neo4j://localhost:7687', username: 'neo4j' }, /give both or neither/],
    ['an empty database name', { url: 'bolt://localhost:7687', database: '' }, /non-empty name/],
    ['a zero batch size', { url: 'neo4j+s://db.example:7687', batchSize: 0 }, /batchSize/],
  ])('rejects %s with a message that says what to fix', (_case, config, message) => {
    let error: unknown;
    try {
      validateNeo4jConfig(config);
    } catch (e) {
      error = e;
    }
    expect(MemfabricError.is(error) && error.code).toBe('configuration_invalid');
    expect((error as Error).message).toMatch(message);
  });

  it('accepts Bolt URLs with and without encryption', () => {
    for (const url of ['neo4j://localhost:7687', 'bolt://127.0.0.1:7687', 'neo4j+s://db:7687', 'bolt+ssc://db:7687']) {
      expect(() => validateNeo4jConfig({ url, username: 'neo4j', password: 'x' })).not.toThrow();
    }
  });

  it('fails to start with a retriable error when nothing listens', async () => {
    const error = await Neo4jGraphStore.start({ url: 'bolt://127.0.0.1:1', username: 'neo4j', password: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(MemfabricError.is(error) && [error.code, error.retriable]).toEqual(['unavailable', true]);
  });
});
