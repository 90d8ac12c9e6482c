import { USE_EMBEDDER_MODULE, UseEmbedder, type UseEmbedderOptions } from './use.embedder.js';
import { WorkerPoolEmbedder } from './worker-pool.embedder.js';

/** Options of {@link useWorkerPool}: the pool's size and the options of each worker's {@link UseEmbedder}. */
export interface UseWorkerPoolOptions extends Omit<UseEmbedderOptions, 'load'> {
  /** Worker threads, 1..64 (about 100 MB of weights and one core each). */
  readonly workers: number;
  /** See `WorkerPoolEmbedderOptions.minTaskTexts` (default 32). */
  readonly minTaskTexts?: number;
}

/**
 * USE lite run in `workers` worker threads: a {@link WorkerPoolEmbedder} whose workers each build
 * `new UseEmbedder(options)`. Same `modelId` and the same vector bytes as a {@link UseEmbedder}
 * with these options in the calling thread (token-count grouping makes a text's vector
 * independent of its batch).
 * @throws ConfigurationError when an option is out of range.
 */
export function useWorkerPool(options: UseWorkerPoolOptions): WorkerPoolEmbedder {
  const { workers, minTaskTexts, ...use } = options;
  const local = new UseEmbedder(use); // checks the options and names the model; never loaded
  return new WorkerPoolEmbedder({
    workers,
    ...(minTaskTexts === undefined ? {} : { minTaskTexts }),
    module: USE_EMBEDDER_MODULE,
    export: 'createUseEmbedder',
    options: use,
    modelId: local.modelId,
    dimensions: local.dimensions,
  });
}
