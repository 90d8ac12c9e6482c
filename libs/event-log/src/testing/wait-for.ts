/**
 * Polls `probe` until it returns a value other than `undefined`/`false`, instead of sleeping a
 * fixed time in tests.
 * @param timeoutMs - give up after this many milliseconds (default 10 000).
 * @throws Error naming `what` when the timeout passes.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
