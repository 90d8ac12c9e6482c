/**
 * Shared pieces of the recall latency benchmark (`npm run bench:recall`): latency summaries,
 * memory snapshots and the messages the build and serve child processes send to the driver.
 */

/** Latency distribution of one measured operation, ms (nearest-rank percentiles). */
export interface LatencySummary {
  readonly n: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Nearest-rank percentile (the smallest sample with at least `p`% of samples at or below it).
 * @param sorted - samples in ascending order (not empty).
 * @param p - percentile in (0, 100].
 */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

const round = (ms: number, digits = 3) => Number(ms.toFixed(digits));

/** Summary of latency samples in ms; all zeros for no samples. */
export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { n: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]!),
  };
}

/** Memory of this process, MiB. `peakRss` is the high-water mark since the process started. */
export interface MemorySnapshot {
  readonly peakRssMiB: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  /** Memory of native objects tied to JS (Buffers, typed arrays). */
  readonly externalMiB: number;
}

/** Current and peak memory of this process. */
export function memorySnapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  const mib = (bytes: number) => Math.round(bytes / 1048576);
  return {
    // maxRSS is in KiB
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external + m.arrayBuffers),
  };
}

/** Wall-clock ms and CPU ms (user + system of this process) of one stage. */
export interface StageTiming {
  readonly stage: string;
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** Units (or events) the stage handled, when it has a count. */
  readonly items?: number;
  readonly itemsPerSecond?: number;
  readonly note?: string;
}

/** Runs `work` and reports its wall-clock and CPU time. */
export async function timedStage<T>(stage: string, work: () => Promise<T> | T, items?: (result: T) => number): Promise<{ result: T; timing: StageTiming }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const count = items?.(result);
  return {
    result,
    timing: {
      stage,
      seconds: round(seconds, 2),
      cpuSeconds: round((used.user + used.system) / 1e6, 2),
      ...(count === undefined ? {} : { items: count, itemsPerSecond: Math.round(count / Math.max(seconds, 1e-9)) }),
    },
  };
}

/** What the build child reports when done. */
export interface BuildReport {
  readonly kind: 'build';
  readonly units: number;
  readonly tenants: number;
  readonly embedder: string;
  readonly stages: readonly StageTiming[];
  /** Sum of the stages, s. */
  readonly totalSeconds: number;
  /** Projections run, and those skipped with the reason. */
  readonly projections: readonly string[];
  readonly skipped: readonly { readonly projection: string; readonly reason: string }[];
  /** Bytes on disk of the data directory after the build. */
  readonly diskBytes: number;
  readonly memory: MemorySnapshot;
}

/** Latency of one preset, end to end through `recaller().recall(...)`. */
export interface PresetReport {
  /** Preset name, with weight overrides for an ablation (`hybrid-rrf:context=0`). */
  readonly preset: string;
  /** A variant run to attribute latency to channels, with fewer queries. */
  readonly ablation: boolean;
  readonly queries: number;
  /** Wall clock around `await recall(...)`, ms. */
  readonly latency: LatencySummary;
  /**
   * CPU time (user + system, all threads of this process) consumed during each recall, ms:
   * steadier than wall clock on a shared machine; on an idle machine latency ≈ CPU time for
   * this single-threaded, in-process path.
   */
  readonly cpu: LatencySummary;
  /** `RecallResponse.timings.totalMs` as the engine measured it. */
  readonly engineTotal: LatencySummary;
  /** `RecallResponse.timings.channels`, per channel that ran. */
  readonly channels: Readonly<Record<string, LatencySummary>>;
  /** Mean hits per query (k = 10). */
  readonly meanHits: number;
  /** SHA-256 of every measured query's ranked unit ids: equal across runs iff every ranking is. */
  readonly rankingSha256: string;
  /** Latency by query kind (turn-words, entity, temporal). */
  readonly byKind: Readonly<Record<string, LatencySummary>>;
}

/** Latency of the component reads the recall engine is made of, called directly. */
export interface ComponentReport {
  readonly name: string;
  readonly description: string;
  /** Wall clock, ms. */
  readonly latency: LatencySummary;
  /** CPU time of the process during each call, ms. */
  readonly cpu: LatencySummary;
}

/** What the serve child reports when done. */
export interface ServeReport {
  readonly kind: 'serve';
  readonly units: number;
  readonly embedder: string;
  /** What embeds the queries when it is not the index's embedder (the tenant corpus: USE lite). */
  readonly queryEmbedder?: string;
  /** Opening the fabric, s. */
  readonly openSeconds: number;
  /** Loading every tenant's vector cache (HNSW files, or vectors for exact search; `warm()`), s. */
  readonly warmSeconds: number;
  readonly warmedTenants: number;
  /** Queries run before measuring (not counted), per preset. */
  readonly warmupQueries: number;
  readonly presets: readonly PresetReport[];
  readonly components: readonly ComponentReport[];
  /** Recall is unavailable in this build (the engine is missing): only components were measured. */
  readonly recallUnavailable?: string;
  readonly memory: MemorySnapshot;
  readonly loadAverage: readonly number[];
}

/** USE lite query-embedding cost, measured alone. */
export interface UseEmbedReport {
  readonly kind: 'use-embed';
  readonly model: string;
  readonly dimensions: number;
  /** Loading the model (first call), s. */
  readonly loadSeconds: number;
  /** One query at a time, as a recall embeds it. */
  readonly latency: LatencySummary;
  readonly memory: MemorySnapshot;
}

/** A progress line from a child (stage and counts), forwarded to stderr by the driver. */
export interface ProgressMessage {
  readonly kind: 'progress';
  readonly text: string;
}

/** Any message a child sends. */
export type ChildMessage = BuildReport | ServeReport | UseEmbedReport | ProgressMessage | { readonly kind: 'error'; readonly message: string; readonly stack?: string };
