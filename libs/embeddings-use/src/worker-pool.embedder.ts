import { Worker } from 'node:worker_threads';
import { ConfigurationError, reviveError, UnavailableError } from '@memfabric/errors';
import { assertEmbeddableTexts, assertEmbeddings, type Embedder } from '@memfabric/embeddings';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-protocol.js';

/** Options of {@link WorkerPoolEmbedder}. */
export interface WorkerPoolEmbedderOptions {
  /** Worker threads (1..64); each builds and loads its own embedder (USE lite: about 100 MB each). */
  readonly workers: number;
  /**
   * The module every worker imports to build its embedder: a `file:` URL (or its string), for
   * example `import.meta.url` of the module that defines the factory. Source (`.ts`) modules
   * work when the pool itself runs from source (the workers then register tsx).
   */
  readonly module: string | URL;
  /** Name of the module's factory export, `(options) => Embedder | Promise<Embedder>`; default `createEmbedder`. */
  readonly export?: string;
  /** Argument of the factory, structured-cloned into every worker (no functions). */
  readonly options?: unknown;
  /** `modelId` of the embedder the factory builds: every worker's must equal it. */
  readonly modelId: string;
  /** `dimensions` of the embedder the factory builds: every worker's must equal it. */
  readonly dimensions: number;
  /**
   * Fewest texts per task (1..100000, default 32): a call is split into at most `workers`
   * tasks of at least this many texts, so a short call (a query) goes to one worker whole.
   */
  readonly minTaskTexts?: number;
}

interface Task {
  readonly id: number;
  readonly texts: readonly string[];
  resolve(vectors: Float32Array[]): void;
  reject(error: unknown): void;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  /** True once the worker reported `ready`. */
  ready: boolean;
  /** Settles when the worker is ready (resolves) or failed to start (rejects). */
  started: Promise<void> | undefined;
  busy: Task | undefined;
}

const here = import.meta.url;
/** Running from TypeScript source (tests, `tsx`): the worker entry is `.ts` and needs tsx. */
const fromSource = here.endsWith('.ts');
const WORKER_ENTRY = new URL(fromSource ? './embedding.worker.ts' : './embedding.worker.js', here);

function spawn(setup: WorkerSetup): Worker {
  if (!fromSource) return new Worker(WORKER_ENTRY, { workerData: setup });
  // Module hooks registered by `--import tsx` do not reach worker threads on Node 20: register
  // tsx inside the worker, then import the entry (and resolve the monorepo's source condition).
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); });`;
  return new Worker(code, { eval: true, workerData: setup, execArgv: ['--conditions=@memfabric/source'] });
}

/**
 * Decorator-like adapter that runs an embedder in a pool of worker threads
 * (`node:worker_threads`), so a CPU-bound in-process model (USE lite on tfjs WebAssembly, single
 * threaded) uses several cores and leaves the calling thread free (the projection's SQLite writes,
 * queries). The workers cannot share the caller's embedder object, so each builds its own from a
 * factory module (`module` + `export` + `options`) and reports its `modelId` and `dimensions`,
 * which must equal the ones given here.
 *
 * A call is checked (`assertEmbeddableTexts`, pointers relative to the whole call) and split into
 * at most `workers` tasks of at least `minTaskTexts` texts: the texts are ordered by length and
 * cut into consecutive runs of about the same number of characters (so texts of the same
 * token count mostly stay in one task, which is what USE lite batches on). Tasks of all calls
 * queue in order; each worker runs one at a time. Vectors come back in input order and are the
 * worker embedder's own bytes (Float32Array buffers are moved, not re-encoded): with an embedder
 * whose vectors do not depend on the batch (`UseEmbedder` groups by token count) they are
 * bit-identical to the same embedder in the calling thread, whatever the split.
 *
 * Workers start on the first call (or {@link start}); a worker that crashes fails the task it
 * was running with `UnavailableError` (retriable) and is replaced on demand. Idle workers do not
 * keep the process alive; {@link close} terminates them (the embedded fabric calls it on close).
 * The factory's embedder must keep nothing derived from texts (no cache): put caches in front of
 * the pool, in the calling thread, where `forget` reaches them.
 */
export class WorkerPoolEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly workers: number;
  readonly minTaskTexts: number;
  private readonly setup: WorkerSetup;
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closing: Promise<void> | undefined;

  /** @throws ConfigurationError when `workers`, `minTaskTexts`, `dimensions` or `module` is invalid. */
  constructor(options: WorkerPoolEmbedderOptions) {
    const problems: string[] = [];
    if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > 64) problems.push(`workers must be an integer in 1..64 (got ${options.workers})`);
    const minTaskTexts = options.minTaskTexts ?? 32;
    if (!Number.isInteger(minTaskTexts) || minTaskTexts < 1 || minTaskTexts > 100_000) problems.push(`minTaskTexts must be an integer in 1..100000 (got ${minTaskTexts})`);
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1) problems.push(`dimensions must be a positive integer (got ${options.dimensions})`);
    let module = '';
    try {
      module = new URL(String(options.module)).href;
    } catch {
      problems.push(`module must be a URL such as import.meta.url (got "${String(options.module)}")`);
    }
    if (problems.length > 0) throw new ConfigurationError(`WorkerPoolEmbedder: ${problems.join('; ')}`, { context: { problems } });
    this.modelId = options.modelId;
    this.dimensions = options.dimensions;
    this.workers = options.workers;
    this.minTaskTexts = minTaskTexts;
    this.setup = { module, export: options.export ?? 'createEmbedder', options: options.options };
    this.slots = Array.from({ length: options.workers }, (_, index) => ({ index, worker: undefined, ready: false, started: undefined, busy: undefined }));
  }

  /** Threads running now (started or starting). */
  get running(): number {
    return this.slots.filter((s) => s.worker !== undefined).length;
  }

  /**
   * Starts every worker and waits until each has built and loaded its embedder (to take the
   * model load, about 0.5 s of CPU per worker for USE lite, at start-up). Idempotent.
   * @throws the first worker's start failure (its code kept: ConfigurationError when the
   *   factory is missing or the model ids differ, UnavailableError otherwise).
   */
  async start(): Promise<void> {
    this.assertOpen();
    await Promise.all(this.slots.map((slot) => this.startSlot(slot)));
  }

  /**
   * Embeds `texts` in the workers.
   * @returns one vector per text, in input order (the worker embedder's vectors).
   * @throws ValidationError for a bad text (before any work).
   * @throws ConfigurationError after {@link close}, or when a worker's embedder cannot be built
   *   or has another model id or dimension.
   * @throws the worker embedder's error, rebuilt with the same code and the worker's message
   *   (cause: the worker's error with its stack); UnavailableError when a worker crashed or
   *   returned the wrong number or length of vectors.
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    assertEmbeddableTexts(texts);
    this.assertOpen();
    if (texts.length === 0) return [];
    const out = new Array<Float32Array>(texts.length);
    await Promise.all(
      this.split(texts).map(async (indexes) => {
        const chunk = indexes.map((i) => texts[i]!);
        const vectors = await this.run(chunk);
        assertEmbeddings(vectors, chunk.length, this.dimensions, this.modelId);
        indexes.forEach((original, k) => (out[original] = vectors[k]!));
      }),
    );
    return out;
  }

  /**
   * Terminates every worker and waits for them to exit. Queued and running tasks fail with
   * ConfigurationError; later calls too. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = () => new ConfigurationError('WorkerPoolEmbedder is closed');
      for (const task of this.queue.splice(0)) task.reject(closed());
      await Promise.all(
        this.slots.map(async (slot) => {
          const worker = slot.worker;
          const task = slot.busy;
          this.reset(slot);
          task?.reject(closed());
          if (worker) await worker.terminate();
        }),
      );
    })();
    return this.closing;
  }

  /** Indexes of `texts` per task: consecutive runs in length order, balanced by characters. */
  private split(texts: readonly string[]): number[][] {
    const tasks = Math.max(1, Math.min(this.workers, Math.floor(texts.length / this.minTaskTexts)));
    const order = texts.map((_, i) => i);
    if (tasks === 1) return [order];
    order.sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
    const total = texts.reduce((n, t) => n + t.length, 0);
    const runs: number[][] = [[]];
    let seen = 0;
    for (const i of order) {
      if (seen >= (total * runs.length) / tasks && runs.length < tasks) runs.push([]);
      runs[runs.length - 1]!.push(i);
      seen += texts[i]!.length;
    }
    return runs.filter((r) => r.length > 0);
  }

  private run(texts: readonly string[]): Promise<Float32Array[]> {
    return new Promise<Float32Array[]>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, texts, resolve, reject });
      this.pump();
    });
  }

  /** Hands queued tasks to ready idle workers and starts workers for the rest. */
  private pump(): void {
    if (this.closing) return;
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.worker && slot.ready && !slot.busy) {
        const task = this.queue.shift()!;
        slot.busy = task;
        slot.worker.ref();
        const message: ToWorker = { id: task.id, texts: task.texts };
        slot.worker.postMessage(message);
      }
    }
    let waiting = this.queue.length - this.slots.filter((s) => s.worker && !s.ready).length;
    for (const slot of this.slots) {
      if (waiting <= 0) return;
      if (slot.worker) continue;
      waiting -= 1;
      // a start failure fails the queued tasks (see startSlot)
      this.startSlot(slot).catch(() => undefined);
    }
  }

  private startSlot(slot: Slot): Promise<void> {
    if (slot.started) return slot.started;
    const worker = spawn(this.setup);
    slot.worker = worker;
    slot.ready = false;
    const where = `embedding worker ${slot.index + 1}/${this.workers} (${this.modelId})`;
    slot.started = new Promise<void>((resolve, reject) => {
      const failStart = (error: Error) => {
        if (slot.worker !== worker) return;
        this.reset(slot);
        void worker.terminate();
        // the queued tasks would only start this worker again: fail them with the cause
        for (const task of this.queue.splice(0)) task.reject(error);
        reject(error);
      };
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            if (message.modelId !== this.modelId || message.dimensions !== this.dimensions) {
              failStart(
                new ConfigurationError(
                  `WorkerPoolEmbedder: the worker's embedder is ${message.modelId} (${message.dimensions}-d), expected ${this.modelId} (${this.dimensions}-d): the factory and modelId/dimensions disagree`,
                  { context: { expected: this.modelId, actual: message.modelId } },
                ),
              );
              return;
            }
            slot.ready = true;
            worker.unref();
            resolve();
            this.pump();
            return;
          case 'failed':
            failStart(reviveError(`${where} could not start`, message.error));
            return;
          case 'result':
          case 'error': {
            const task = slot.busy;
            if (!task || task.id !== message.id) return;
            slot.busy = undefined;
            worker.unref();
            if (message.type === 'result') task.resolve(message.vectors);
            else task.reject(reviveError(where, message.error));
            this.pump();
            return;
          }
        }
      });
      const stopped = (reason: string, cause?: unknown) => {
        if (this.closing) reject(new ConfigurationError('WorkerPoolEmbedder is closed')); // no-op once ready
        if (slot.worker !== worker) return; // terminated on purpose
        if (!slot.ready) {
          failStart(new UnavailableError(`${where} stopped while starting: ${reason}`, { cause, context: { worker: slot.index } }));
          return;
        }
        const task = slot.busy;
        this.reset(slot);
        task?.reject(new UnavailableError(`${where} stopped while embedding ${task.texts.length} texts: ${reason}`, { cause, context: { worker: slot.index } }));
        this.pump(); // a replacement for the tasks still queued
      };
      worker.on('error', (error: Error) => stopped(error.message, error));
      worker.on('exit', (code) => stopped(`exit code ${code}`));
    });
    return slot.started;
  }

  private reset(slot: Slot): void {
    slot.worker = undefined;
    slot.ready = false;
    slot.started = undefined;
    slot.busy = undefined;
  }

  private assertOpen(): void {
    if (this.closing) throw new ConfigurationError('WorkerPoolEmbedder is closed');
  }
}
