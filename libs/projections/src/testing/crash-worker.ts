import type { EventLog } from '@memfabric/event-log';
import { AsyncProjectionRuntime } from '../projection/async.projection-runtime.js';
import { jsonLinesCountingProjection, JsonLinesTestStore } from './jsonl-store.js';

/**
 * Body of a crash-test child process: runs the external-store runtime over `log` into a
 * JSON-lines test store until caught up, printing `applied <n> <events>` on stdout when the
 * store acknowledged each batch, then `done`, and closes the log. With
 * `MEMFABRIC_TEST_CRASH_AFTER_BATCHES=N` it kills its own process (SIGKILL) after the store
 * acknowledged the N-th batch and before the consumer group commits it.
 * @param options.batchSize - events per batch; `pollIntervalMs` - the runtime's poll interval (ms).
 */
export async function runCrashingProjection(
  log: EventLog,
  options: { readonly storeFile: string; readonly batchSize: number; readonly pollIntervalMs: number },
): Promise<void> {
  const crashAfter = Number(process.env.MEMFABRIC_TEST_CRASH_AFTER_BATCHES ?? 0);
  const store = new JsonLinesTestStore(options.storeFile);
  let applied = 0;
  const runtime = await AsyncProjectionRuntime.open({
    log,
    handlers: [jsonLinesCountingProjection(store)],
    batchSize: options.batchSize,
    pollIntervalMs: options.pollIntervalMs,
    onApplied: (batch) => {
      applied += 1;
      process.stdout.write(`applied ${applied} ${batch.events.length}\n`);
      if (applied === crashAfter) process.kill(process.pid, 'SIGKILL');
    },
  });
  await runtime.runUntilCaughtUp();
  await log.close();
  process.stdout.write('done\n');
}
