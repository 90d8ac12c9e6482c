import { InvalidArgumentError, type Command } from 'commander';
import type { AsOfInput, RecallRequest, RecallResponse } from '@memfabric/recall';
import { cliCaller } from '../cli.config.js';
import { openFabric, requireTenant, runProjections } from '../fabric.js';
import type { Output } from '../output.js';

/** Longest text shown per hit in the human table, characters. */
const TEXT_WIDTH = 100;

/** `--as-of`: a log position (digits) or an RFC 3339 time. */
export function parseAsOf(value: string): AsOfInput {
  if (/^\d+$/.test(value)) return { position: Number(value) };
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected a log position (integer) or an RFC 3339 time');
  return { time: value };
}

function parseK(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** One line per hit: rank, fused score, source reference, speaker, time and the channels that ranked it. */
export function formatHits(response: RecallResponse): string {
  if (response.hits.length === 0) return `no hits (preset ${response.preset})`;
  const lines = response.hits.map((h) => {
    const channels = Object.entries(h.explain.channels)
      .flatMap(([name, e]) => (e === undefined ? [] : [`${name}#${e.rank}`]))
      .join(' ');
    const text = h.text.length > TEXT_WIDTH ? `${h.text.slice(0, TEXT_WIDTH - 1)}…` : h.text;
    return `${String(h.rank).padStart(3)}  ${h.score.toFixed(4)}  ${(h.sourceRef ?? h.unitId).padEnd(8)} ${h.time.slice(0, 10)}  ${h.speaker ?? h.actor}: ${text}\n                [${channels}${h.explain.expandedFrom ? ` around ${h.explain.expandedFrom}` : ''}${h.explain.entities?.length ? ` entities: ${h.explain.entities.join(', ')}` : ''}]`;
  });
  const consistency = response.consistency.requested && !response.consistency.reached ? `\nconsistency token NOT reached (behind: ${response.consistency.behind.join(', ')})` : '';
  return `${lines.join('\n')}\n${response.hits.length} hits, preset ${response.preset}, ${response.timings.totalMs.toFixed(1)} ms${consistency}`;
}

/** Registers `memfabric recall`. */
export function registerRecall(program: Command, output: () => Output): void {
  program
    .command('recall')
    .description('fused recall over the embedded fabric, with an explanation per hit (catches the projections up first)')
    .argument('<query>', 'what to recall')
    .requiredOption('--tenant <tenant>', 'tenant to search (nothing else is read)')
    .option('--k <k>', 'number of hits (1-100)', parseK, 10)
    .option('--as-of <position|time>', 'transaction time: recall what the fabric knew at this log position or RFC 3339 time', parseAsOf)
    .option('--valid-at <time>', 'world time (RFC 3339): only what was true then')
    .option('--reference-time <time>', "resolve the query's time expressions against this RFC 3339 time (default now)")
    .option('--preset <name>', 'fusion preset (hybrid-rrf, hybrid-mmr, learned-fusion, dense-only, lexical-only, graph-only)')
    .option('--stream <stream>', 'only this stream (repeatable)', collect)
    .option('--actor <actor>', 'only units written by this actor (repeatable)', collect)
    .option('--caller <principal>', 'who reads, recorded in the read audit (default cli:<OS user>)')
    .option('--no-catch-up', 'recall without running the projections first')
    .action(
      async (
        query: string,
        opts: { tenant: string; k: number; asOf?: AsOfInput; validAt?: string; referenceTime?: string; preset?: string; stream?: string[]; actor?: string[]; caller?: string; catchUp: boolean },
        command: Command,
      ) => {
        const out = output();
        const fabric = await openFabric(command);
        try {
          await requireTenant(fabric, opts.tenant);
          if (opts.catchUp) await runProjections(fabric, out, 'project', (onProgress) => fabric.catchUp(onProgress));
          const request: RecallRequest = {
            query,
            scope: { tenant: opts.tenant, ...(opts.stream ? { streams: opts.stream } : {}), ...(opts.actor ? { actors: opts.actor } : {}) },
            k: opts.k,
            caller: cliCaller(opts.caller),
            ...(opts.asOf ? { asOf: opts.asOf } : {}),
            ...(opts.validAt ? { validAt: opts.validAt } : {}),
            ...(opts.referenceTime ? { referenceTime: opts.referenceTime } : {}),
            ...(opts.preset ? { preset: opts.preset } : {}),
          };
          const response = await fabric.recaller().recall(request);
          out.summary(response, formatHits(response));
        } finally {
          await fabric.close();
        }
      },
    );
}
