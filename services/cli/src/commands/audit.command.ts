import type { Command } from 'commander';
import { positiveInt } from '../cli.config.js';
import { dataDirOf, openAudit, openFabric, requireTenant } from '../fabric.js';
import type { Output } from '../output.js';

/**
 * `memfabric audit reads --tenant T [--since ISO] [--limit N]` (the read audit: recalls and
 * history/state reads), `memfabric audit checkpoint [--tenant T]` (sign the chain heads now) and
 * `memfabric audit verify [--tenant T]` (chains plus signed checkpoints against the live store;
 * exit 1 naming the altered event).
 */
export function registerAudit(program: Command, output: () => Output): void {
  const audit = program.command('audit').description('read audit, signed checkpoints and tamper checks');

  audit
    .command('reads')
    .description('who read what and when: every recall and history/state read of a tenant, oldest first')
    .requiredOption('--tenant <tenant>', 'tenant')
    .option('--since <iso>', 'only reads at or after this instant (RFC 3339)')
    .option('--limit <n>', 'most rows', '1000')
    .action(async (opts: { tenant: string; since?: string; limit?: string }, command: Command) => {
      const out = output();
      const config = dataDirOf(command);
      const fabric = await openFabric(command);
      try {
        await requireTenant(fabric, opts.tenant);
        const opened = await openAudit(fabric, config);
        const reads = await opened.reads(opts.tenant, {
          ...(opts.since === undefined ? {} : { since: opts.since }),
          limit: positiveInt('--limit', opts.limit, 1000, 10_000),
        });
        for (const r of reads) out.line(`${r.at}  ${r.caller}  ${r.preset}  ${r.unitIds.length} unit(s): ${r.unitIds.slice(0, 5).join(' ')}${r.unitIds.length > 5 ? ' …' : ''}`);
        out.summary({ tenant: opts.tenant, reads }, `${reads.length} read(s)`);
      } finally {
        await fabric.close();
      }
    });

  audit
    .command('checkpoint')
    .description('sign the current hash-chain heads of every tenant (or one) and store the checkpoint in the log file')
    .option('--tenant <tenant>', 'only this tenant')
    .action(async (opts: { tenant?: string }, command: Command) => {
      const out = output();
      const config = dataDirOf(command);
      const fabric = await openFabric(command);
      try {
        if (opts.tenant !== undefined) await requireTenant(fabric, opts.tenant);
        const opened = await openAudit(fabric, config);
        const taken = await opened.checkpoint(opts.tenant);
        for (const c of taken) out.line(`${c.checkpoint.tenantid}: ${c.checkpoint.events} event(s) in ${c.checkpoint.heads.length} stream(s) up to @${c.checkpoint.position}, root ${c.checkpoint.root.slice(0, 16)}…`);
        out.summary(
          { checkpoints: taken.map((c) => ({ tenant: c.checkpoint.tenantid, position: c.checkpoint.position, events: c.checkpoint.events, root: c.checkpoint.root, keyid: c.checkpoint.keyid })) },
          `${taken.length} checkpoint(s) signed`,
        );
      } finally {
        await fabric.close();
      }
    });

  audit
    .command('verify')
    .description('recompute the hash chains and check every signed checkpoint against the live store; exit 1 naming the altered event')
    .option('--tenant <tenant>', 'only this tenant')
    .action(async (opts: { tenant?: string }, command: Command) => {
      const out = output();
      const config = dataDirOf(command);
      const fabric = await openFabric(command);
      try {
        if (opts.tenant !== undefined) await requireTenant(fabric, opts.tenant);
        const opened = await openAudit(fabric, config);
        const report = await opened.verifyLive(opts.tenant);
        const f = report.firstFailure;
        if (f) {
          out.failure('chain_broken', `${f.check} check failed at ${f.tenantid}/${f.streamid ?? '?'}#${f.streamposition ?? '?'}${f.eventId ? ` (event ${f.eventId})` : ''}: ${f.reason}`);
        }
        out.summary(
          { valid: report.valid, streams: report.chains.streams, events: report.chains.events, checkpoints: report.checkpoints, ...(f ? { firstFailure: f } : {}) },
          report.valid ? `valid: ${report.chains.events} event(s) in ${report.chains.streams} stream(s), ${report.checkpoints} signed checkpoint(s) match` : 'INVALID',
        );
      } finally {
        await fabric.close();
      }
    });
}
