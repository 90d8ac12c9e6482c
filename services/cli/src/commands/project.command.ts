import type { Command } from 'commander';
import { ValidationError } from '@memfabric/errors';
import { openFabric, requireTenant, runProjections } from '../fabric.js';
import type { Output } from '../output.js';

function checkProjection(name: string | undefined, known: readonly string[]): void {
  if (name !== undefined && !known.includes(name)) {
    throw new ValidationError(`unknown projection "${name}"; known: ${known.join(', ')}`, [{ pointer: '--projection', detail: `must be one of ${known.join(', ')}` }]);
  }
}

export function registerProject(program: Command, output: () => Output): void {
  program
    .command('project')
    .description('run the projections in this process until they have caught up with the log (lag 0)')
    .option('--projection <name>', 'only this projection')
    .option('--until-caught-up', 'stop when lag is 0 (the default and only mode without a running fabric)', true)
    .action(async (opts: { projection?: string }, command: Command) => {
      const out = output();
      const fabric = await openFabric(command);
      try {
        checkProjection(opts.projection, fabric.projections);
        const only = opts.projection ? [opts.projection] : undefined;
        const report = await runProjections(fabric, out, 'project', (onProgress) => fabric.catchUp(onProgress, only), only);
        const statuses = await fabric.runtime.status();
        const summary = {
          events: report.events,
          deliveries: report.processed,
          deadLettered: report.deadLettered,
          durationMs: Math.round(report.durationMs),
          projections: statuses.map((s) => ({ name: s.name, generation: s.activeGeneration, events: report.perProjection[s.name] ?? 0, lag: s.lag, deadLetters: s.deadLetters })),
        };
        const perProjection = Object.entries(report.perProjection).map(([name, n]) => `${name} ${n}`).join(', ');
        out.summary(
          summary,
          `projected ${report.events} event(s) in ${summary.durationMs} ms (${perProjection}); lag ${statuses.map((s) => `${s.name}=${s.lag}`).join(' ')}`,
        );
      } finally {
        await fabric.close();
      }
    });

  program
    .command('rebuild')
    .description('replay the log into a new generation of each projection and switch to it atomically when caught up')
    .option('--projection <name>', 'only this projection')
    .action(async (opts: { projection?: string }, command: Command) => {
      const out = output();
      const fabric = await openFabric(command);
      try {
        checkProjection(opts.projection, fabric.projections);
        const names = opts.projection ? [opts.projection] : fabric.readModels;
        const switched: { projection: string; from: number | undefined; to: number }[] = [];
        const perProjection: Record<string, number> = {};
        for (const name of names) {
          const report = await runProjections(fabric, out, 'rebuild', (onProgress) => fabric.rebuild(name, onProgress), [name], true);
          perProjection[name] = report.perProjection[name] ?? 0;
          switched.push(...report.switched);
        }
        const events = Math.max(0, ...Object.values(perProjection));
        out.summary(
          { events, projections: names.map((name) => ({ name, events: perProjection[name] ?? 0 })), switched },
          switched.map((s) => `${s.projection}: generation ${s.from ?? '-'} -> ${s.to} (${perProjection[s.projection] ?? 0} events)`).join('\n'),
        );
      } finally {
        await fabric.close();
      }
    });

  program
    .command('stats')
    .description('per projection: position, lag and counts; per tenant: streams, events, memory units (catches up first)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--no-catch-up', 'report without running the projections first')
    .action(async (opts: { tenant?: string; catchUp: boolean }, command: Command) => {
      const out = output();
      const fabric = await openFabric(command);
      try {
        if (opts.tenant !== undefined) await requireTenant(fabric, opts.tenant);
        if (opts.catchUp) {
          await runProjections(fabric, out, 'project', (onProgress) => fabric.catchUp(onProgress));
        }
        const stats = await fabric.stats(opts.tenant);
        const lines = [
          `log: ${stats.log.events} events, ${stats.log.streams} streams, ${stats.log.tenants} tenants`,
          ...stats.projections.map((p) => `projection ${p.name} g${p.activeGeneration ?? '-'}: lag ${p.lag}, dead letters ${p.deadLetters}`),
          ...stats.tenants.map((t) => `tenant ${t.tenant}: ${t.streams} streams, ${t.events} events, ${t.units.total} units (${t.units.active} active), ${t.vectors} vectors, ${t.graph.entities} entities, ${t.graph.facts} facts, ${t.analyticsEvents} analytics rows`),
        ];
        out.summary(stats, lines.join('\n'));
      } finally {
        await fabric.close();
      }
    });
}
