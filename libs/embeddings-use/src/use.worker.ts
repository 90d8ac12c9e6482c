/**
 * Worker-thread entry of {@link UseWorkerEmbedder}: hosts one {@link UseEmbedder} and answers
 * `{ id, texts }` with `{ id, vectors }` (the vectors' buffers transferred, not copied) or
 * `{ id, error }`. Started by `UseWorkerEmbedder`; not meant to be run on its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UseEmbedder, type UseEmbedderOptions } from './use.embedder.js';
import type { WorkerReply, WorkerRequest } from './use-worker.embedder.js';

const port = parentPort;
if (!port) throw new Error('use.worker.ts runs inside a worker thread started by UseWorkerEmbedder');
const embedder = new UseEmbedder(workerData as Omit<UseEmbedderOptions, 'load'>);

port.on('message', (request: WorkerRequest) => {
  const work = request.texts === undefined ? embedder.load().then(() => []) : embedder.embed(request.texts);
  work.then(
    (vectors) => port.postMessage({ id: request.id, vectors } satisfies WorkerReply, vectors.map((v) => v.buffer as ArrayBuffer)),
    (error: unknown) => {
      const e = error as { name?: string; message?: string } | null;
      port.postMessage({ id: request.id, error: { name: e?.name ?? 'Error', message: e?.message ?? String(error) } } satisfies WorkerReply);
    },
  );
});
