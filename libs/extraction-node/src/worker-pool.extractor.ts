import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ConfigurationError, reviveError } from '@memfabric/errors';
import type { FactsExtracted } from '@memfabric/events';
import { NLP_EXTRACTOR_NAME, NLP_EXTRACTOR_VERSION, type ExtractionInput, type Extractor, type NlpExtractorOptions } from '@memfabric/extraction';
import type { ExtractionReply, WarmReply } from './extraction.worker.js';

/** Most worker threads a {@link WorkerPoolExtractor} accepts. */
export const MAX_EXTRACTION_WORKERS = 16;

/** Options of {@link WorkerPoolExtractor}. */
export interface WorkerPoolExtractorOptions {
  /**
   * Worker threads (1..{@link MAX_EXTRACTION_WORKERS}); each loads the NLP libraries once
   * (compromise, wink-nlp and chrono-node: about 1.5 s of CPU and 60 MB per thread).
   */
  readonly workers: number;
  /** Options of the `NlpExtractor` of every thread (structured-cloned into them). */
  readonly extractor?: NlpExtractorOptions;
}

const here = import.meta.url;
/** Running from TypeScript source (tests, `tsx`): the worker entry registers tsx first. */
const fromSource = here.endsWith('.ts');
const WORKER_ENTRY = fileURLToPath(new URL(fromSource ? './extraction.worker.source.mjs' : './extraction.worker.js', here));

/**
 * The offline NLP extractor run in a pool of worker threads (piscina), so its CPU-bound rules
 * (compromise, wink-nlp, chrono-node: about 40 % of the all-in-one server's request thread
 * while it ingests) leave the calling thread to its HTTP requests, SQLite writes and queries,
 * and concurrent calls use several cores. Same name, version and output as `NlpExtractor`: the
 * output is a pure function of the input, so facts recorded by either are interchangeable.
 *
 * Calls queue in the pool in order and run one per thread at a time; `extract` calls made
 * together (the extraction stage extracts a whole batch at once) spread over the threads. The
 * threads start on the first call or on {@link warm}, and do not keep the process alive when
 * idle; {@link close} terminates them. A thread's error comes back with its code (`validation_failed`
 * keeps its problems; see `reviveError`); a thread that dies fails its call with
 * `UnavailableError` (retriable) and is replaced.
 */
export class WorkerPoolExtractor implements Extractor {
  readonly name = NLP_EXTRACTOR_NAME;
  readonly version = NLP_EXTRACTOR_VERSION;
  readonly workers: number;
  private readonly options: NlpExtractorOptions;
  private pool: Piscina | undefined;
  private closed = false;

  /** @throws ConfigurationError when `workers` is not an integer in 1..{@link MAX_EXTRACTION_WORKERS}. */
  constructor(options: WorkerPoolExtractorOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > MAX_EXTRACTION_WORKERS) {
      throw new ConfigurationError(`WorkerPoolExtractor: workers must be an integer in 1..${MAX_EXTRACTION_WORKERS} (got ${options.workers})`);
    }
    this.workers = options.workers;
    this.options = { ...(options.extractor ?? {}) };
  }

  /** Threads running now: 0 before the first call and after {@link close}. */
  get running(): number {
    return this.pool?.threads.length ?? 0;
  }

  /**
   * See {@link Extractor.extract}: the same value `NlpExtractor.extract` resolves with.
   * @throws ValidationError when `eventId` is not a UUID or `time` is not RFC 3339.
   * @throws ConfigurationError after {@link close}, or when an extractor option is out of range.
   * @throws UnavailableError (retriable) when the thread running the call died.
   */
  async extract(input: ExtractionInput): Promise<FactsExtracted> {
    const pool = this.started();
    let reply: ExtractionReply;
    try {
      reply = (await pool.run(input)) as ExtractionReply;
    } catch (error) {
      throw threadFailure(error);
    }
    if ('error' in reply) throw reviveError('extraction worker', reply.error);
    return reply.facts;
  }

  /**
   * See {@link Extractor.warm}: starts the threads and has each load the NLP libraries and run
   * one extraction (one `warm` task per thread, sent together; piscina hands each to an idle
   * thread). Resolves when every one has answered.
   * @throws ConfigurationError after {@link close}, or when an extractor option is out of range.
   * @throws UnavailableError (retriable) when a thread died while loading.
   */
  async warm(): Promise<void> {
    const pool = this.started();
    const replies = await Promise.all(Array.from({ length: this.workers }, () => pool.run(undefined, { name: 'warm' }) as Promise<WarmReply>)).catch((error: unknown) => {
      throw threadFailure(error);
    });
    for (const reply of replies) if ('error' in reply) throw reviveError('extraction worker', reply.error);
  }

  private started(): Piscina {
    if (this.closed) throw new ConfigurationError('WorkerPoolExtractor is closed');
    this.pool ??= new Piscina({
      filename: WORKER_ENTRY,
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: Infinity,
      workerData: this.options,
      // the workspace packages resolve to their TypeScript source, as in the calling thread
      ...(fromSource ? { execArgv: ['--conditions=@memfabric/source'] } : {}),
    });
    return this.pool;
  }

  /** Terminates the threads (waiting for the calls they run); later calls reject. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}

/** A piscina rejection (the thread died, the pool was destroyed) as the error `reviveError` makes of it. */
function threadFailure(error: unknown): Error {
  return reviveError('extraction worker', { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
}
