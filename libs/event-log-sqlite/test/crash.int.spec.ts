import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { newKeyMaterial } from '@memfabric/crypto';
import { interaction } from '@memfabric/event-log/testing';
import { SqliteEventLog } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BATCH = 250;
const ACKS_BEFORE_KILL = 12;

describe('embedded log under SIGKILL', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged event, tears no batch and still verifies after the writer is killed mid-ingest', async () => {
    const file = path.join(dir, 'log.db');
    const masterKey = newKeyMaterial();
    const child = spawn(
      process.execPath,
      ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), path.join(here, 'crash-writer.ts'), file, Buffer.from(masterKey).toString('base64'), String(BATCH)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const acked: { batch: number; lastOffset: number }[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const [, batch, offset] = buffer.slice(0, nl).split(' ');
          buffer = buffer.slice(nl + 1);
          acked.push({ batch: Number(batch), lastOffset: Number(offset) });
          // Kill while the writer is in the middle of its next append.
          if (acked.length === ACKS_BEFORE_KILL) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
      child.on('exit', () => (acked.length < ACKS_BEFORE_KILL ? reject(new Error(`writer exited early: ${stderr}`)) : resolve()));
    });
    expect(await exited).toBe('SIGKILL');

    const log = SqliteEventLog.open({ path: file, masterKey });
    try {
      const stored = (await log.end())[0] ?? 0;
      const lastAcked = acked[acked.length - 1]!.lastOffset;
      // every acknowledged event is there (the writer may have committed one more batch unseen)
      expect(stored).toBeGreaterThanOrEqual(lastAcked + 1);
      // nothing torn: batches are atomic
      expect(stored % BATCH).toBe(0);
      const streams = await log.listStreams('crash');
      expect(streams.reduce((n, s) => n + s.events, 0)).toBe(stored);
      // acknowledged content reads back intact
      const page = await log.readAll({ from: { 0: lastAcked }, limit: 1 });
      expect(page.events[0]?.idempotencykey).toBe(`crash:${acked[acked.length - 1]!.batch}:${BATCH - 1}`);
      expect(String(page.events[0]?.data?.content)).toMatch(/^batch \d+ event \d+ x+$/);
      expect(await log.verify()).toMatchObject({ valid: true, events: stored });
      // the log keeps working: the chain continues where it stopped
      const [next] = await log.append([interaction('crash', 's0', 'after the crash')]);
      expect(next!.offset).toBe(stored);
      expect((await log.verify({ tenantid: 'crash', streamid: 's0' })).valid).toBe(true);
    } finally {
      await log.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
