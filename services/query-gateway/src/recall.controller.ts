import { Body, Controller, Get, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ValidationError } from '@memfabric/errors';
import type { RecallPreset, RecallRequest, RecallResponse, Recaller } from '@memfabric/recall';
import { RECALLER } from './query-gateway.tokens.js';

/** Header naming the caller when the body does not (recorded in the query log). */
export const CALLER_HEADER = 'x-memfabric-caller';

/**
 * `POST /v1/recall`: one fused recall (see `RecallRequest` / `RecallResponse` in
 * `@memfabric/recall`); `GET /v1/recall/presets`: the presets known by name.
 * Errors: 400 problem+json naming every bad field, 413 for a body over the limit, 503 when a
 * read model is not ready yet.
 */
@Controller('v1/recall')
export class RecallController {
  constructor(@Inject(RECALLER) private readonly recaller: Recaller) {}

  @Post()
  @HttpCode(200)
  recall(@Body() body: unknown, @Headers(CALLER_HEADER) caller?: string): Promise<RecallResponse> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationError('invalid recall request', [{ pointer: '', detail: 'the body must be a JSON object (Content-Type: application/json)' }]);
    }
    const request = body as RecallRequest;
    return this.recaller.recall(request.caller === undefined && caller ? { ...request, caller } : request);
  }

  @Get('presets')
  presets(): { presets: readonly RecallPreset[] } {
    return { presets: this.recaller.presets() };
  }
}
