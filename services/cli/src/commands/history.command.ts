import type { Command } from 'commander';
import type { EntityHistory, MemoryHistory } from '@memfabric/audit';
import type { EmbeddedFabric } from '@memfabric/embedded';
import { NotFoundError, ValidationError } from '@memfabric/errors';
import type { StoredEvent } from '@memfabric/events';
import { cliCaller } from '../cli.config.js';
import { dataDirOf, openAudit, openFabric, requireTenant } from '../fabric.js';
import type { Output } from '../output.js';

/** Event types that create a memory unit (the unit id is the event id). */
const CREATING_TYPES = new Set(['interaction.recorded', 'memory.asserted', 'memory.corrected']);

/** Whether `event` is the one a caller's own id names: its id, idempotency key, memory id or subject. */
function names(event: StoredEvent, id: string): 'id' | 'other' | undefined {
  if (event.id === id) return 'id';
  const memoryid = (event.data as { memoryid?: unknown } | null)?.memoryid;
  return event.idempotencykey === id || memoryid === id || event.subject === id ? 'other' : undefined;
}

/**
 * The memory units an id names in a tenant, earliest first: the unit whose id (the creating
 * event's id) it is, else every unit created by an event whose idempotency key, `data.memoryid`
 * (memory.asserted / memory.corrected) or `subject` (a source reference such as a LoCoMo dialog
 * id, as recall prints it) equals the id.
 */
export async function unitsNamed(fabric: EmbeddedFabric, tenant: string, id: string): Promise<string[]> {
  const found: string[] = [];
  let from = {};
  for (;;) {
    const page = await fabric.log.readAll({ from, limit: 1000, tenantid: tenant });
    for (const event of page.events) {
      if (!CREATING_TYPES.has(event.type)) continue;
      const match = names(event, id);
      if (match === 'id') return [event.id];
      if (match === 'other') found.push(event.id);
    }
    if (page.events.length === 0) return found;
    from = page.next;
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
 * (versions with diffs, from the log) or, with `--entity`, every fact change of a
 * knowledge-graph entity. ID is a unit id or the caller's own id of the memory (idempotency
 * key, `data.memoryid` or `subject`); an id naming units of several memories is refused with
 * their unit ids. The read is recorded in the read audit.
 * @throws NotFoundError for an unknown tenant or an id that names no memory.
 * @throws ValidationError for an id that names several memories.
 */
export function registerHistory(program: Command, output: () => Output): void {
  program
    .command('history')
    .description('every event that created, corrected, retracted, rolled back or erased a memory, as versions with diffs (--entity: fact changes of a graph entity)')
    .argument('<id>', "memory unit id (the id of the creating event) or your own id of the memory (idempotency key, data.memoryid or subject, e.g. D1:3); an entity id with --entity")
    .requiredOption('--tenant <tenant>', 'tenant of the memory or entity')
    .option('--entity', 'ID is a knowledge-graph entity')
    .option('--caller <principal>', 'who reads, recorded in the read audit (default cli:<OS user>)')
    .action(async (id: string, opts: { tenant: string; entity?: boolean; caller?: string }, command: Command) => {
      const out = output();
      const config = dataDirOf(command);
      const fabric = await openFabric(command);
      try {
        await requireTenant(fabric, opts.tenant);
        const audit = await openAudit(fabric, config);
        const context = { caller: cliCaller(opts.caller) };
        if (opts.entity) {
          await fabric.catchUp();
          const history = await audit.entityHistory(opts.tenant, id, context);
          printEntity(out, history);
          if (out.json) out.record(history);
        } else {
          const units = await unitsNamed(fabric, opts.tenant, id);
          if (units.length === 0) {
            throw new NotFoundError(`no memory ${JSON.stringify(id)} in tenant ${opts.tenant}: not a unit id, idempotency key, memory id or subject of any memory there`, {
              context: { tenant: opts.tenant, id },
            });
          }
          const history = await audit.memoryHistory(opts.tenant, units[0]!, context);
          const others = units.filter((u) => !history.units.includes(u));
          if (others.length > 0) {
            throw new ValidationError(`${JSON.stringify(id)} names ${others.length + 1} memories in tenant ${opts.tenant}; pass one of their unit ids: ${[units[0]!, ...others].join(', ')}`, [
              { pointer: '<id>', detail: 'names more than one memory' },
            ]);
          }
          printMemory(out, history);
          if (out.json) out.record(history);
        }
      } finally {
        await fabric.close();
      }
    });
}
