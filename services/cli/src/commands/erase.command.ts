import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { EmbeddedFabric } from '@memfabric/embedded';
import { NotFoundError, ValidationError } from '@memfabric/errors';
import { LIST_UNITS_LIMITS } from '@memfabric/projections';
import { openFabric, requireTenant, runProjections } from '../fabric.js';
import type { Output } from '../output.js';
import { withFlags } from './rollback.command.js';

/** What an erasure of one subject would touch, as `erase --dry-run` prints it. */
export interface ErasurePlan {
  readonly tenant: string;
  readonly subject: string;
  /** Events of the subject in the log (their `datasubject`), readable until the erasure. */
  readonly events: number;
  /** Memory units of the subject not yet erased (every status but `erased`). */
  readonly units: number;
  /** Content keys of the subject: all of them, and those still live (destroyed by the erasure). */
  readonly keys: { readonly total: number; readonly live: number };
}

/**
 * Counts what erasing `subject` in `tenant` would touch, reading the log and the caught-up
 * memory units; appends nothing.
 * @throws NotFoundError when the tenant has no subject of that name (no content key).
 */
export async function planErasure(fabric: EmbeddedFabric, tenant: string, subject: string): Promise<ErasurePlan> {
  const keys = fabric.log.vault.subjectKeysSync(tenant, subject);
  if (keys.total === 0) throw new NotFoundError(`no data subject ${JSON.stringify(subject)} in tenant ${tenant}: no event of it was ever recorded there`, { context: { tenant, subject } });
  let events = 0;
  let from = {};
  for (;;) {
    const page = await fabric.log.readAll({ from, limit: 1000, tenantid: tenant });
    events += page.events.filter((e) => e.datasubject === subject && !e.erased).length;
    if (page.events.length === 0) break;
    from = page.next;
  }
  let units = 0;
  let afterOffset: number | undefined;
  for (;;) {
    const page = await fabric.memoryUnits.listUnits(tenant, { datasubject: subject, limit: LIST_UNITS_LIMITS.maxLimit, ...(afterOffset === undefined ? {} : { afterOffset }) });
    units += page.filter((u) => u.status !== 'erased').length;
    if (page.length < LIST_UNITS_LIMITS.maxLimit) break;
    afterOffset = page[page.length - 1]!.createdOffset;
  }
  return { tenant, subject, events, units, keys };
}

function describePlan(plan: ErasurePlan): string {
  return `erasing ${plan.subject} in ${plan.tenant} makes ${plan.events} event(s) unreadable, purges ${plan.units} memory unit(s) and destroys ${plan.keys.live} content key(s); this cannot be undone`;
}

/**
 * Asks on the terminal whether to go on. True only for an answer of `y` or `yes`.
 * @throws ValidationError when stdin is not a terminal (the caller must pass `--yes`).
 */
async function confirm(question: string): Promise<boolean> {
  if (process.stdin.isTTY !== true) {
    throw new ValidationError('erase needs confirmation: stdin is not a terminal, pass --yes to erase without asking (or --dry-run to see what would be erased)', [
      { pointer: '--yes', detail: 'required when stdin is not a terminal' },
    ]);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question}\nerase? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * Registers `memfabric erase --tenant T --subject S [--dry-run] [--yes]`: erasure of a data
 * subject (right to be forgotten). `--dry-run` prints what would be erased and appends
 * nothing; otherwise the command asks on a terminal and needs `--yes` when stdin is not one.
 * With `--json` the last line is `{"tenantId", "subject", "eventId", "position",
 * "keysDestroyed", "units"}`, or for a dry run `{"dryRun": true, "tenantId", "subject",
 * "events", "units", "keys": {"total", "live"}}`.
 */
export function registerErase(program: Command, output: () => Output): void {
  program
    .command('erase')
    .description(
      "erase a data subject: append subject.erased, destroy the subject's content key (its events become unreadable, the log still verifies) and purge derived data in every projection",
    )
    .requiredOption('--tenant <tenant>', 'tenant of the subject')
    .requiredOption('--subject <subject>', 'data subject to erase (the events\' datasubject, by default their actor)')
    .option('--reason <text>', 'why (kept in the event)')
    .option('--requested-by <who>', 'who asked for the erasure (kept in the event)')
    .option('--dry-run', 'show what would be erased (events, memory units, content keys); append nothing')
    .option('-y, --yes', 'erase without asking (required when stdin is not a terminal)')
    .action(async (opts: { tenant: string; subject: string; reason?: string; requestedBy?: string; dryRun?: boolean; yes?: boolean }, command: Command) => {
      const out = output();
      const fabric = await openFabric(command);
      try {
        await requireTenant(fabric, opts.tenant);
        await runProjections(fabric, out, 'project', (onProgress) => fabric.catchUp(onProgress));
        const plan = await planErasure(fabric, opts.tenant, opts.subject).catch(withFlags);
        if (opts.dryRun) {
          out.summary({ dryRun: true, ...plan }, `dry run: ${describePlan(plan)}`);
          return;
        }
        if (opts.yes !== true && !(await confirm(describePlan(plan)))) {
          out.summary({ erased: false, tenant: opts.tenant, subject: opts.subject }, 'not erased');
          return;
        }
        const { embeddedAuditedFabric, eraseSubject } = await import('@memfabric/audit-node');
        const done = await runProjections(fabric, out, 'purge', (onProgress) =>
          eraseSubject(embeddedAuditedFabric(fabric), opts.tenant, opts.subject, {
            onProgress,
            ...(opts.reason ? { reason: opts.reason } : {}),
            ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}),
          }).catch((error: unknown) => withFlags(error)),
        );
        const purged = done.units ?? 0;
        out.summary(
          { tenant: opts.tenant, subject: opts.subject, eventId: done.event.id, position: done.event.offset, keysDestroyed: done.keysDestroyed, units: purged },
          `erased ${opts.subject} in ${opts.tenant}: ${done.keysDestroyed} content key(s) destroyed, ${purged} memory unit(s) purged (event ${done.event.id} at log position ${done.event.offset})`,
        );
      } finally {
        await fabric.close();
      }
    });
}
