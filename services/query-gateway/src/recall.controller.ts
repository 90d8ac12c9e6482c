import { Body, Controller, Get, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { auditCaller, type Principal } from '@memfabric/auth';
import { CurrentPrincipal, recallTenant, RequireScope } from '@memfabric/ingest';
import { ValidationError } from '@memfabric/errors';
import { observeRecall } from '@memfabric/telemetry-node';
import type { RecallPreset, RecallRequest, RecallResponse, Recaller } from '@memfabric/recall';
import { RECALLER } from './query-gateway.tokens.js';

/** Header naming the caller when the body does not (recorded in the query log). */
export const CALLER_HEADER = 'x-memfabric-caller';

/**
 * `POST /v1/recall`: one fused recall (see `RecallRequest` / `RecallResponse` in
 * `@memfabric/recall`); `GET /v1/recall/presets`: the presets known by name.
 * Errors: 400 problem+json naming every bad field, 401/403 without a credential granting
 * `memory:read` on the recall's `scope.tenant`, 413 for a body over the limit, 503 when a read
 * model is not ready yet. The query log records the authenticated principal; a `caller` field or
 * `X-Memfabric-Caller` header is appended to it as a label, never substituted.
 */
@Controller('v1/recall')
export class RecallController {
  constructor(@Inject(RECALLER) private readonly recaller: Recaller) {}

  @Post()
  @HttpCode(200)
  @RequireScope('memory:read', { body: recallTenant })
  async recall(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Headers(CALLER_HEADER) caller?: string): Promise<RecallResponse> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationError('invalid recall request', [{ pointer: '', detail: 'the body must be a JSON object (Content-Type: application/json)' }]);
    }
    const request = body as RecallRequest;
    if (request.caller !== undefined && typeof request.caller !== 'string') return this.recaller.recall(request);
    const label = request.caller ?? caller;
    const response = await this.recaller.recall({ ...request, caller: auditCaller(principal, label) });
    observeRecall(response.preset, response.timings);
    return response;
  }

  @Get('presets')
  @RequireScope('memory:read')
  presets(): { presets: readonly RecallPreset[] } {
    return { presets: this.recaller.presets() };
  }
}
