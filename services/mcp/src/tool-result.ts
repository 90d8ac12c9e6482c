import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MemfabricApiError } from '@memfabric/client';
import { MemfabricError, ValidationError, type FieldProblem } from '@memfabric/errors';
import type { TenantPolicy } from './mcp.config.js';

/** A tool's successful answer: a readable text and the same data as structured content. */
export function toolResult(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

function problemLines(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `\n- ${p.pointer}: ${p.detail}`).join('');
}

/**
 * Renders any failure of a tool call as an MCP tool error (`isError: true`), so the model sees
 * what went wrong and the server keeps running:
 * - `MemfabricApiError`: the REST API's problem details (status, title, detail, every bad
 *   field) followed by the problem as JSON;
 * - other memfabric errors (a local `ValidationError`, an `UnavailableError` when the fabric is
 *   unreachable, ...): their message, code, whether retrying may help, and field problems;
 * - anything else: its message as an internal error.
 *
 * No structured content is attached: a client validates structured content against the tool's
 * output schema, which describes success only.
 */
export function toolError(error: unknown): CallToolResult {
  let text: string;
  if (MemfabricApiError.isApiError(error)) {
    const retry = error.retriable ? ' Retrying later may succeed.' : '';
    text = `memfabric answered ${error.status} ${error.title}${error.detail === undefined ? '' : `: ${error.detail}`} (code ${error.problemCode}).${retry}${problemLines(error.problems)}`;
    return { isError: true, content: [{ type: 'text', text }, { type: 'text', text: JSON.stringify({ problem: error.problem }) }] };
  }
  if (MemfabricError.is(error)) {
    const problems = (error as { problems?: unknown }).problems;
    const fields = Array.isArray(problems) ? problemLines(problems as FieldProblem[]) : '';
    const retry = error.retriable ? ' Retrying later may succeed.' : '';
    text = `${error.message} (code ${error.code}).${retry}${fields}`;
    return { isError: true, content: [{ type: 'text', text }] };
  }
  text = `internal error: ${error instanceof Error ? error.message : String(error)}`;
  return { isError: true, content: [{ type: 'text', text }] };
}

/**
 * The tenant a call acts on under the server's {@link TenantPolicy}.
 * @param requested - the call's `tenant` argument, if the tool offered one.
 * @throws ValidationError (pointer `/tenant`) when a call must name a tenant and did not, or
 *   names another tenant than a fixed one.
 */
export function resolveTenant(policy: TenantPolicy, requested: string | undefined): string {
  switch (policy.mode) {
    case 'fixed':
      if (requested !== undefined && requested !== policy.tenant) {
        throw new ValidationError(`this server is bound to tenant ${policy.tenant}; it may not act on ${requested}`, [
          { pointer: '/tenant', detail: `must be ${policy.tenant} or absent` },
        ]);
      }
      return policy.tenant;
    case 'default':
      return requested ?? policy.tenant;
    case 'per-call':
      if (requested === undefined) throw new ValidationError('tenant is required: this server has no default tenant', [{ pointer: '/tenant', detail: 'is required' }]);
      return requested;
  }
}

/**
 * Runs a tool handler and turns every failure into a tool error ({@link toolError}); a handler
 * never rejects, so one failing call can never take the server down.
 */
export async function safely(handler: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await handler();
  } catch (error) {
    return toolError(error);
  }
}
