import { IdempotencyConflictError, MemfabricError, NotFoundError, ValidationError, type FieldProblem } from '@memfabric/errors';
import { INSTANT_RULE, normalizeEvent, parseInstant, type NewEvent, type RollbackApplied, type StoredEvent } from '@memfabric/events';
import { MEMORY_UNITS_PROJECTION, rollbackCovers, LIST_UNITS_LIMITS, type MemoryUnit, type ProgressCallback, type RollbackFilter } from '@memfabric/projections';
import type { AuditedFabric } from './audited-fabric.js';

/**
 * Audit actions over the {@link AuditedFabric} port (embedded or cluster): rollback by filter
 * (plan, apply, revert) and erasure of a data subject. Each action appends one event to the log
 * (never deletes) and then, unless told not to, catches the read models up
 * (`AuditedFabric.catchUp`), so they (memory units, vector and lexical indexes, graph,
 * analytics) reflect it when the promise resolves. Log offsets are those of the tenant's
 * partition (`AuditedFabric.tenantPartition`).
 */

/** What the rollback actions need of the fabric. */
export type AuditFabric = Pick<AuditedFabric, 'log' | 'memoryUnits' | 'catchUp' | 'tenantPartition'>;

/** What {@link eraseSubject} needs of the fabric. */
export type ErasureFabric = AuditFabric & Pick<AuditedFabric, 'vault' | 'purgeFiles'>;

/** Stream the audit events (`rollback.applied`, `rollback.reverted`, `subject.erased`) are written to, per tenant. */
export const AUDIT_STREAM = 'audit';
/** Default actor of audit events; erasures are always written by it. */
export const SYSTEM_ACTOR = 'memfabric:system';
/** CloudEvents `source` of audit events. */
export const AUDIT_SOURCE = 'urn:memfabric:audit';

/** Options shared by the actions. */
export interface AuditActionOptions {
  /** Run the projections until caught up after appending (default true). */
  readonly catchUp?: boolean;
  /** Told about the catch-up's progress (progress bars). */
  readonly onProgress?: ProgressCallback;
}

/** What {@link planRollback} found. */
export interface RollbackPlan {
  /** The validated filter. */
  readonly filter: RollbackFilter;
  /**
   * Highest offset of the tenant's partition the rollback would cover (that partition's end - 1
   * when planned); -1 when the partition is empty.
   */
  readonly uptoposition: number;
  /** The `active` memory units the rollback would hide from recall, in log order. */
  readonly units: readonly MemoryUnit[];
}

/** What {@link applyRollback} did. */
export interface AppliedRollback extends RollbackPlan {
  /** The `rollback.applied` event as stored (its id is the rollback id to revert). */
  readonly event: StoredEvent;
}

/** What {@link revertRollback} did. */
export interface RevertedRollback {
  /** The `rollback.reverted` event (the earlier one when the rollback was already reverted). */
  readonly event: StoredEvent;
  /** True when this call appended nothing because the rollback was already reverted. */
  readonly alreadyReverted: boolean;
}

/** What {@link eraseSubject} did. */
export interface SubjectErasure {
  /** The `subject.erased` event. */
  readonly event: StoredEvent;
  /** Content keys destroyed now (0 when the subject had none left: a repeated erasure). */
  readonly keysDestroyed: number;
  /**
   * Memory units of the subject this erasure purged (text gone, status `erased`); `null` when
   * the projections were not run (`catchUp: false`).
   */
  readonly units: number | null;
  /**
   * Whether local files were purged after the read models purged (`AuditedFabric.purgeFiles`;
   * embedded: the log's WAL checkpointed and truncated, so no earlier page version holding the
   * subject's content or key is left in it):
   * - `true`: purged;
   * - `false`: not purged yet — another connection kept the checkpoint from completing (the
   *   next erasure or checkpoint empties it), or the read models were not run (`catchUp: false`);
   * - `null`: the fabric has no local file to purge (no `purgeFiles`, e.g. a cluster whose
   *   stores are servers: what their storage keeps of deleted data is governed by the backends'
   *   own compaction and retention).
   */
  readonly walTruncated: boolean | null;
}

/**
 * Validates a rollback filter the way the `rollback.applied` schema and the projection rules
 * will: tenant required (letters, digits, `.`, `_`, `-`, at most 64), strings within the schema's
 * lengths, `from`/`to` RFC 3339 instants with `from < to`. Unknown fields are refused.
 * @returns a copy with only the given fields.
 * @throws ValidationError naming each bad field (`/filter/from`, ...).
 */
export function checkRollbackFilter(filter: RollbackFilter): RollbackFilter {
  const problems: FieldProblem[] = [];
  const f = filter as unknown as Record<string, unknown>;
  if (typeof f.tenantid !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(f.tenantid)) {
    problems.push({ pointer: '/filter/tenantid', detail: "required: 1-64 letters, digits, '.', '_' or '-'" });
  }
  const limits = { actor: 256, streamid: 128, batchid: 128, from: 64, to: 64 } as const;
  for (const key of Object.keys(f)) {
    if (key !== 'tenantid' && !(key in limits)) problems.push({ pointer: `/filter/${key}`, detail: 'is not a rollback filter field (tenantid, actor, streamid, from, to, batchid)' });
  }
  for (const [key, max] of Object.entries(limits)) {
    const value = f[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > max) problems.push({ pointer: `/filter/${key}`, detail: `must be a string of 1-${max} characters` });
  }
  const instant = (key: 'from' | 'to'): number | undefined => {
    const value = f[key];
    if (typeof value !== 'string') return undefined;
    // the one instant rule of ingest, recall and the audit: a dry run accepts exactly what an apply does
    const ms = parseInstant(value);
    if (ms === undefined) problems.push({ pointer: `/filter/${key}`, detail: `"${value}" ${INSTANT_RULE}` });
    return ms;
  };
  const from = instant('from');
  const to = instant('to');
  if (from !== undefined && to !== undefined && !(from < to)) problems.push({ pointer: '/filter/to', detail: 'must be after from' });
  if (problems.length > 0) throw new ValidationError('invalid rollback filter', problems);
  const out: { -readonly [K in keyof RollbackFilter]: RollbackFilter[K] } = { tenantid: filter.tenantid };
  for (const key of ['actor', 'streamid', 'from', 'to', 'batchid'] as const) if (filter[key] !== undefined) out[key] = filter[key];
  return out;
}

/**
 * The memory units a rollback with `filter` would hide from recall now: the `active` units of
 * the tenant it covers (`rollbackCovers`) up to the current end of the tenant's partition.
 * Catches the memory-unit projection up first (unless `options.catchUp` is false). Appends
 * nothing.
 * @throws ValidationError for a bad filter (see {@link checkRollbackFilter}).
 */
export async function planRollback(fabric: AuditFabric, filter: RollbackFilter, options: AuditActionOptions = {}): Promise<RollbackPlan> {
  const checked = checkRollbackFilter(filter);
  if (options.catchUp !== false) await fabric.catchUp(options.onProgress, [MEMORY_UNITS_PROJECTION]);
  const partition = await fabric.tenantPartition(checked.tenantid);
  const uptoposition = ((await fabric.log.end())[partition] ?? 0) - 1;
  return { filter: checked, uptoposition, units: await coveredUnits(fabric, checked, uptoposition) };
}

async function coveredUnits(fabric: AuditFabric, filter: RollbackFilter, upto: number): Promise<MemoryUnit[]> {
  const units: MemoryUnit[] = [];
  let afterOffset: number | undefined;
  for (;;) {
    const page = await fabric.memoryUnits.listUnits(filter.tenantid, {
      status: 'active',
      limit: LIST_UNITS_LIMITS.maxLimit,
      ...(filter.streamid === undefined ? {} : { streamid: filter.streamid }),
      ...(filter.actor === undefined ? {} : { actor: filter.actor }),
      ...(afterOffset === undefined ? {} : { afterOffset }),
    });
    for (const unit of page) if (rollbackCovers(filter, upto, unit)) units.push(unit);
    if (page.length < LIST_UNITS_LIMITS.maxLimit) return units;
    afterOffset = page[page.length - 1]!.createdOffset;
  }
}

/**
 * Applies a rollback: appends a `rollback.applied` event to the tenant's audit stream with the
 * filter, `uptoposition` = the current end of the tenant's partition - 1 (events appended later
 * are not covered, even when they match) and the reason, then catches the projections up.
 * Never deletes anything; {@link revertRollback} undoes it.
 * @param options.actor - who applies it (default {@link SYSTEM_ACTOR}).
 * @returns the stored event (its id is the rollback id) and the units it hid (as planned).
 * @throws ValidationError for a bad filter, actor or reason, or when the tenant's partition is empty.
 */
export async function applyRollback(
  fabric: AuditFabric,
  filter: RollbackFilter,
  options: AuditActionOptions & { readonly reason?: string; readonly actor?: string } = {},
): Promise<AppliedRollback> {
  const plan = await planRollback(fabric, filter, options);
  if (plan.uptoposition < 0) throw new ValidationError('nothing to roll back: the log is empty', [{ pointer: '/filter', detail: "the tenant's partition of the log holds no event yet" }]);
  const data: RollbackApplied = { filter: plan.filter, uptoposition: plan.uptoposition, ...(options.reason ? { reason: options.reason } : {}) };
  const event = await appendOne(fabric, auditEvent('rollback.applied', plan.filter.tenantid, options.actor ?? SYSTEM_ACTOR, data as unknown as Record<string, unknown>));
  if (options.catchUp !== false) await fabric.catchUp(options.onProgress);
  return { ...plan, event };
}

/**
 * Reverts a rollback: appends a `rollback.reverted` event naming it, then catches the
 * projections up; the units it hid count again (unless something else holds them). Idempotent:
 * the event carries the idempotency key `rollback.reverted:<rollbackId>`, so reverting twice
 * appends nothing the second time and returns the first revert.
 * @throws NotFoundError when no event has id `rollbackId`.
 * @throws ValidationError when that event is not a `rollback.applied` event.
 */
export async function revertRollback(
  fabric: AuditFabric,
  rollbackId: string,
  options: AuditActionOptions & { readonly reason?: string; readonly actor?: string } = {},
): Promise<RevertedRollback> {
  const rollback = await fabric.log.getEvent(rollbackId);
  if (!rollback) throw new NotFoundError(`no event has id ${rollbackId}: pass the id of a rollback.applied event`, { context: { rollbackId } });
  if (rollback.type !== 'rollback.applied') {
    throw new ValidationError(`event ${rollbackId} is a ${rollback.type} event, not a rollback.applied event`, [{ pointer: '/rollbackid', detail: `names a ${rollback.type} event` }]);
  }
  const event = auditEvent('rollback.reverted', rollback.tenantid, options.actor ?? SYSTEM_ACTOR, { rollbackid: rollbackId, ...(options.reason ? { reason: options.reason } : {}) }, `rollback.reverted:${rollbackId}`);
  let stored: StoredEvent;
  let alreadyReverted: boolean;
  try {
    const [result] = await fabric.log.append([event]);
    alreadyReverted = result!.duplicate;
    stored = (await fabric.log.getEvent(result!.id))!;
  } catch (error) {
    // the same key with another reason or time: the rollback was reverted before
    if (!(error instanceof IdempotencyConflictError || (MemfabricError.is(error) && error.code === 'idempotency_conflict'))) throw error;
    const existingId = error.context.existingId;
    const earlier = typeof existingId === 'string' ? await fabric.log.getEvent(existingId) : undefined;
    if (!earlier) throw error;
    stored = earlier;
    alreadyReverted = true;
  }
  if (options.catchUp !== false) await fabric.catchUp(options.onProgress);
  return { event: stored, alreadyReverted };
}

/**
 * Erases a data subject (right to erasure, GDPR art. 17): appends a `subject.erased` event
 * (written and owned by {@link SYSTEM_ACTOR}, so its own content stays readable), destroys the
 * subject's content keys in the vault (crypto-shredding: every earlier event of the subject
 * reads with `data: null` from now on, in replays and rebuilds too) and catches the projections
 * up, which purge their derived data (memory-unit text, vector points and HNSW files, lexical
 * documents, graph mentions/facts/entities, analytics rows). Then local files are purged
 * (`AuditedFabric.purgeFiles`, when the fabric has it; embedded: the log's WAL is checkpointed
 * and truncated, and with `secure_delete` on the connection, deleted content overwritten with
 * zeros, no file of the data directory keeps the subject's plaintext or key material). The
 * hash chains cover the encrypted records, so the log still verifies.
 *
 * A subject exists in a tenant when it has a content key there, live or destroyed: the log
 * creates one with the subject's first event. Safe to repeat: erasing an erased subject appends
 * another event, destroys no key (or only keys created since) and purges what was written since.
 * @throws ValidationError for an empty or over-long tenant or subject.
 * @throws NotFoundError when no event of the subject was ever appended in the tenant (nothing
 *   is appended then).
 */
export async function eraseSubject(
  fabric: ErasureFabric,
  tenant: string,
  subject: string,
  options: AuditActionOptions & { readonly requestedBy?: string; readonly reason?: string } = {},
): Promise<SubjectErasure> {
  const problems: FieldProblem[] = [];
  if (typeof tenant !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(tenant)) problems.push({ pointer: '/tenant', detail: "required: 1-64 letters, digits, '.', '_' or '-'" });
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 256) problems.push({ pointer: '/subject', detail: 'required: 1-256 characters' });
  if (subject === SYSTEM_ACTOR) problems.push({ pointer: '/subject', detail: `${SYSTEM_ACTOR} writes the audit events and cannot be erased` });
  if (problems.length > 0) throw new ValidationError('invalid erasure request', problems);
  if ((await fabric.vault.subjectKeys(tenant, subject)).total === 0) {
    throw new NotFoundError(`no data subject ${JSON.stringify(subject)} in tenant ${tenant}: no event of it was ever recorded there`, { context: { tenant, subject } });
  }
  const data = { datasubject: subject, ...(options.requestedBy ? { requestedby: options.requestedBy } : {}), ...(options.reason ? { reason: options.reason } : {}) };
  const event = await appendOne(fabric, auditEvent('subject.erased', tenant, SYSTEM_ACTOR, data));
  const keysDestroyed = await fabric.vault.destroy(tenant, subject);
  if (options.catchUp === false) return { event, keysDestroyed, units: null, walTruncated: fabric.purgeFiles ? false : null };
  await fabric.catchUp(options.onProgress);
  let units = 0;
  let afterOffset: number | undefined;
  for (;;) {
    const page = await fabric.memoryUnits.listUnits(tenant, {
      datasubject: subject,
      status: 'erased',
      limit: LIST_UNITS_LIMITS.maxLimit,
      ...(afterOffset === undefined ? {} : { afterOffset }),
    });
    units += page.filter((u) => u.erasedOffset === event.offset).length;
    if (page.length < LIST_UNITS_LIMITS.maxLimit) break;
    afterOffset = page[page.length - 1]!.createdOffset;
  }
  const walTruncated = fabric.purgeFiles ? !(await fabric.purgeFiles()).busy : null;
  return { event, keysDestroyed, units, walTruncated };
}

function auditEvent(type: 'rollback.applied' | 'rollback.reverted' | 'subject.erased', tenantid: string, actor: string, data: Record<string, unknown>, idempotencykey?: string): NewEvent {
  return normalizeEvent({
    source: AUDIT_SOURCE,
    type,
    time: new Date().toISOString(),
    tenantid,
    streamid: AUDIT_STREAM,
    actor,
    datasubject: SYSTEM_ACTOR,
    ...(idempotencykey ? { idempotencykey } : {}),
    data,
  });
}

async function appendOne(fabric: AuditFabric, event: NewEvent): Promise<StoredEvent> {
  const [result] = await fabric.log.append([event]);
  return (await fabric.log.getEvent(result!.id))!;
}
