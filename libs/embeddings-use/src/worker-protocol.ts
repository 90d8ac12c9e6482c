import type { WorkerError } from '@memfabric/errors';

/** What a worker of `WorkerPoolEmbedder` gets as `workerData`. */
export interface WorkerSetup {
  /** URL (`file:`) of the module that builds the embedder. */
  readonly module: string;
  /** Name of the module's export: a function `(options) => Embedder | Promise<Embedder>`. */
  readonly export: string;
  /** Passed to the factory (structured-cloned). */
  readonly options: unknown;
}

/** A task: embed these texts. */
export interface ToWorker {
  readonly id: number;
  readonly texts: readonly string[];
}

/** What a worker sends back. */
export type FromWorker =
  | { readonly type: 'ready'; readonly modelId: string; readonly dimensions: number }
  | { readonly type: 'failed'; readonly error: WorkerError }
  | { readonly type: 'result'; readonly id: number; readonly vectors: Float32Array[] }
  | { readonly type: 'error'; readonly id: number; readonly error: WorkerError };
