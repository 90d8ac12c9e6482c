import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigurationError, UnavailableError } from '@memfabric/errors';
import { assertEmbeddableTexts, type Embedder } from '@memfabric/embeddings';
import { UseEmbedder, USE_LITE_DIMENSIONS, type UseEmbedderOptions } from './use.embedder.js';

/** A request to the worker: embed `texts`, or load the model when `texts` is absent. */
export interface WorkerRequest {
  readonly id: number;
  readonly texts?: readonly string[];
}

/** The worker's answer to the request with the same `id`. */
export type WorkerReply =
  | { readonly id: number; readonly vectors: Float32Array[]; readonly error?: undefined }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

/**
 * The worker's entry: `use.worker.js` beside this module; from source (`.ts`, run by tsx), a
 * small evaluated script that registers tsx's loader in the worker (Node 20 does not carry the
 * main thread's loader hooks into workers) and imports `use.worker.ts`.
 */
function workerEntry(): [URL | string, { eval?: boolean }] {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./use.worker.js', import.meta.url), {}];
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./use.worker.ts', import.meta.url).href;
  return [`import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true }];
}

interface Pending {
  readonly resolve: (vectors: Float32Array[]) => void;
  readonly reject: (error: Error) => void;
}

/** Options of {@link UseWorkerEmbedder}: those of {@link UseEmbedder} but the loader (the worker loads the shipped model). */
export type UseWorkerEmbedderOptions = Omit<UseEmbedderOptions, 'load'>;

/**
 * Universal Sentence Encoder lite ({@link UseEmbedder}: same model, same vectors byte for byte,
 * same `modelId`) run in a `worker_threads` worker, so inference (tens of ms of CPU per query on
 * a small machine) does not block the calling thread: a recall's channels that need no query
 * vector (lexical, graph) run on the main thread while the query is embedded.
 *
 * `embed` posts the texts to the worker synchronously, before it returns its promise, so work
 * the caller does right after the call overlaps with inference. Texts are checked on the calling
 * thread (a bad text throws `ValidationError` before anything is posted); vectors come back in
 * transferred buffers. The worker starts on the first call (or {@link load}), loads the model
 * once, and does not keep the process alive while no call is pending. When it fails or exits,
 * the calls waiting on it reject with `UnavailableError` and the next call starts a new one.
 *
 * The worker's entry is `use.worker.js` beside this module; run from source (`.ts` under tsx
 * or vitest), the worker registers tsx's loader itself and imports `use.worker.ts`.
 */
export class UseWorkerEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions = USE_LITE_DIMENSIONS;
  private readonly options: UseWorkerEmbedderOptions;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** @throws ConfigurationError when an option is out of range (as {@link UseEmbedder}). */
  constructor(options: UseWorkerEmbedderOptions = {}) {
    // checks the options and names the model exactly as the embedder inside the worker will
    this.modelId = new UseEmbedder(options).modelId;
    this.options = { ...options };
  }

  /**
   * Starts the worker and loads the model now (start-up cost, not the first query's). Idempotent.
   * @throws ConfigurationError / UnavailableError as {@link UseEmbedder.load}.
   */
  async load(): Promise<void> {
    await this.request(undefined);
  }

  /**
   * Embeds texts with USE lite in the worker.
   * @returns one L2-normalised 512-d `Float32Array` per text, in input order.
   * @throws ValidationError when a text is not a string or is blank (nothing is posted).
   * @throws ConfigurationError / UnavailableError as {@link UseEmbedder.embed}; UnavailableError
   *   when the worker fails or exits while the call waits.
   */
  // async: a bad text rejects; the post itself happens before the first await, i.e. in the call
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    assertEmbeddableTexts(texts);
    if (texts.length === 0) return [];
    return this.request([...texts]);
  }

  /** Stops the worker (releasing the model); a later call starts a new one. */
  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new UnavailableError(`UseWorkerEmbedder: disposed while a call was waiting (${this.modelId})`));
    await worker?.terminate();
  }

  private request(texts: string[] | undefined): Promise<Float32Array[]> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, ...(texts ? { texts } : {}) } satisfies WorkerRequest);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const [entry, how] = workerEntry();
    const worker = new Worker(entry, { ...how, workerData: this.options });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.lost(worker, new UnavailableError(`UseWorkerEmbedder: the worker failed: ${error.message}`, { cause: error, context: { modelId: this.modelId } })));
    worker.on('exit', (code) => this.lost(worker, new UnavailableError(`UseWorkerEmbedder: the worker exited (code ${code})`, { context: { modelId: this.modelId } })));
    this.worker = worker;
    return worker;
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.error === undefined) waiting.resolve(reply.vectors);
    else {
      const { name, message } = reply.error;
      const context = { context: { modelId: this.modelId } };
      waiting.reject(name === 'ConfigurationError' ? new ConfigurationError(message, context) : new UnavailableError(message, context));
    }
  }

  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(error);
  }
}
