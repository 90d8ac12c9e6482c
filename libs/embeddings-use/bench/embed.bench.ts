/**
 * Throughput of the offline USE lite embedder on LoCoMo dialog turns.
 *
 * Run from the repository root:
 *   npx tsx --tsconfig tsconfig.base.json --conditions=@memfabric/source libs/embeddings-use/bench/embed.bench.ts
 *
 * Reads the turns of `../shared/data/locomo/locomo-dev.json` (relative to the repository root;
 * `--file` to change), loads the model once (cold load time reported), then for each batch size
 * embeds the first `--turns` turns in calls of that many texts after one warm-up call, and
 * prints one JSON object: sentences/s, per-call latency p50/p95 (ms), the backend in use, and
 * the load average of the machine before and after (it is shared: read the numbers with it).
 * The feature-hashing embedder runs over the same turns as a floor for the per-text overhead.
 *
 * `sentencesPerCpuSecond` divides by the CPU time this process used (user + system), which is
 * steadier than wall time when other work competes for the cores.
 *
 * Options: --turns N (default 256), --batches 1,16,64, --file PATH.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HashEmbedder, type Embedder } from '@memfabric/embeddings';
import { readLocomo } from '@memfabric/locomo';
import { UseEmbedder, loadUseLiteModel } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '256' },
    batches: { type: 'string', default: '1,16,64' },
    file: { type: 'string', default: path.resolve(repoRoot, '../shared/data/locomo/locomo-dev.json') },
  },
});
const turnCount = Number(values.turns);
const batchSizes = values.batches.split(',').map(Number);

const conversations = readLocomo(JSON.parse(readFileSync(values.file, 'utf8')));
const allTurns = conversations.flatMap((c) => c.sessions.flatMap((s) => s.turns.map((t) => t.text))).filter((t) => /\S/.test(t));
const turns = allTurns.slice(0, turnCount);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * `calls`: the turns in consecutive calls of `batch` texts (a consumer embedding as events come).
 * `one-call`: all turns in one call; the embedder splits them into batches of its own `maxBatch`
 * (a projection catching up on a page of events).
 */
async function measure(embedder: Embedder, batch: number, mode: 'calls' | 'one-call' = 'calls', sortByLength = true) {
  await embedder.embed(turns.slice(0, batch));
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const step = mode === 'calls' ? batch : turns.length;
  for (let i = 0; i < turns.length; i += step) {
    const t = performance.now();
    await embedder.embed(turns.slice(i, i + step));
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(1));
  return { mode, batch, sortByLength, sentences: turns.length, seconds: Number(seconds.toFixed(2)), sentencesPerSecond: round(turns.length / seconds), cpuSeconds: Number(cpuSeconds.toFixed(2)), sentencesPerCpuSecond: round(turns.length / cpuSeconds), p50CallMs: round(percentile(latencies, 50)), p95CallMs: round(percentile(latencies, 95)) };
}

const loadBefore = os.loadavg().map((x) => Number(x.toFixed(2)));
const model = loadUseLiteModel();
const use = new UseEmbedder({ maxBatch: Math.max(...batchSizes), load: () => model });
const loadStarted = performance.now();
await use.load();
const coldLoadMs = Math.round(performance.now() - loadStarted);
const runtime = await use.runtime();
const results = [];
for (const batch of batchSizes) results.push(await measure(use, batch));
// The same weights behind embedders of another maxBatch: one call of all turns, split into
// batches of `batch`, grouped by length (the default) or in input order.
for (const batch of batchSizes.filter((b) => b > 1)) {
  for (const sortByLength of [true, false]) {
    const sized = new UseEmbedder({ maxBatch: batch, sortByLength, load: () => model });
    results.push(await measure(sized, batch, 'one-call', sortByLength));
  }
}
const hash = [];
for (const batch of batchSizes) hash.push(await measure(new HashEmbedder(), batch));

console.log(
  JSON.stringify(
    {
      modelId: use.modelId,
      runtime,
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore, after: os.loadavg().map((x) => Number(x.toFixed(2))) },
      corpus: { file: path.relative(repoRoot, values.file), turns: turns.length, meanChars: Math.round(turns.reduce((n, t) => n + t.length, 0) / turns.length) },
      coldLoadMs,
      use: results,
      hash256: hash,
    },
    null,
    2,
  ),
);
await use.dispose();
