import { Controller, Get, Inject, Param, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { EntityHistory, MemoryHistory } from '@memfabric/audit';
import type { Audit } from '@memfabric/audit-node';
import { AUDIT } from './audit.tokens.js';
import { RequireScope } from '@memfabric/ingest';
import { callerOf, identifier } from './params.js';

/**
 * `GET /v1/tenants/{tenant}/memories/{id}/history` and `GET /v1/tenants/{tenant}/entities/{id}/history`:
 * every event that touched a memory (versions with diffs) or every fact change of an entity.
 * Each read is recorded in the read audit with the caller from `X-Memfabric-Caller`.
 */
@Controller('v1/tenants/:tenant')
@RequireScope('audit:read', { param: 'tenant' })
export class HistoryController {
  constructor(@Inject(AUDIT) private readonly audit: Audit) {}

  @Get('memories/:id/history')
  memory(@Param('tenant') tenant: string, @Param('id') id: string, @Req() req: Request): Promise<MemoryHistory> {
    return this.audit.memoryHistory(identifier(tenant, '/path/tenant'), identifier(id, '/path/id'), { caller: callerOf(req) });
  }

  @Get('entities/:id/history')
  entity(@Param('tenant') tenant: string, @Param('id') id: string, @Req() req: Request): Promise<EntityHistory> {
    return this.audit.entityHistory(identifier(tenant, '/path/tenant'), identifier(id, '/path/id'), { caller: callerOf(req) });
  }
}
