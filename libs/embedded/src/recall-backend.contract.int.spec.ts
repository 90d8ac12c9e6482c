import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HashEmbedder } from '@memfabric/embeddings';
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
