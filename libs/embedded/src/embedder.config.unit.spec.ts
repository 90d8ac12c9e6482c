import { describe, expect, it } from 'vitest';
import { UseEmbedder, WorkerPoolEmbedder } from '@memfabric/embeddings-use';
import { HashEmbedder } from '@memfabric/embeddings';
import { LazyNlpExtractor } from '@memfabric/extraction';
import { WorkerPoolExtractor } from '@memfabric/extraction-node';
import { defaultEmbeddingWorkers, defaultExtractionWorkers, embeddingWorkersFromEnv, extractionWorkersFromEnv, extractorFromEnv, pooledModelEmbedderFromEnv } from './embedder.config.js';

describe('MEMFABRIC_EMBEDDING_WORKERS', () => {
  it('defaults to min(cores - 1, 2) for USE lite and to 0 for hash and http', () => {
    expect([1, 2, 3, 4, 64].map(defaultEmbeddingWorkers)).toEqual([0, 1, 2, 2, 2]);
    expect(embeddingWorkersFromEnv({}, 2)).toBe(1);
    expect(embeddingWorkersFromEnv({ MEMFABRIC_EMBEDDER: 'use', MEMFABRIC_EMBEDDING_WORKERS: ' ' }, 8)).toBe(2);
    expect(embeddingWorkersFromEnv({ MEMFABRIC_EMBEDDER: 'hash' }, 8)).toBe(0);
    expect(embeddingWorkersFromEnv({ MEMFABRIC_EMBEDDER: 'http', MEMFABRIC_EMBEDDING_WORKERS: '0' }, 8)).toBe(0);
  });

  it('takes a whole number from 0 to 16', () => {
    expect(embeddingWorkersFromEnv({ MEMFABRIC_EMBEDDING_WORKERS: '0' }, 8)).toBe(0);
    expect(embeddingWorkersFromEnv({ MEMFABRIC_EMBEDDING_WORKERS: ' 16 ' }, 2)).toBe(16);
    for (const bad of ['-1', '1.5', 'two', '17']) {
      expect(() => embeddingWorkersFromEnv({ MEMFABRIC_EMBEDDING_WORKERS: bad })).toThrow(
        new RegExp(`^MEMFABRIC_EMBEDDING_WORKERS must be (a whole number from 0 to 16|at most 16), got "${bad.replace('.', '\\.')}"$`),
      );
    }
  });

  it('refuses workers for an embedder that does not compute in this process', () => {
    expect(() => embeddingWorkersFromEnv({ MEMFABRIC_EMBEDDER: 'http', MEMFABRIC_EMBEDDING_WORKERS: '2' })).toThrow(
      'MEMFABRIC_EMBEDDING_WORKERS=2 applies to MEMFABRIC_EMBEDDER=use only (http embeds in the calling thread): unset it or set 0',
    );
    expect(() => embeddingWorkersFromEnv({ MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_EMBEDDING_WORKERS: '1' })).toThrow(/applies to MEMFABRIC_EMBEDDER=use only/);
  });

  it('builds a worker pool of USE lite, or the model in this thread with 0', async () => {
    const pool = pooledModelEmbedderFromEnv({ MEMFABRIC_EMBEDDING_WORKERS: '2' });
    expect(pool).toBeInstanceOf(WorkerPoolEmbedder);
    expect((pool as WorkerPoolEmbedder).workers).toBe(2);
    expect(pool.modelId).toBe(new UseEmbedder().modelId);
    expect((pool as WorkerPoolEmbedder).running).toBe(0); // nothing starts before the first call
    await pool.close?.();
    expect(pooledModelEmbedderFromEnv({ MEMFABRIC_EMBEDDING_WORKERS: '0' })).toBeInstanceOf(UseEmbedder);
    expect(pooledModelEmbedderFromEnv({ MEMFABRIC_EMBEDDER: 'hash' })).toBeInstanceOf(HashEmbedder);
  });
});

describe('MEMFABRIC_EXTRACTION_WORKERS', () => {
  it('defaults to min(cores - 1, 2), whatever the embedder', () => {
    expect([1, 2, 3, 4, 64].map(defaultExtractionWorkers)).toEqual([0, 1, 2, 2, 2]);
    expect(extractionWorkersFromEnv({}, 2)).toBe(1);
    expect(extractionWorkersFromEnv({ MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_EXTRACTION_WORKERS: '' }, 8)).toBe(2);
    expect(extractionWorkersFromEnv({ MEMFABRIC_EXTRACTION_WORKERS: ' 16 ' }, 1)).toBe(16);
  });

  it('refuses anything but a whole number from 0 to 16, naming the variable', () => {
    for (const bad of ['-1', '2.5', 'all', '17']) {
      expect(() => extractionWorkersFromEnv({ MEMFABRIC_EXTRACTION_WORKERS: bad })).toThrow(
        new RegExp(`^MEMFABRIC_EXTRACTION_WORKERS must be (a whole number from 0 to 16|at most 16), got "${bad.replace('.', '\\.')}"$`),
      );
    }
  });

  it('builds a worker pool of the NLP extractor, or the extractor in this thread with 0', async () => {
    const pool = extractorFromEnv({ MEMFABRIC_EXTRACTION_WORKERS: '3' });
    expect(pool).toBeInstanceOf(WorkerPoolExtractor);
    expect((pool as WorkerPoolExtractor).workers).toBe(3);
    expect((pool as WorkerPoolExtractor).running).toBe(0); // nothing starts before the first call
    await pool.close?.();
    expect(extractorFromEnv({ MEMFABRIC_EXTRACTION_WORKERS: '0' })).toBeInstanceOf(LazyNlpExtractor);
    expect(extractorFromEnv({}, 1)).toBeInstanceOf(LazyNlpExtractor);
  });
});
