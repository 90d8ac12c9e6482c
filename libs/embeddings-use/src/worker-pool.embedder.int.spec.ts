import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MemfabricError, type ValidationError } from '@memfabric/errors';
import { HashEmbedder } from '@memfabric/embeddings';
import { embedderContract } from '@memfabric/embeddings/testing';
import { WorkerPoolEmbedder, type WorkerPoolEmbedderOptions } from './index.js';
import { WORKER_EMBEDDERS } from '../test/worker-embedders.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const hash = new HashEmbedder();
const pools: WorkerPoolEmbedder[] = [];
/** A pool over the test factories (closed after the file). */
function pool(options: Partial<WorkerPoolEmbedderOptions> = {}): WorkerPoolEmbedder {
  const created = new WorkerPoolEmbedder({
    workers: 2,
    module: WORKER_EMBEDDERS,
    export: 'createHashEmbedder',
    modelId: hash.modelId,
    dimensions: hash.dimensions,
    minTaskTexts: 4,
    ...options,
  });
  pools.push(created);
  return created;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});
const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const texts = Array.from({ length: 40 }, (_, i) => `${'word '.repeat(1 + (i % 7))}number ${i}`);

embedderContract('WorkerPoolEmbedder (HashEmbedder in 2 workers)', () => Promise.resolve({ embedder: pool(), teardown: () => Promise.resolve() }), { semantic: false });

describe('WorkerPoolEmbedder', () => {
  it('gives the in-thread embedder’s bytes, in input order, with the call split over both workers', async () => {
    const p = pool();
    const vectors = await p.embed(texts);
    const expected = await hash.embed(texts);
    expect(vectors.map(bytes)).toEqual(expected.map(bytes));
    expect(p.running).toBe(2);
    // which worker served which text: the faulty factory answers `thread` texts with its threadId
    const faulty = pool({ export: 'createFaultyEmbedder' });
    await faulty.start();
    const served = await faulty.embed(Array.from({ length: 16 }, (_, i) => `thread ${'x'.repeat(i)}`));
    expect(new Set(served.map((v) => v[0])).size).toBe(2);
  });

  it('answers concurrent calls each in its own order', async () => {
    const p = pool();
    const a = texts.slice(0, 20);
    const b = texts.slice(20).reverse();
    const [va, vb] = await Promise.all([p.embed(a), p.embed(b)]);
    expect(va.map(bytes)).toEqual((await hash.embed(a)).map(bytes));
    expect(vb.map(bytes)).toEqual((await hash.embed(b)).map(bytes));
  });

  it('rebuilds a worker’s error with its code and message, and keeps the worker’s stack as the cause', async () => {
    const p = pool({ export: 'createFaultyEmbedder' });
    const unavailable = await p.embed(['fine', 'boom here']).catch((e: unknown) => e);
    expect(MemfabricError.is(unavailable) && unavailable.code).toBe('unavailable');
    expect((unavailable as Error).message).toMatch(/^embedding worker \d\/2 \(hash-256[^)]*\): the model broke on boom$/);
    expect(((unavailable as Error).cause as Error).stack).toContain('worker-embedders.ts');
    expect((unavailable as MemfabricError).retriable).toBe(true);

    const invalid = await p.embed(['invalid one']).catch((e: unknown) => e);
    expect(MemfabricError.is(invalid) && invalid.code).toBe('validation_failed');
    expect((invalid as ValidationError).problems).toEqual([{ pointer: '/0', detail: 'marked invalid' }]);
    // the pool still serves afterwards
    expect(await p.embed(['fine'])).toHaveLength(1);
  });

  it('checks the texts of the whole call before any work', async () => {
    const p = pool();
    const error = await p.embed(['ok', ' ', 'fine']).catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('validation_failed');
    expect((error as ValidationError).problems[0]!.pointer).toBe('/1');
    expect(p.running).toBe(0);
  });

  it('fails the task of a worker that dies as retriable, and replaces the worker', async () => {
    const p = pool({ workers: 1, export: 'createFaultyEmbedder' });
    const error = await p.embed(['crash now']).catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('unavailable');
    expect((error as Error).message).toMatch(/embedding worker 1\/1 .* stopped while embedding 1 texts: exit code 3/);
    expect((await p.embed(['served by a new worker']))[0]).toEqual((await hash.embed(['served by a new worker']))[0]);
  });

  it('refuses a factory that cannot build, and one whose model is not the declared one', async () => {
    const broken = pool({ export: 'createBrokenFactory' });
    const error = await broken.start().catch((e: unknown) => e);
    expect(MemfabricError.is(error) && error.code).toBe('unavailable');
    expect((error as Error).message).toMatch(/could not start: weights not found at \/nowhere/);
    await expect(broken.embed(['x'])).rejects.toThrow(/weights not found/);

    const missing = pool({ export: 'noSuchExport' });
    await expect(missing.start()).rejects.toThrow(/has no function export "noSuchExport"/);

    const other = pool({ modelId: 'use-lite-512@x' });
    const mismatch = await other.start().catch((e: unknown) => e);
    expect(MemfabricError.is(mismatch) && mismatch.code).toBe('configuration_invalid');
    expect((mismatch as Error).message).toMatch(/is hash-256.*expected use-lite-512@x/);
  });

  it('checks its options', () => {
    expect(() => pool({ workers: 0 })).toThrow(/workers must be an integer in 1\.\.64/);
    expect(() => pool({ module: 'not a url' })).toThrow(/module must be a URL/);
  });

  it('close terminates the workers, fails the tasks in flight and later calls', async () => {
    const p = pool();
    await p.start();
    expect(p.running).toBe(2);
    const inFlight = p.embed(texts).catch((e: unknown) => e);
    await p.close();
    expect(String(await inFlight)).toMatch(/WorkerPoolEmbedder is closed/);
    expect(p.running).toBe(0);
    await expect(p.embed(['x'])).rejects.toThrow(/WorkerPoolEmbedder is closed/);
    await p.close(); // idempotent
  });

  it('lets the process exit with idle workers, closed or not', async () => {
    const run = (close: boolean) =>
      promisify(execFile)(process.execPath, ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), path.join(here, '../test/pool-child.ts'), close ? 'close' : 'leave'], {
        timeout: 60_000,
      });
    const [closed, left] = await Promise.all([run(true), run(false)]);
    expect(closed.stdout.trim()).toBe('embedded 3, running 0');
    expect(left.stdout.trim()).toBe('embedded 3, running 2');
  }, 90_000);
});
