import type { Command } from 'commander';
import { eraseSubject } from '@memfabric/embedded';
import { openFabric, projectionProgress } from '../fabric.js';
import type { Output } from '../output.js';
import { withFlags } from './rollback.command.js';

/**
 * Registers `memfabric erase --tenant T --subject S`: erasure of a data subject (right to be
 * forgotten). With `--json` the last line is `{"tenant", "subject", "eventId", "position",
 * "keysDestroyed", "units"}`.
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
    .action(async (opts: { tenant: string; subject: string; reason?: string; requestedBy?: string }, command: Command) => {
      const out = output();
      const fabric = await openFabric(command);
      try {
        const progress = projectionProgress(out, 'purge');
        const erasure = await eraseSubject(fabric, opts.tenant, opts.subject, {
          onProgress: progress.onProgress,
          ...(opts.reason ? { reason: opts.reason } : {}),
          ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}),
        })
          .catch((error: unknown) => withFlags(error))
          .finally(() => progress.done());
        const purged = erasure.units ?? 0;
        out.summary(
          { tenant: opts.tenant, subject: opts.subject, eventId: erasure.event.id, position: erasure.event.offset, keysDestroyed: erasure.keysDestroyed, units: purged },
          `erased ${opts.subject} in ${opts.tenant}: ${erasure.keysDestroyed} content key(s) destroyed, ${purged} memory unit(s) purged (event ${erasure.event.id} at log position ${erasure.event.offset})`,
        );
      } finally {
        await fabric.close();
      }
    });
}
