import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lexicalIndexContract, vectorIndexContract } from '@memfabric/vector-index/testing';
import { SqliteLexicalIndex } from './sqlite.lexical-index.js';
import { SqliteVectorIndex } from './sqlite.vector-index.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'memfabric-vec-'));
}

// threshold 100 < the suite's 400-point tenants, so the HNSW path and its fallbacks run
vectorIndexContract('embedded SQLite + usearch HNSW', (model) => {
  const dir = tempDir();
  const file = path.join(dir, 'projection.db');
  const index = SqliteVectorIndex.open({ database: file, model, exactThreshold: 100 });
  return Promise.resolve({
    index,
    reopen: (other) => Promise.resolve(SqliteVectorIndex.open({ database: file, model: other, exactThreshold: 100 })),
    teardown: async () => {
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

lexicalIndexContract('embedded SQLite FTS5', () => {
  const dir = tempDir();
  const file = path.join(dir, 'projection.db');
  const index = SqliteLexicalIndex.open({ database: file });
  return Promise.resolve({
    index,
    reopen: () => Promise.resolve(SqliteLexicalIndex.open({ database: file })),
    teardown: async () => {
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

// The contracts' assertions live in the suites above; this checks the file layout they rely on.
describe('embedded vector index files', () => {
  it('keeps the HNSW cache beside the SQLite file by default', async () => {
    const dir = tempDir();
    const index = SqliteVectorIndex.open({ database: path.join(dir, 'projection.db'), model: { id: 'test-model', dimension: 4 } });
    expect(index.indexDir).toBe(path.join(dir, 'projection.db.hnsw'));
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
