/**
 * Entry of one worker thread of `WorkerPoolEmbedder` (see `worker-pool.embedder.ts`). It imports
 * the factory module named in `workerData`, builds the embedder with the given options, loads it
 * (`load()` when the embedder has one) and reports `ready` with its `modelId` and `dimensions`;
 * then it answers `{ id, texts }` messages one at a time with `{ id, vectors }` (buffers
 * transferred, not copied) or `{ id, error }`. The protocol types are in `worker-protocol.ts`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Embedder } from '@memfabric/embeddings';
import { describeError } from '@memfabric/errors';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('embedding.worker must run in a worker thread (WorkerPoolEmbedder starts it)');
const setup = workerData as WorkerSetup;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** Builds and loads the embedder; undefined (after posting `failed`) when that fails. */
async function start(): Promise<Embedder | undefined> {
  try {
    const module = (await import(setup.module)) as Record<string, unknown>;
    const factory = module[setup.export];
    if (typeof factory !== 'function') throw new TypeError(`module ${setup.module} has no function export "${setup.export}"`);
    const embedder = await (factory as (options: unknown) => Embedder | Promise<Embedder>)(setup.options);
    await (embedder as { load?: () => Promise<void> }).load?.();
    post({ type: 'ready', modelId: embedder.modelId, dimensions: embedder.dimensions });
    return embedder;
  } catch (error) {
    // the pool terminates this worker when it reads `failed`
    post({ type: 'failed', error: describeError(error) });
    return undefined;
  }
}

const embedder = await start();
if (embedder) {
  // One task at a time: the pool sends a worker its next task only after the previous answer.
  port.on('message', (message: ToWorker) => {
    embedder.embed(message.texts).then(
      (vectors) => {
        // each vector's own buffer is moved to the pool; anything malformed is cloned as it is
        // and rejected there (assertEmbeddings)
        const owned = Array.isArray(vectors) ? vectors.map((v) => (v instanceof Float32Array && v.byteLength !== v.buffer.byteLength ? v.slice() : v)) : vectors;
        const buffers = Array.isArray(owned) ? owned.flatMap((v) => (v instanceof Float32Array ? [v.buffer as ArrayBuffer] : [])) : [];
        post({ type: 'result', id: message.id, vectors: owned }, [...new Set(buffers)]);
      },
      (error: unknown) => post({ type: 'error', id: message.id, error: describeError(error) }),
    );
  });
}
