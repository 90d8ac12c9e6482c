import { Body, Controller, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Audit } from '@memfabric/audit-node';
import { applyRollback, eraseSubject, planRollback, revertRollback } from '@memfabric/audit-node';
import { countErasure, countRollback } from '@memfabric/telemetry-node';
import { NotFoundError, ValidationError, type FieldProblem } from '@memfabric/errors';
import { checkApiBody, type ApiBodies, type ApiBodyName } from '@memfabric/events';
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
  /** Highest offset covered, in the partition of the tenant's events. */
  readonly uptoposition: number;
  /** Number of memory units that disappear from recall. */
  readonly units: number;
  /** Their ids, in log order. */
  readonly ids: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The JSON body of an audit POST route checked against its wire contract, the `name` schema
 * of `schemas/api` (`checkApiBody`: types, lengths, unknown fields refused), as the recall
 * route checks its body; no body at all reads as `{}` (every audit body is optional).
 * @param more - what the schema cannot state, given the body as sent (not yet valid); its
 *   problems follow the schema's, one per field.
 * @throws ValidationError (400 problem+json) naming every bad field by JSON pointer; its
 *   message is `invalid <what>: <first pointer> <its rule>`.
 */
function parseBody<N extends ApiBodyName>(name: N, raw: unknown, what: string, more: (body: Record<string, unknown>) => FieldProblem[] = () => []): ApiBodies[N] {
  const body: unknown = raw ?? {};
  const problems = checkApiBody(name, body);
  if (isRecord(body)) for (const problem of more(body)) if (!problems.some((p) => p.pointer === problem.pointer)) problems.push(problem);
  if (problems.length > 0) throw new ValidationError(`invalid ${what}: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems);
  return body as ApiBodies[N];
}

/** A `true`/`false` (or `1`/`0`) query flag. @throws ValidationError otherwise. */
function flag(value: string | undefined, pointer: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ValidationError(`${pointer} must be true or false`, [{ pointer, detail: 'must be true or false' }]);
}

/**
 * Admin routes over the audit actions: rollback by filter (dry run, apply, revert) and erasure
 * of a data subject. Each appends one event (never deletes) and answers once the read models
 * have caught up. Bodies are checked against their `schemas/api` contract (`RollbackRequest`,
 * `RollbackRevertRequest`, `ErasureRequest`): a wrong type (`"dryRun": "true"`) or an unknown
 * field answers 400.
 */
@Controller('v1')
export class ActionsController {
  constructor(@Inject(AUDIT) private readonly audit: Audit) {}

  /**
   * `POST /v1/tenants/{tenant}/rollbacks[?dryRun=true]` with `{ filter: { actor?, streamid?, from?, to?, batchid? }, reason?, dryRun? }`:
   * lists (dry run, 200) or hides (201) the memory units the filter covers. The query's
   * `dryRun` wins over the body's.
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
    const body = parseBody('RollbackRequest', raw, 'rollback request', (b) =>
      isRecord(b['filter']) && b['filter']['tenantid'] !== undefined && b['filter']['tenantid'] !== t
        ? [{ pointer: '/filter/tenantid', detail: `must be the tenant of the path (${t}) or absent` }]
        : [],
    );
    const dryRun = flag(single(dryRunQuery, 'dryRun'), '/query/dryRun') ?? body.dryRun ?? false;
    const reason = body.reason;
    const filter = body.filter ?? {};
    const checked: RollbackFilter = { ...filter, tenantid: t };
    const fabric = this.audit.fabric;
    if (dryRun) {
      const plan = await planRollback(fabric, checked);
      res.status(200);
      return { dryRun: true, filter: plan.filter, uptoposition: plan.uptoposition, units: plan.units.length, ids: plan.units.map((u) => u.id) };
    }
    const caller = callerOf(req);
    const applied = await applyRollback(fabric, checked, { ...(reason === undefined ? {} : { reason }), actor: caller });
    countRollback('applied');
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
    const { reason } = parseBody('RollbackRevertRequest', raw, 'revert request');
    const caller = callerOf(req);
    const reverted = await revertRollback(this.audit.fabric, rollbackId, { ...(reason === undefined ? {} : { reason }), actor: caller });
    if (!reverted.alreadyReverted) countRollback('reverted');
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
    const body = parseBody('ErasureRequest', raw, 'erasure request');
    const reason = body.reason;
    const requestedBy = body.requestedBy ?? callerOf(req);
    const erased = await eraseSubject(this.audit.fabric, identifier(tenant, '/path/tenant'), identifier(subject, '/path/subject'), {
      ...(reason === undefined ? {} : { reason }),
      ...(requestedBy === undefined ? {} : { requestedBy }),
    });
    countErasure();
    return { eventId: erased.event.id, keysDestroyed: erased.keysDestroyed, units: erased.units };
  }
}
