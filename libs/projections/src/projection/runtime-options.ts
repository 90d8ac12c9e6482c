import { assertProjectionName } from './naming.js';

/** Defaults both runtimes share: events per batch, and poll / retry intervals in ms. */
export const RUNTIME_DEFAULTS = { batchSize: 500, pollIntervalMs: 50, retryInitialMs: 100, retryMaxMs: 5_000 } as const;

/** The options every projection runtime validates the same way. */
export interface CommonRuntimeOptions {
  readonly handlers: readonly { readonly name: string; readonly version: number; readonly kind: string }[];
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

/**
 * Problems of the options both runtimes share, one readable line each: handler names (valid,
 * unique), versions (positive integers), kinds, the `methods` each handler must have, the batch
 * size (1-10 000) and the intervals (ms, retryMaxMs ≥ retryInitialMs).
 * @returns an empty array when the options are valid.
 */
export function runtimeOptionProblems(options: CommonRuntimeOptions, methods: readonly string[]): string[] {
  const problems: string[] = [];
  if (!Array.isArray(options.handlers) || options.handlers.length === 0) problems.push('handlers must list at least one projection handler');
  const seen = new Set<string>();
  for (const [i, h] of (options.handlers ?? []).entries()) {
    try {
      assertProjectionName(h.name);
    } catch (error) {
      problems.push(`handlers[${i}]: ${(error as Error).message}`);
    }
    if (seen.has(h.name)) problems.push(`handlers[${i}]: projection name "${h.name}" is registered twice`);
    seen.add(h.name);
    if (!Number.isSafeInteger(h.version) || h.version < 1) problems.push(`handlers[${i}] ("${h.name}"): version must be a positive integer, got ${String(h.version)}`);
    if (h.kind !== 'read-model' && h.kind !== 'processor') problems.push(`handlers[${i}] ("${h.name}"): kind must be 'read-model' or 'processor', got ${String(h.kind)}`);
    for (const fn of methods) {
      if (typeof (h as unknown as Record<string, unknown>)[fn] !== 'function') problems.push(`handlers[${i}] ("${h.name}"): ${fn} must be a function`);
    }
  }
  const int = (value: number | undefined, field: string, min: number, max: number) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min || value > max)) {
      problems.push(`${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
    }
  };
  int(options.batchSize, 'batchSize', 1, 10_000);
  int(options.pollIntervalMs, 'pollIntervalMs (ms)', 1, 60_000);
  int(options.retryInitialMs, 'retryInitialMs (ms)', 1, 600_000);
  int(options.retryMaxMs, 'retryMaxMs (ms)', 1, 3_600_000);
  if ((options.retryMaxMs ?? RUNTIME_DEFAULTS.retryMaxMs) < (options.retryInitialMs ?? RUNTIME_DEFAULTS.retryInitialMs)) {
    problems.push('retryMaxMs must be at least retryInitialMs');
  }
  return problems;
}
