/**
 * Query-embedding cost of Universal Sentence Encoder lite (512-d, tfjs WebAssembly), measured
 * alone in its own process: the model is loaded once, then each benchmark query is embedded
 * on its own, as a recall embeds its query.
 */
import { generateQueries, planCorpus } from '@memfabric/bench-corpus';
import { UseEmbedder } from '@memfabric/embeddings-use';
import { memorySnapshot, summarize, type UseEmbedReport } from './recall-stats.js';

/** What to measure. */
export interface UseEmbedConfig {
  readonly queries: number;
  readonly seed: number;
}

/** Loads USE lite and embeds `config.queries` distinct benchmark queries one at a time. */
export async function runUseEmbed(config: UseEmbedConfig, say: (text: string) => void): Promise<UseEmbedReport> {
  const embedder = new UseEmbedder();
  const plan = planCorpus({ units: 10_000, tenants: 100, seed: config.seed });
  const queries = generateQueries(plan, { count: config.queries + 1, seed: 700 });
  let started = performance.now();
  await embedder.embed([queries[0]!.text]);
  const loadSeconds = (performance.now() - started) / 1000;
  say(`USE lite loaded in ${loadSeconds.toFixed(2)} s`);
  const samples: number[] = [];
  for (const q of queries.slice(1)) {
    started = performance.now();
    await embedder.embed([q.text]);
    samples.push(performance.now() - started);
  }
  return {
    kind: 'use-embed',
    model: embedder.modelId,
    dimensions: embedder.dimensions,
    loadSeconds: Number(loadSeconds.toFixed(2)),
    latency: summarize(samples),
    memory: memorySnapshot(),
  };
}
