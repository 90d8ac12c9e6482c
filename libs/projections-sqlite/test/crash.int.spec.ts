import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '@memfabric/event-log-sqlite';
import { interaction } from '@memfabric/event-log/testing';
import { memoryUnitsProjection, SqliteMemoryUnitStore, SqliteProjectionRuntime } from '../src/index.js';
import { counted, countingProjection, tempLog } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const EVENTS = 12_000;
const BATCH = 50;
const COMMITS_BEFORE_KILL = 20;

describe('projection runtime under SIGKILL', () => {
  const fixture = tempLog();
  afterAll(() => fixture.cleanup());

  it('loses and doubles nothing when the projecting process is killed mid-batch', async () => {
    const { log, file, masterKey } = fixture;
    for (let i = 0; i < EVENTS; i += 1000) {
      await log.append(Array.from({ length: 1000 }, (_, j) => interaction('crash', `s${(i + j) % 5}`, `turn ${i + j}`)));
    }
    await log.close();

    const child = spawn(
      process.execPath,
      ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), path.join(here, 'projection-worker.ts'), file, masterKey.toString('base64'), String(BATCH)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const acknowledged = { counting: 0, lines: 0 };
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const [word, projection, processed] = buffer.slice(0, nl).split(' ');
          buffer = buffer.slice(nl + 1);
          if (word !== 'committed') continue;
          acknowledged.lines += 1;
          if (projection === 'counting') acknowledged.counting = Number(processed);
          if (acknowledged.lines === COMMITS_BEFORE_KILL) {
            child.kill('SIGKILL'); // lands while the next batch is being read, applied or committed
            resolve();
          }
        }
      });
      child.on('exit', () => (acknowledged.lines < COMMITS_BEFORE_KILL ? reject(new Error(`worker exited early: ${stderr}`)) : resolve()));
    });
    expect(await exited).toBe('SIGKILL');

    const reopened = SqliteEventLog.open({ path: file, masterKey });
    try {
      const runtime = SqliteProjectionRuntime.open({ log: reopened, db: reopened.db, handlers: [countingProjection(), memoryUnitsProjection()], batchSize: 500 });
      const checkpoint = (await runtime.status())[0]!.checkpoint[0] ?? 0;
      expect(checkpoint).toBeGreaterThanOrEqual(acknowledged.counting);
      expect(checkpoint).toBeLessThan(EVENTS);
      // what is committed is exactly what the checkpoint says: no half batch
      expect(counted(reopened.db, 'applied_counting_g1')).toEqual({ rows: checkpoint, distinct: checkpoint });

      await runtime.runUntilCaughtUp();
      expect(counted(reopened.db, 'applied_counting_g1')).toEqual({ rows: EVENTS, distinct: EVENTS });
      expect(await new SqliteMemoryUnitStore(reopened.db).countUnits('crash')).toMatchObject({ total: EVENTS, active: EVENTS });
      expect((await runtime.status()).map((s) => [s.lag, s.deadLetters])).toEqual([[0, 0], [0, 0]]);
    } finally {
      await reopened.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
