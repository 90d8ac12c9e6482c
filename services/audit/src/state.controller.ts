import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationError } from '@memfabric/errors';
import type { PointInTimeState } from '@memfabric/audit';
import type { Audit } from '@memfabric/audit-node';
import { RequireScope } from '@memfabric/ingest';
import { AUDIT } from './audit.tokens.js';
import { callerOf, identifier, optionalInstant, optionalInteger, single } from './params.js';

/**
 * `GET /v1/tenants/{tenant}/state?position=P | at=ISO [&stream=S]`: the memory units and facts as
 * they stood at a log position or transaction time, folded from the log (never the live
 * projections). Recorded in the read audit.
 */
@Controller('v1/tenants/:tenant')
@RequireScope('audit:read', { param: 'tenant' })
export class StateController {
  constructor(@Inject(AUDIT) private readonly audit: Audit) {}

  @Get('state')
  state(
    @Param('tenant') tenant: string,
    @Query('position') position: unknown,
    @Query('at') at: unknown,
    @Query('stream') stream: unknown,
    @Req() req: Request,
  ): Promise<PointInTimeState> {
    const p = optionalInteger(position, 'position', 0, Number.MAX_SAFE_INTEGER);
    const a = optionalInstant(at, 'at');
    if ((p === undefined) === (a === undefined)) {
      throw new ValidationError('give exactly one of the query parameters position (log offset) and at (RFC 3339 transaction time)', [
        { pointer: '/query/position', detail: 'give exactly one of position and at' },
      ]);
    }
    const s = single(stream, 'stream');
    return this.audit.state(
      identifier(tenant, '/path/tenant'),
      { ...(p === undefined ? {} : { position: p }), ...(a === undefined ? {} : { at: a }), ...(s === undefined ? {} : { streamid: identifier(s, '/query/stream') }) },
      { caller: callerOf(req) },
    );
  }
}
