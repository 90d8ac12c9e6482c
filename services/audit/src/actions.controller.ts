import { Body, Controller, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { EmbeddedAudit } from '@memfabric/audit-node';
import { applyRollback, eraseSubject, planRollback, revertRollback } from '@memfabric/audit-node';
import { NotFoundError, ValidationError, type FieldProblem } from '@memfabric/errors';
import type { RollbackFilter } from '@memfabric/projections';
import { hasTenant } from '@memfabric/auth';
import { RequireScope, requirePrincipal } from '@memfabric/ingest';
import { AUDIT } from './audit.tokens.js';
import { callerOf, identifier, single } from './params.js';

/** Answer of `POST /v1/tenants/{tenant}/rollbacks`. */
export interface RollbackResponse {
  readonly dryRun: boolean;
  /** Id of the `rollback.applied` event (revert it with `POST /v1/rollbacks/{id}/revert`); absent on a dry run. */
  readonly rollbackId?: string;
  readonly position?: { readonly partition: number; readonly offset: number };
  readonly filter: RollbackFilter;
  /** Highest log offset covered. */
  readonly uptoposition: number;
  /** Number of memory units that disappear from recall. */
  readonly units: number;
  /** Their ids, in log order. */
  readonly ids: readonly string[];
}

const FILTER_FIELDS = ['tenantid', 'actor', 'streamid', 'from', 'to', 'batchid'] as const;

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('the request body must be a JSON object', [{ pointer: '', detail: 'must be a JSON object' }]);
  return body as Record<string, unknown>;
}

function optionalText(body: Record<string, unknown>, field: string, max: number, problems: FieldProblem[]): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > max) problems.push({ pointer: `/${field}`, detail: `must be a string of at most ${max} characters` });
  return typeof value === 'string' ? value : undefined;
}

function flag(value: unknown, pointer: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new ValidationError(`${pointer} must be true or false`, [{ pointer, detail: 'must be true or false' }]);
}

/**
 * Admin routes over the embedded audit actions: rollback by filter (dry run, apply, revert) and
 * erasure of a data subject. Each appends one event (never deletes) and answers once the
 * projections have caught up.
 */
@Controller('v1')
export class ActionsController {
  constructor(@Inject(AUDIT) private readonly audit: EmbeddedAudit) {}

  /**
   * `POST /v1/tenants/{tenant}/rollbacks[?dryRun=true]` with `{ filter: { actor?, streamid?, from?, to?, batchid? }, reason?, dryRun? }`:
   * lists (dry run, 200) or hides (201) the memory units the filter covers.
   */
  @Post('tenants/:tenant/rollbacks')
  @RequireScope('audit:admin', { param: 'tenant' })
  async rollback(
    @Param('tenant') tenant: string,
    @Query('dryRun') dryRunQuery: unknown,
    @Body() raw: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RollbackResponse> {
    const t = identifier(tenant, '/path/tenant');
    const body = objectBody(raw);
    const problems: FieldProblem[] = [];
    const given = body['filter'] === undefined ? {} : body['filter'];
    if (typeof given !== 'object' || given === null || Array.isArray(given)) problems.push({ pointer: '/filter', detail: 'must be an object' });
    const filter: Record<string, unknown> = { ...(given as Record<string, unknown>) };
    for (const key of Object.keys(filter)) if (!(FILTER_FIELDS as readonly string[]).includes(key)) problems.push({ pointer: `/filter/${key}`, detail: `unknown field; allowed: ${FILTER_FIELDS.join(', ')}` });
    if (filter['tenantid'] !== undefined && filter['tenantid'] !== t) problems.push({ pointer: '/filter/tenantid', detail: `must be the tenant of the path (${t}) or absent` });
    const reason = optionalText(body, 'reason', 2048, problems);
    for (const key of Object.keys(body)) if (!['filter', 'reason', 'dryRun'].includes(key)) problems.push({ pointer: `/${key}`, detail: 'unknown field; allowed: filter, reason, dryRun' });
    if (problems.length > 0) throw new ValidationError(`invalid rollback request: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems);
    const dryRun = flag(single(dryRunQuery, 'dryRun'), '/query/dryRun') ?? flag(body['dryRun'], '/dryRun') ?? false;
    const checked = { ...filter, tenantid: t } as RollbackFilter;
    const fabric = this.audit.fabric;
    if (dryRun) {
      const plan = await planRollback(fabric, checked);
      res.status(200);
      return { dryRun: true, filter: plan.filter, uptoposition: plan.uptoposition, units: plan.units.length, ids: plan.units.map((u) => u.id) };
    }
    const caller = callerOf(req);
    const applied = await applyRollback(fabric, checked, { ...(reason === undefined ? {} : { reason }), actor: caller });
    res.status(201);
    return {
      dryRun: false,
      rollbackId: applied.event.id,
      position: { partition: applied.event.partition, offset: applied.event.offset },
      filter: applied.filter,
      uptoposition: applied.uptoposition,
      units: applied.units.length,
      ids: applied.units.map((u) => u.id),
    };
  }

  /** `POST /v1/rollbacks/{id}/revert` with `{ reason? }`: the units the rollback hid count again. Idempotent. */
  @Post('rollbacks/:id/revert')
  @RequireScope('audit:admin', 'handler')
  @HttpCode(200)
  async revert(@Param('id') id: string, @Body() raw: unknown, @Req() req: Request): Promise<{ rollbackId: string; revertEventId: string; alreadyReverted: boolean }> {
    const rollbackId = identifier(id, '/path/id');
    const target = await this.audit.fabric.log.getEvent(rollbackId);
    if (target && !hasTenant(requirePrincipal(req), target.tenantid)) {
      // another tenant's rollback answers exactly like a missing one
      throw new NotFoundError(`no event has id ${rollbackId}: pass the id of a rollback.applied event`, { context: { rollbackId } });
    }
    const body = objectBody(raw);
    const problems: FieldProblem[] = [];
    const reason = optionalText(body, 'reason', 2048, problems);
    if (problems.length > 0) throw new ValidationError(`invalid revert request: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems);
    const caller = callerOf(req);
    const reverted = await revertRollback(this.audit.fabric, rollbackId, { ...(reason === undefined ? {} : { reason }), actor: caller });
    return { rollbackId: id, revertEventId: reverted.event.id, alreadyReverted: reverted.alreadyReverted };
  }

  /**
   * `POST /v1/tenants/{tenant}/subjects/{subject}/erase` with `{ reason?, requestedBy? }`: destroys
   * the subject's content keys (crypto-shredding), appends `subject.erased` and purges derived data.
   */
  @Post('tenants/:tenant/subjects/:subject/erase')
  @RequireScope('audit:admin', { param: 'tenant' })
  @HttpCode(200)
  async erase(@Param('tenant') tenant: string, @Param('subject') subject: string, @Body() raw: unknown, @Req() req: Request): Promise<{ eventId: string; keysDestroyed: number; units: number | null }> {
    const body = objectBody(raw);
    const problems: FieldProblem[] = [];
    const reason = optionalText(body, 'reason', 2048, problems);
    const requestedBy = optionalText(body, 'requestedBy', 256, problems) ?? callerOf(req);
    if (problems.length > 0) throw new ValidationError(`invalid erasure request: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems);
    const erased = await eraseSubject(this.audit.fabric, identifier(tenant, '/path/tenant'), identifier(subject, '/path/subject'), {
      ...(reason === undefined ? {} : { reason }),
      ...(requestedBy === undefined ? {} : { requestedBy }),
    });
    return { eventId: erased.event.id, keysDestroyed: erased.keysDestroyed, units: erased.units };
  }
}
