/**
 * Where a server's main thread spent a time window, from a V8 CPU profile (`node --cpu-prof`,
 * e.g. `npm run bench:serve -- "--child-node-options=--cpu-prof --cpu-prof-dir=DIR"`).
 *
 * `tsx services/fabric/bench/cpu-profile-summary.ts FILE.cpuprofile [FROM_S TO_S]` prints the
 * sampled time of the window (seconds from the profile's start; default all of it) by component,
 * the functions with the most self time, and the longest stretches without an idle sample.
 * A sample counts for the first component, in the order of {@link COMPONENTS}, that a frame of
 * its stack belongs to (by source path); samples of no component are "other JS". V8 samples
 * on wall-clock ticks, so on a shared machine a component's time includes the time its thread
 * waited for a CPU.
 */
import { readFileSync } from 'node:fs';

/** The `.cpuprofile` JSON V8 writes (the fields used here). */
interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }; readonly children?: readonly number[] }[];
  /** µs. */
  readonly startTime: number;
  readonly samples: readonly number[];
  /** µs since the previous sample. */
  readonly timeDeltas: readonly number[];
}

/** Components by source path of a frame, checked in this order. */
const COMPONENTS: readonly (readonly [string, RegExp])[] = [
  ['embedding (USE lite)', /embeddings-use|@energetic-ai|^wasm:/],
  ['extraction (offline NLP)', /libs\/extraction|compromise|wink|chrono-node/],
  ['graph store (writes and the graph channel)', /read-models\/src\/graph|graph-store/],
  ['vector and lexical index', /read-models\/src\/vectors|vector-index/],
  ['memory units', /memory-units/],
  ['analytics (chDB)', /analytics/],
  ['recall engine', /libs\/recall|query-gateway/],
  ['ingest append (validation, sealing, SQLite log)', /services\/ingest|event-log/],
  ['projection runtime', /projections-sqlite/],
  ['HTTP (Express, Nest)', /express|@nestjs|body-parser|raw-body/],
];

const [file, fromArg, toArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: cpu-profile-summary.ts FILE.cpuprofile [FROM_S TO_S]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parents = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
const from = profile.startTime + Number(fromArg ?? 0) * 1e6;
const to = toArg === undefined ? Number.POSITIVE_INFINITY : profile.startTime + Number(toArg) * 1e6;

const frameName = (id: number) => {
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|wt-[^/]+|memfabric)\//, '')}:${lineNumber + 1}`;
};
const componentCache = new Map<number, string>();
function componentOf(id: number): string {
  const cached = componentCache.get(id);
  if (cached !== undefined) return cached;
  const urls: string[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) urls.push(nodes.get(at)!.callFrame.url);
  const name = nodes.get(id)!.callFrame.functionName;
  const found = COMPONENTS.find(([, test]) => urls.some((u) => test.test(u)))?.[0] ?? (name === '(garbage collector)' ? 'garbage collector' : name === '(program)' ? '(program)' : 'other JS');
  componentCache.set(id, found);
  return found;
}

const byComponent = new Map<string, number>();
const bySelf = new Map<string, number>();
const stretches: { startS: number; ms: number }[] = [];
let windowMs = 0;
let idleMs = 0;
let current: { startS: number; ms: number } | undefined;
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at < from || at > to) return;
  // a sample stands for the time until the next one
  const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  windowMs += ms;
  if (nodes.get(id)!.callFrame.functionName === '(idle)') {
    idleMs += ms;
    if (current) stretches.push(current);
    current = undefined;
    return;
  }
  current ??= { startS: (at - profile.startTime) / 1e6, ms: 0 };
  current.ms += ms;
  const component = componentOf(id);
  byComponent.set(component, (byComponent.get(component) ?? 0) + ms);
  bySelf.set(frameName(id), (bySelf.get(frameName(id)) ?? 0) + ms);
});
if (current) stretches.push(current);

const busyMs = windowMs - idleMs;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const lines = [`window ${s(windowMs)}: idle ${s(idleMs)}, busy ${s(busyMs)}`, '', 'busy time by component:'];
for (const [name, ms] of [...byComponent].sort((a, b) => b[1] - a[1])) lines.push(`  ${name.padEnd(48)} ${s(ms).padStart(9)}  ${((100 * ms) / busyMs).toFixed(1).padStart(5)} %`);
lines.push('', 'most self time:');
for (const [name, ms] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${s(ms).padStart(9)}  ${name}`);
lines.push('', 'longest stretches without an idle sample:');
for (const stretch of stretches.sort((a, b) => b.ms - a.ms).slice(0, 5)) lines.push(`  ${s(stretch.ms).padStart(9)} from +${stretch.startS.toFixed(1)} s`);
process.stdout.write(`${lines.join('\n')}\n`);
