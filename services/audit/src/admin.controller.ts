import path from 'node:path';
import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import type { QueryLogRow } from '@memfabric/analytics';
import type { ExportManifest, SignedCheckpoint } from '@memfabric/audit';
import type { Audit, LiveVerification } from '@memfabric/audit-node';
import { RequireScope } from '@memfabric/ingest';
import type { AuditConfig } from './audit.config.js';
import { AUDIT, AUDIT_CONFIG } from './audit.tokens.js';
import { identifier, optionalInstant, optionalInteger } from './params.js';

/** Answer of `POST /v1/tenants/{tenant}/export`. */
export interface ExportResponse {
  /** Directory the bundle was written to (on the server). */
  readonly dir: string;
  readonly manifest: ExportManifest;
  /** Key id and public key auditors verify with. */
  readonly keyId: string;
  readonly publicKeyPem: string;
}

/**
 * The read audit and the live tamper check (`audit:read`), signed checkpoints and export
 * bundles (`audit:admin`), each for a tenant granted to the caller.
 */
@Controller('v1/tenants/:tenant')
export class AdminController {
  constructor(
    @Inject(AUDIT) private readonly audit: Audit,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
  ) {}

  /** `GET /v1/tenants/{tenant}/reads?since=&limit=`: recalls and audited reads, oldest first. */
  @Get('reads')
  @RequireScope('audit:read', { param: 'tenant' })
  async reads(@Param('tenant') tenant: string, @Query('since') since: unknown, @Query('limit') limit: unknown): Promise<{ reads: QueryLogRow[] }> {
    const s = optionalInstant(since, 'since');
    const l = optionalInteger(limit, 'limit', 1, 10_000);
    return { reads: await this.audit.reads(identifier(tenant, '/path/tenant'), { ...(s === undefined ? {} : { since: s }), ...(l === undefined ? {} : { limit: l }) }) };
  }

  /** `POST /v1/tenants/{tenant}/checkpoints`: take a signed checkpoint of the tenant's chain heads now. */
  @Post('checkpoints')
  @RequireScope('audit:admin', { param: 'tenant' })
  @HttpCode(201)
  async checkpoint(@Param('tenant') tenant: string): Promise<{ checkpoints: SignedCheckpoint[] }> {
    return { checkpoints: await this.audit.checkpoint(identifier(tenant, '/path/tenant')) };
  }

  /** `GET /v1/tenants/{tenant}/verify`: recompute the tenant's chains and check its signed checkpoints. */
  @Get('verify')
  @RequireScope('audit:read', { param: 'tenant' })
  verify(@Param('tenant') tenant: string): Promise<LiveVerification> {
    return this.audit.verifyLive(identifier(tenant, '/path/tenant'));
  }

  /** `POST /v1/tenants/{tenant}/export`: write a signed export bundle under the configured export directory. */
  @Post('export')
  @RequireScope('audit:admin', { param: 'tenant' })
  @HttpCode(201)
  async export(@Param('tenant') tenant: string): Promise<ExportResponse> {
    const t = identifier(tenant, '/path/tenant');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const dir = path.join(this.config.exportDir, `${encodeURIComponent(t)}-${stamp}`);
    const result = await this.audit.export(t, dir);
    return { dir: result.dir, manifest: result.manifest, keyId: this.audit.signer.keyId, publicKeyPem: this.audit.signer.publicKeyPem };
  }
}
