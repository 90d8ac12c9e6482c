import { ConfigurationError, UnavailableError } from '@memfabric/errors';

/**
 * Splits `items` into consecutive batches of at most `maxBatch` items, runs `run` on them with
 * at most `concurrency` batches in flight, and concatenates the results in input order.
 *
 * On the first failure no further batch is started; the batches already in flight are awaited
 * (so nothing keeps running after the promise settles) and the first error is rethrown.
 *
 * @param run - called with a batch and the index of its first item; must return one result per item.
 * @returns one result per item, in input order (`[]` for no items, without calling `run`).
 * @throws whatever `run` throws; UnavailableError when `run` returns the wrong number of results.
 */
export async function mapInBatches<T, R>(
  items: readonly T[],
  maxBatch: number,
  concurrency: number,
  run: (batch: readonly T[], start: number) => Promise<readonly R[]>,
): Promise<R[]> {
  if (items.length === 0) return [];
  const starts: number[] = [];
  for (let start = 0; start < items.length; start += maxBatch) starts.push(start);
  const results: (readonly R[])[] = new Array<readonly R[]>(starts.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < starts.length) {
      const index = next++;
      const start = starts[index]!;
      const batch = items.slice(start, start + maxBatch);
      try {
        const out = await run(batch, start);
        if (out.length !== batch.length) {
          throw new UnavailableError(`batch at ${start} returned ${out.length} results for ${batch.length} items`, { context: { start, expected: batch.length } });
        }
        results[index] = out;
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, starts.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results.flat<(readonly R[])[]>();
}

/**
 * Checks a batch size and a concurrency for a batching component.
 * @throws ConfigurationError naming `owner` and the bad value.
 */
export function checkBatchLimits(owner: string, maxBatch: number, concurrency: number, maxAllowedBatch = 100_000): void {
  const problems: string[] = [];
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > maxAllowedBatch) problems.push(`maxBatch must be an integer in 1..${maxAllowedBatch} (got ${maxBatch})`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) problems.push(`concurrency must be an integer in 1..64 (got ${concurrency})`);
  if (problems.length > 0) throw new ConfigurationError(`${owner}: ${problems.join('; ')}`, { context: { problems } });
}
