import type { Command } from 'commander';
import { MemfabricError, ValidationError } from '@memfabric/errors';
import type { MemoryUnit, RollbackFilter } from '@memfabric/projections';
import { LIST_UNITS_LIMITS } from '@memfabric/projections';
import { openFabric, requireTenant, runProjections } from '../fabric.js';
import type { Output } from '../output.js';

/** Longest text shown per unit in the human listing, characters. */
const TEXT_WIDTH = 80;

/** Command-line flag of each rollback filter field, for error messages. */
const FLAGS: Readonly<Record<string, string>> = {
  '/filter/tenantid': '--tenant',
  '/filter/actor': '--actor',
  '/filter/streamid': '--stream',
  '/filter/from': '--from',
  '/filter/to': '--to',
  '/filter/batchid': '--batch',
  '/tenant': '--tenant',
  '/subject': '--subject',
};

/**
 * Rethrows a validation error as one line naming the flags to fix (the CLI prints only the
 * message), e.g. `invalid rollback filter: --to "yesterday" must be an RFC 3339 date-time ...`.
 */
export function withFlags(error: unknown): never {
  if (error instanceof ValidationError || (MemfabricError.is(error) && error.code === 'validation_failed')) {
    const problems = (error as ValidationError).problems ?? [];
    const detail = problems.map((p) => `${FLAGS[p.pointer] ?? p.pointer} ${p.detail}`).join('; ');
    throw new ValidationError(detail ? `${error.message}: ${detail}` : error.message, problems, { cause: error });
  }
  throw error;
}

/** One line per unit: offset, stream, world date, speaker (or actor) and the start of the text. */
export function formatUnits(units: readonly MemoryUnit[]): string {
  return units
    .map((u) => {
      const text = u.text === null ? '(no text)' : u.text.length > TEXT_WIDTH ? `${u.text.slice(0, TEXT_WIDTH - 1)}…` : u.text;
      return `${String(u.createdOffset).padStart(7)}  ${u.id}  ${u.streamid}  ${u.time.slice(0, 10)}  ${u.speaker ?? u.actor}: ${text}`;
    })
    .join('\n');
}

interface RollbackOptions {
  tenant?: string;
  actor?: string;
  stream?: string;
  from?: string;
  to?: string;
  batch?: string;
  reason?: string;
  dryRun?: boolean;
  all?: boolean;
}

/**
 * Registers `memfabric rollback` (dry run or apply, by filter) and `memfabric rollback revert ID`.
 * With `--json` the last line is `{"units": N, "ids": [...]}` for a dry run, plus
 * `"rollbackId"` and `"position"` when applied; for a revert `{"rollbackId", "revertId",
 * "alreadyReverted", "units"}` (units the rollback had hidden that are active again).
 */
export function registerRollback(program: Command, output: () => Output): void {
  const rollback = program
    .command('rollback')
    .description(
      'hide the memory units of a filter from recall by appending a rollback.applied event (nothing is deleted; revert with `rollback revert ID`)',
    )
    .option('--tenant <tenant>', 'tenant to roll back in (required)')
    .option('--actor <actor>', 'only units written by this actor (agent, user)')
    .option('--stream <stream>', 'only units of this stream (session, conversation)')
    .option('--from <iso>', 'only units whose world time is at or after this RFC 3339 time')
    .option('--to <iso>', 'only units whose world time is before this RFC 3339 time')
    .option('--batch <batchid>', 'only units of this ingest batch')
    .option('--reason <text>', 'why (kept in the event)')
    .option('--dry-run', 'list what would disappear from recall; append nothing')
    .option('--all', 'with no other filter: roll back every memory unit of the tenant (refused without it)')
    .action(async (opts: RollbackOptions, command: Command) => {
      const out = output();
      const { applyRollback, checkRollbackFilter, embeddedAuditedFabric, planRollback } = await import('@memfabric/audit-node');
      const filter: RollbackFilter = {
        tenantid: opts.tenant ?? '',
        ...(opts.actor === undefined ? {} : { actor: opts.actor }),
        ...(opts.stream === undefined ? {} : { streamid: opts.stream }),
        ...(opts.from === undefined ? {} : { from: opts.from }),
        ...(opts.to === undefined ? {} : { to: opts.to }),
        ...(opts.batch === undefined ? {} : { batchid: opts.batch }),
      };
      try {
        checkRollbackFilter(filter);
      } catch (error) {
        withFlags(error);
      }
      if (Object.keys(filter).length === 1 && opts.all !== true && opts.dryRun !== true) {
        throw new ValidationError(
          `rollback without a filter would hide every memory unit of tenant ${filter.tenantid}: give --actor, --stream, --from, --to or --batch, or --all to mean the whole tenant (try --dry-run first)`,
          [{ pointer: '--all', detail: 'required when no filter narrows the rollback' }],
        );
      }
      const fabric = await openFabric(command);
      try {
        await requireTenant(fabric, filter.tenantid);
        await runProjections(fabric, out, 'project', (onProgress) => fabric.catchUp(onProgress));
        if (opts.dryRun) {
          const plan = await planRollback(embeddedAuditedFabric(fabric), filter, { catchUp: false }).catch(withFlags);
          if (plan.units.length > 0) out.line(formatUnits(plan.units));
          out.summary({ units: plan.units.length, ids: plan.units.map((u) => u.id) }, `dry run: ${plan.units.length} memory unit(s) would disappear from recall (up to log position ${plan.uptoposition})`);
          return;
        }
        const applied = await applyRollback(embeddedAuditedFabric(fabric), filter, { catchUp: false, ...(opts.reason ? { reason: opts.reason } : {}) }).catch(withFlags);
        await runProjections(fabric, out, 'project', (onProgress) => fabric.catchUp(onProgress));
        if (applied.units.length > 0) out.line(formatUnits(applied.units));
        out.summary(
          { units: applied.units.length, ids: applied.units.map((u) => u.id), rollbackId: applied.event.id, position: applied.event.offset },
          `rolled back ${applied.units.length} memory unit(s): rollback ${applied.event.id} at log position ${applied.event.offset}; undo with \`memfabric rollback revert ${applied.event.id}\``,
        );
      } finally {
        await fabric.close();
      }
    });

  rollback
    .command('revert <rollbackId>')
    .description('undo a rollback by appending a rollback.reverted event (idempotent: reverting twice appends nothing)')
    .option('--reason <text>', 'why (kept in the event)')
    .action(async (rollbackId: string, opts: { reason?: string }, command: Command) => {
      const out = output();
      const { embeddedAuditedFabric, revertRollback } = await import('@memfabric/audit-node');
      const fabric = await openFabric(command);
      try {
        const reverted = await revertRollback(embeddedAuditedFabric(fabric), rollbackId, { catchUp: false, ...(opts.reason ? { reason: opts.reason } : {}) });
        await runProjections(fabric, out, 'project', (onProgress) => fabric.catchUp(onProgress));
        const units = await unitsBackFrom(fabric, reverted.event.tenantid, rollbackId);
        out.summary(
          { rollbackId, revertId: reverted.event.id, alreadyReverted: reverted.alreadyReverted, units },
          reverted.alreadyReverted
            ? `rollback ${rollbackId} was already reverted by ${reverted.event.id}; ${units} memory unit(s) it had hidden are active`
            : `reverted rollback ${rollbackId} (event ${reverted.event.id} at log position ${reverted.event.offset}); ${units} memory unit(s) are active again`,
        );
      } finally {
        await fabric.close();
      }
    });
}

/** Units of the tenant the rollback had covered that are active now. */
async function unitsBackFrom(fabric: Awaited<ReturnType<typeof openFabric>>, tenant: string, rollbackId: string): Promise<number> {
  let count = 0;
  let afterOffset: number | undefined;
  for (;;) {
    const page = await fabric.memoryUnits.listUnits(tenant, { status: 'active', limit: LIST_UNITS_LIMITS.maxLimit, ...(afterOffset === undefined ? {} : { afterOffset }) });
    count += page.filter((u) => u.rollbacks.some((r) => r.rollbackId === rollbackId)).length;
    if (page.length < LIST_UNITS_LIMITS.maxLimit) return count;
    afterOffset = page[page.length - 1]!.createdOffset;
  }
}
