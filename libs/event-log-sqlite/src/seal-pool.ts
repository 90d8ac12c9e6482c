import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { UnavailableError } from '@memfabric/errors';
import type { SealChunk, SealOutcome } from './seal-chunk.js';

/** A submitted chunk: `take` blocks until its outcomes are there; `drop` gives them up. */
export interface PendingSeal {
  take(): SealOutcome[];
  drop(): void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly port: MessagePort;
  ready: boolean;
  /** Why the worker stopped, once it has. */
  failure?: Error;
}

type Reply = { readonly ready: true } | { readonly ticket: number; readonly outcomes: SealOutcome[] };

/**
 * Worker threads that seal chunks of an append (encryption, canonical JSON, the forecast hash
 * chain; see `sealChunk`) while the writer inserts the chunks before them.
 *
 * The writer runs inside a synchronous better-sqlite3 transaction, so it cannot await a
 * promise: it takes results synchronously with `receiveMessageOnPort`, sleeping in
 * `Atomics.wait` on a shared counter that each worker bumps after it answers. (Promise-based
 * pools such as tinypool or piscina cannot hand results into a synchronous transaction.)
 * Each worker answers its chunks in the order it received them.
 *
 * Running from the TypeScript sources (tests, benchmarks, tsx), a worker loads
 * `seal.worker.ts` through the same tsx loader and `@memfabric/source` condition; built, it
 * loads `seal.worker.js` beside this file.
 */
export class SealPool {
  private readonly workers: PoolWorker[];
  private readonly counter = new Int32Array(new SharedArrayBuffer(4));
  private readonly done = new Map<number, SealOutcome[]>();
  /** Tickets whose outcomes nobody will take (their append failed first): dropped on arrival. */
  private readonly dropped = new Set<number>();
  private nextTicket = 0;
  private closed = false;

  /**
   * Starts `size` workers (they load in the background; see {@link ready}).
   * @param timeoutMs - how long {@link submit}'s pending result waits for a worker before it
   *   throws `UnavailableError` (a worker that died never answers).
   */
  constructor(
    size: number,
    private readonly timeoutMs = 30_000,
  ) {
    this.workers = Array.from({ length: size }, () => {
      const { port1, port2 } = new MessageChannel();
      const worker = startWorker({ port: port2, signal: this.counter.buffer }, [port2]);
      worker.unref();
      port1.unref();
      const entry: PoolWorker = { worker, port: port1, ready: false };
      // An error ends the worker; a writer waiting for it then fails (see take).
      worker.on('error', (error) => (entry.failure ??= error));
      worker.on('exit', (code) => (entry.failure ??= new Error(`seal worker exited with code ${code}`)));
      return entry;
    });
  }

  /**
   * True once every worker has loaded, and none has stopped since; otherwise a writer should
   * seal inline (a pool with a failed worker stays unready). Never blocks.
   */
  get ready(): boolean {
    if (this.closed || this.workers.some((w) => w.failure)) return false;
    for (const w of this.workers) while (!w.ready && this.receive(w));
    return this.workers.every((w) => w.ready);
  }

  /**
   * Resolves once every worker has loaded (polling, never blocking the thread).
   * @throws UnavailableError when a worker fails to load or `timeoutMs` passes first.
   */
  async whenReady(): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while (!this.ready) {
      const failed = this.workers.find((w) => w.failure);
      if (failed || this.closed || Date.now() > deadline) {
        throw new UnavailableError('seal workers did not start', failed?.failure ? { cause: failed.failure } : {});
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Posts a chunk to worker `worker` (0-based, below {@link size}); one worker receives the
   * chunks of a stream, so it can continue the stream's chain from chunk to chunk.
   * @returns the pending chunk: `take()` blocks until its outcomes (one per event, in order)
   *   are back and throws `UnavailableError` after `timeoutMs` without an answer.
   */
  submit(chunk: SealChunk, worker: number): PendingSeal {
    const ticket = this.nextTicket++;
    const target = this.workers[worker % this.workers.length]!;
    target.port.postMessage({ ticket, chunk });
    return {
      take: () => this.take(ticket, target),
      drop: () => {
        if (!this.done.delete(ticket)) this.dropped.add(ticket);
      },
    };
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.workers.map(async (w) => {
        w.port.close();
        await w.worker.terminate();
      }),
    );
  }

  private take(ticket: number, from: PoolWorker): SealOutcome[] {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const outcomes = this.done.get(ticket);
      if (outcomes) {
        this.done.delete(ticket);
        return outcomes;
      }
      const seen = Atomics.load(this.counter, 0);
      if (this.receive(from)) continue;
      if (Date.now() > deadline) throw new UnavailableError(`seal worker did not answer within ${this.timeoutMs} ms`);
      Atomics.wait(this.counter, 0, seen, 50);
    }
  }

  /** Takes one waiting message of `w`, if any; returns whether there was one. */
  private receive(w: PoolWorker): boolean {
    const received = receiveMessageOnPort(w.port);
    if (!received) return false;
    const reply = received.message as Reply;
    if ('ready' in reply) w.ready = true;
    else if (!this.dropped.delete(reply.ticket)) this.done.set(reply.ticket, reply.outcomes);
    return true;
  }
}

/**
 * Starts `seal.worker`: the built `.js` beside this file, or — running from the TypeScript
 * sources — `seal.worker.ts` imported through tsx's API (a `--import tsx` preload does not
 * reach a worker's entry module on Node 20), under the `@memfabric/source` condition.
 */
function startWorker(workerData: unknown, transferList: MessagePort[]): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./seal.worker.js', import.meta.url), { workerData, transferList });
  const execArgv = process.execArgv.some((a) => a.includes('@memfabric/source')) ? process.execArgv : [...process.execArgv, '--conditions=@memfabric/source'];
  const entry = new URL('./seal.worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { eval: true, workerData, transferList, execArgv });
}
