/**
 * Extraction throughput of the offline {@link NlpExtractor} over every turn of the LoCoMo dev
 * split (5 conversations, 2,760 turns; Maharana et al., ACL 2024).
 *
 * Run from the repository root:
 *
 *   npx tsx --tsconfig tsconfig.base.json --conditions=@memfabric/source libs/extraction/bench/extract.bench.ts
 *
 * Each turn is extracted once with its session's date as the reference time (`session_N_date_time`
 * such as "1:56 pm on 8 May, 2023", parsed by `parseLocomoDate`, taken as UTC), the speaker, and
 * the two speakers as known entities. The warm-up (model load and two first extractions) is
 * timed apart. Prints one
 * JSON object: turns, wall seconds, turns/s, CPU seconds of the process during the loop and
 * turns per CPU second (the figure to compare on a shared machine), per-turn p50/p95/max in ms,
 * the slowest turn's length, totals of entities (by type),
 * times and relations (by kind), and how many outputs failed `facts.extracted` validation
 * (checked outside the timed loop; expected 0).
 *
 * Options: --file PATH (default ../shared/data/locomo/locomo-dev.json), --rounds N (default 1).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { checkEvent, type FactsExtracted } from '@memfabric/events';
import { readLocomo } from '@memfabric/locomo';
import { CO_OCCURS_WITH, MENTIONS, type ExtractionInput } from '../src/index.js';
import { NlpExtractor } from '../src/nlp/index.js';

const { values } = parseArgs({
  options: {
    file: { type: 'string', default: '../shared/data/locomo/locomo-dev.json' },
    rounds: { type: 'string', default: '1' },
  },
});
const rounds = Math.max(1, Number(values.rounds));

const conversations = readLocomo(JSON.parse(readFileSync(values.file, 'utf8')));
const inputs: ExtractionInput[] = [];
for (const c of conversations) {
  for (const s of c.sessions) {
    for (const turn of s.turns) {
      const n = inputs.length + 1;
      inputs.push({
        eventId: `00000000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`,
        text: turn.text,
        time: s.time,
        speaker: turn.speaker,
        knownEntities: c.speakers,
      });
    }
  }
}

const extractor = new NlpExtractor();
const loadStart = performance.now();
for (const text of [
  'Warm up on 8 May 2023 with Leo.',
  "Hey Ana! I moved to Lisbon last month and I love the pottery class at the Red Cross; you'd like it. How are you?",
]) {
  extractor.extractSync({ eventId: '00000000-0000-7000-8000-000000000000', text, time: '2023-05-08T13:56:00Z', speaker: 'Leo', knownEntities: ['Leo', 'Ana'] });
}
const loadMs = performance.now() - loadStart;

const perTurn: number[] = [];
let outputs: FactsExtracted[] = [];
let slowest = { ms: 0, chars: 0 };
const cpuStart = process.cpuUsage();
const started = performance.now();
for (let r = 0; r < rounds; r += 1) {
  outputs = [];
  for (const input of inputs) {
    const t0 = performance.now();
    outputs.push(extractor.extractSync(input));
    const ms = performance.now() - t0;
    perTurn.push(ms);
    if (ms > slowest.ms) slowest = { ms, chars: input.text.length };
  }
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

perTurn.sort((a, b) => a - b);
const pct = (p: number): number => Number((perTurn[Math.min(perTurn.length - 1, Math.floor((p / 100) * perTurn.length))] ?? 0).toFixed(3));

const entitiesByType: Record<string, number> = {};
const relationsByKind = { statements: 0, singlevalued: 0, withValidfrom: 0, mentions: 0, co_occurs_with: 0 };
let entities = 0;
let times = 0;
let relations = 0;
let invalid = 0;
outputs.forEach((data, i) => {
  entities += data.entities.length;
  times += data.times.length;
  relations += data.relations.length;
  for (const e of data.entities) entitiesByType[e.type] = (entitiesByType[e.type] ?? 0) + 1;
  for (const r of data.relations) {
    if (r.predicate === MENTIONS) relationsByKind.mentions += 1;
    else if (r.predicate === CO_OCCURS_WITH) relationsByKind.co_occurs_with += 1;
    else {
      relationsByKind.statements += 1;
      if (r.singlevalued) relationsByKind.singlevalued += 1;
      if (r.validfrom) relationsByKind.withValidfrom += 1;
    }
  }
  const problems = checkEvent({
    source: 'urn:memfabric:bench',
    type: 'facts.extracted',
    time: inputs[i]!.time,
    tenantid: 'bench',
    streamid: 'extraction',
    actor: 'extractor',
    data,
  });
  if (problems.length > 0) invalid += 1;
});

console.log(
  JSON.stringify({
    extractor: `${extractor.name}@${extractor.version}`,
    turns: inputs.length,
    rounds,
    warmupMs: Number(loadMs.toFixed(1)),
    seconds: Number(seconds.toFixed(3)),
    turnsPerSecond: Math.round((inputs.length * rounds) / seconds),
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    turnsPerCpuSecond: Math.round((inputs.length * rounds) / cpuSeconds),
    perTurnMs: { p50: pct(50), p95: pct(95), max: pct(100) },
    slowestTurn: { ms: Number(slowest.ms.toFixed(1)), chars: slowest.chars },
    meanChars: Math.round(inputs.reduce((n, i) => n + i.text.length, 0) / inputs.length),
    entities,
    entitiesByType,
    times,
    relations,
    relationsByKind,
    invalidOutputs: invalid,
  }),
);
