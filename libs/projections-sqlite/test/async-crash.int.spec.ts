import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { interaction } from '@memfabric/event-log/testing';
import { JsonLinesTestStore } from '@memfabric/projections/testing';
import { tempLog } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const EVENTS = 45;
const BATCH = 10;
const CRASH_AFTER = 2;
const GROUP = 'projection:tenant-counts:g1';

/** Runs the worker to its end; resolves with its exit code and signal. */
function runWorker(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), path.join(here, 'async-projection-worker.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('external-store runtime under SIGKILL between the store acknowledgement and the commit', () => {
  const fixture = tempLog();
  afterAll(() => fixture.cleanup());

  it('redelivers the acknowledged batch after a restart, and the store applies every event exactly once', async () => {
    const { log, file, masterKey } = fixture;
    const appended = await log.append(Array.from({ length: EVENTS }, (_, i) => interaction(i % 3 === 0 ? 'crash-a' : 'crash-b', `s${i % 4}`, `turn ${i}`)));
    await log.close();
    const storeFile = path.join(path.dirname(file), 'external-store.jsonl');
    const args = [file, masterKey.toString('base64'), storeFile, String(BATCH)];

    const crashed = await runWorker(args, { MEMFABRIC_TEST_CRASH_AFTER_BATCHES: String(CRASH_AFTER) });
    expect({ signal: crashed.signal, stderr: crashed.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    expect(crashed.stdout.trim().split('\n')).toEqual(['applied 1 10', 'applied 2 10']);

    // the store has both batches, the log's consumer group only the first
    const store = new JsonLinesTestStore(storeFile);
    const afterCrash = store.read();
    expect(afterCrash.effects.map((e) => e.id)).toEqual(appended.slice(0, 2 * BATCH).map((a) => a.id));
    const reopened = SqliteEventLog.open({ path: file, masterKey });
    expect(await reopened.committed(GROUP)).toEqual({ 0: BATCH });
    await reopened.close();
    const crashedBatch = afterCrash.deliveries.slice(BATCH).map((d) => d.id);

    const restarted = await runWorker(args);
    expect({ code: restarted.code, stderr: restarted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(restarted.stdout.trim().split('\n').at(-1)).toBe('done');

    const final = store.read();
    // at-least-once delivery: the batch acknowledged but not committed came again, the others once
    const deliveredTimes = new Map<string, number>();
    for (const d of final.deliveries) deliveredTimes.set(d.id, (deliveredTimes.get(d.id) ?? 0) + 1);
    expect(final.deliveries).toHaveLength(EVENTS + BATCH);
    expect([...deliveredTimes].filter(([, n]) => n === 2).map(([id]) => id)).toEqual(crashedBatch);
    expect([...deliveredTimes.values()].every((n) => n === 1 || n === 2)).toBe(true);
    // exactly-once effect: every event applied once, in log order, and the read model is right
    expect(final.effects.map((e) => e.id)).toEqual(appended.map((a) => a.id));
    expect(final.counts).toEqual({ 'crash-a': 15, 'crash-b': 30 });

    const check = SqliteEventLog.open({ path: file, masterKey });
    expect(await check.committed(GROUP)).toEqual({ 0: EVENTS });
    await check.close();
  });
});
