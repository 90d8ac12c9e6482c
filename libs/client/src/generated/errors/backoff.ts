// Copied from libs/errors/src/backoff.ts by libs/client/scripts/generate-wire.ts. Do not edit.
/**
 * Delay before retry number `attempt` (0 for the first retry): "full jitter" exponential backoff
 * (M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015) — a uniform random
 * delay in [0, min(maxMs, baseMs × 2^attempt)) — raised to the server's `Retry-After` when it
 * asked for longer, and never above `maxMs`.
 *
 * @param retryAfterMs - the server's `Retry-After` in ms, if any ({@link parseRetryAfter}).
 * @param random - uniform [0, 1) source (default `Math.random`).
 * @returns the delay in ms, in [0, maxMs].
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  const jittered = Math.floor(random() * ceiling);
  return Math.min(maxMs, Math.max(jittered, retryAfterMs ?? 0));
}

/**
 * Parses an HTTP `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * @param now - current time in ms since the epoch (for the date form).
 * @returns the delay in ms (0 for a date in the past), or `undefined` when absent or malformed.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
