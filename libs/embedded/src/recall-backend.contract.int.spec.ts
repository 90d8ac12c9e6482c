import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HashEmbedder } from '@memfabric/embeddings';
import { BUILTIN_CHANNELS } from '@memfabric/recall';
import { describeRecallBackendContract } from '@memfabric/recall/testing';
import { EmbeddedFabric } from './embedded-fabric.js';

describeRecallBackendContract('embedded stack (SQLite units, usearch HNSW, FTS5, SQLite graph, chDB)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-recall-contract-'));
  const fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: randomBytes(32), embedder: new HashEmbedder({ dimensions: 64 }) });
  return {
    backend: fabric.recallBackend(),
    extracts: true,
    append: async (events) => {
      const results = await fabric.log.append(events);
      await fabric.catchUp();
      return Promise.all(results.map(async (r) => (await fabric.log.getEvent(r.id))!));
    },
    close: async () => {
      await fabric.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('the embedded fabric runs every read model the built-in channels read', () => {
  it('so a consistency token waits for each of them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-recall-models-'));
    const fabric = await EmbeddedFabric.open({ dataDir: dir, masterKey: randomBytes(32), embedder: new HashEmbedder({ dimensions: 64 }) });
    try {
      const read = [...new Set(BUILTIN_CHANNELS.flatMap((c) => c.readModels))];
      expect(fabric.recallBackend().progress.names).toEqual(expect.arrayContaining(read));
    } finally {
      await fabric.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
