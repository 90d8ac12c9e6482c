import type { Command } from 'commander';
import { ValidationError } from '@memfabric/errors';
import { cliCaller } from '../cli.config.js';
import { dataDirOf, openAudit, openFabric, requireTenant } from '../fabric.js';
import type { Output } from '../output.js';

/** Parses `--position`: a log offset (integer >= 0). @throws ValidationError otherwise. */
function offset(value: string): number {
  if (!/^[0-9]{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ValidationError(`--position must be a log offset (an integer >= 0), got "${value}"`, [{ pointer: '--position', detail: 'must be an integer >= 0' }]);
  }
  return Number(value);
}

/**
 * `memfabric state --tenant T (--position P | --at ISO) [--stream S]`: the memory units and
 * facts as they stood at a log position or transaction time, folded from the log (never the
 * live projections). A position is a global log offset: the 0-based place of an event in the
 * whole log, shared by every tenant (what `log tail` prints as `@N`), so a tenant's first event
 * may sit at any offset. A progress bar while the log is read.
 */
export function registerState(program: Command, output: () => Output): void {
  program
    .command('state')
    .description('memory units and facts as they stood at a log position or transaction time, folded from the log alone')
    .requiredOption('--tenant <tenant>', 'tenant')
    .option(
      '--position <offset>',
      "global log offset, inclusive: the 0-based position of an event in the whole log, shared by all tenants (the @N of `log tail`, the position recall's --as-of takes); the tenant's events up to it count",
    )
    .option('--at <iso>', 'transaction time (RFC 3339): the state after the last event recorded at or before it')
    .option('--stream <stream>', 'only this stream')
    .option('--caller <principal>', 'who reads, recorded in the read audit (default cli:<OS user>)')
    .action(async (opts: { tenant: string; position?: string; at?: string; stream?: string; caller?: string }, command: Command) => {
      const out = output();
      if ((opts.position === undefined) === (opts.at === undefined)) {
        throw new ValidationError('give exactly one of --position and --at', [{ pointer: '--position', detail: 'give exactly one of --position and --at' }]);
      }
      const config = dataDirOf(command);
      const fabric = await openFabric(command);
      try {
        await requireTenant(fabric, opts.tenant);
        const audit = await openAudit(fabric, config);
        const position = opts.position === undefined ? undefined : offset(opts.position);
        const end = (await fabric.log.end())[0] ?? 0;
        const bar = out.progress('state: folding the log', Math.max(1, position === undefined ? end : Math.min(end, position + 1)));
        let seen = 0;
        const state = await audit.state(
          opts.tenant,
          { ...(position === undefined ? {} : { position }), ...(opts.at === undefined ? {} : { at: opts.at }), ...(opts.stream === undefined ? {} : { streamid: opts.stream }) },
          { caller: cliCaller(opts.caller) },
          (_read, reached) => {
            bar.increment(Math.max(0, reached + 1 - seen));
            seen = Math.max(seen, reached + 1);
          },
        );
        bar.stop();
        const where = `tenant ${state.tenantid}${state.streamid ? ` stream ${state.streamid}` : ''}`;
        if (state.position === null) {
          const first = (await fabric.log.readAll({ limit: 1, tenantid: opts.tenant })).events[0];
          const asked = position === undefined ? `time ${opts.at}` : `log position ${position}`;
          out.line(
            `${where} at ${asked}: no event of it yet (positions are global log offsets shared by every tenant; its first event is at log position ${first?.offset ?? '-'}${first ? `, recorded ${first.recordedat}` : ''})`,
          );
        } else {
          out.line(`${where} at log position ${state.position} (last event recorded ${state.recordedAt ?? '-'})`);
        }
        for (const u of state.units) out.line(`  @${u.createdOffset}  ${u.streamid}  ${u.status}  ${u.actor}: ${u.text ?? '[erased]'}`);
        for (const r of state.rollbacks) out.line(`  rollback ${r.id} (@${r.offset}) hides ${r.unitIds.length} unit(s)`);
        for (const f of state.facts) out.line(`  fact ${f.subjectName} ${f.predicate} ${f.objectName}${f.invalidated ? ' (invalidated)' : ''}`);
        out.summary(state, `${state.units.length} unit(s), ${state.facts.length} fact(s), ${state.entities.length} entit(ies) from ${state.eventsRead} event(s)`);
      } finally {
        await fabric.close();
      }
    });
}
