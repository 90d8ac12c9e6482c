import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { EmbeddedAudit } from '@memfabric/audit-node';
import type { EntityHistory, MemoryHistory } from '@memfabric/audit';
import { resolveDataDir } from '../cli.config.js';
import { openFabric } from '../fabric.js';
import type { Output } from '../output.js';
import { globalOptions } from '../program.js';

/** The principal recorded in the read audit for CLI reads: `--caller`, else `cli:<OS user>`. */
export function cliCaller(option: string | undefined): string {
  if (option !== undefined && option !== '') return option;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function short(text: string | null, max = 80): string {
  if (text === null) return '[none]';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function printMemory(out: Output, history: MemoryHistory): void {
  out.line(`memory ${history.unitId} (tenant ${history.tenantid}): ${history.versions.length} version(s), units ${history.units.join(' -> ')}`);
  for (const v of history.versions) {
    out.line(`v${v.version}  @${v.position.offset}  ${v.recordedAt}  ${v.type} (${v.change}) by ${v.actor}: ${v.status}  "${short(v.text)}"`);
    for (const d of v.version === 1 ? [] : v.diff) out.line(`      ${d.field}: ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)}`);
  }
  for (const r of history.rejected) out.line(`rejected @${r.position.offset} ${r.type} ${r.eventId}: ${r.reason}`);
}

function printEntity(out: Output, history: EntityHistory): void {
  out.line(`entity ${history.entity.name} (${history.entity.type}, ${history.entity.id}): ${history.entries.length} fact change(s)`);
  for (const e of history.entries) {
    out.line(
      `${e.version}  @${e.position.offset}  ${e.recordedAt}  ${e.kind}  ${e.subject.name} ${e.predicate} ${e.object.name}  valid [${e.validFrom ?? '-∞'}, ${e.validTo ?? '∞'})`,
    );
  }
}

/**
 * `memfabric history ID --tenant T [--entity] [--caller C]`: every event that touched a memory
 * unit (versions with diffs, from the log) or, with `--entity`, every fact change of a
 * knowledge-graph entity. The read is recorded in the read audit.
 */
export function registerHistory(program: Command, output: () => Output): void {
  program
    .command('history')
    .description('every event that created, corrected, retracted, rolled back or erased a memory, as versions with diffs (--entity: fact changes of a graph entity)')
    .argument('<id>', 'memory unit id (the id of the creating event), or an entity id with --entity')
    .requiredOption('--tenant <tenant>', 'tenant of the memory or entity')
    .option('--entity', 'ID is a knowledge-graph entity')
    .option('--caller <principal>', 'who reads, recorded in the read audit (default cli:<OS user>)')
    .action(async (id: string, opts: { tenant: string; entity?: boolean; caller?: string }, command: Command) => {
      const out = output();
      const config = resolveDataDir(globalOptions(command).dataDir, process.env);
      const fabric = await openFabric(command);
      try {
        const audit = EmbeddedAudit.open({ fabric, dataDir: config.dataDir });
        const context = { caller: cliCaller(opts.caller) };
        if (opts.entity) {
          await fabric.catchUp();
          const history = await audit.entityHistory(opts.tenant, id, context);
          printEntity(out, history);
          if (out.json) out.record(history);
        } else {
          const history = await audit.memoryHistory(opts.tenant, id, context);
          printMemory(out, history);
          if (out.json) out.record(history);
        }
      } finally {
        await fabric.close();
      }
    });
}
