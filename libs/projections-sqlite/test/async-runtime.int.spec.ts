import { afterEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '@memfabric/errors';
import { lag } from '@memfabric/event-log';
import { interaction, uniqueTenant, waitFor } from '@memfabric/event-log/testing';
import type { NewEvent, StoredEvent } from '@memfabric/events';
import { AsyncProjectionRuntime, InMemoryGenerationStore, type AsyncProjectionHandler, type RunProgress } from '@memfabric/projections';
import { SqliteDeadLetterStore } from '../src/index.js';
import { tempLog } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function fixture() {
  const made = tempLog();
  cleanups.push(made.cleanup);
  return made;
}

async function opened(options: Parameters<typeof AsyncProjectionRuntime.open>[0]): Promise<AsyncProjectionRuntime> {
  const runtime = await AsyncProjectionRuntime.open(options);
  cleanups.push(() => runtime.stop());
  return runtime;
}

function conversation(tenant: string, n: number, from = 0): NewEvent[] {
  return Array.from({ length: n }, (_, i) => interaction(tenant, `s${(from + i) % 3}`, `turn ${from + i}`));
}

/** Options of {@link externalProjection}. */
interface ExternalOptions {
  readonly name?: string;
  readonly version?: number;
  /** Called before each apply; an error it returns is thrown. */
  readonly failure?: (events: readonly StoredEvent[]) => Error | undefined;
  /** Events apply refuses with `context.reject`. */
  readonly refuse?: (event: StoredEvent) => boolean;
  /** Events prepare fails on (non-retriable). */
  readonly prepareFails?: (event: StoredEvent) => boolean;
}

/**
 * An external store in memory with idempotent writes keyed on (generation, event id): the
 * delivery log shows every attempt, `rows` the effect.
 */
function externalProjection(options: ExternalOptions = {}) {
  const rows = new Map<string, { id: string; offset: number; prepared?: string }>();
  const deliveries: string[] = [];
  const schemas = { created: [] as number[], dropped: [] as number[] };
  const handler: AsyncProjectionHandler<Map<string, string> | undefined> = {
    name: options.name ?? 'external',
    version: options.version ?? 1,
    kind: 'read-model',
    createSchema(generation) {
      schemas.created.push(generation);
      return Promise.resolve();
    },
    dropSchema(generation) {
      schemas.dropped.push(generation);
      for (const key of [...rows.keys()]) if (key.startsWith(`${generation}/`)) rows.delete(key);
      return Promise.resolve();
    },
    ...(options.prepareFails
      ? {
          async prepare(events: readonly StoredEvent[]) {
            await Promise.resolve();
            const out = new Map<string, string>();
            for (const e of events) {
              if (options.prepareFails!(e)) throw new Error(`cannot prepare ${e.id}`);
              out.set(e.id, `prepared:${e.offset}`);
            }
            return out;
          },
        }
      : {}),
    async apply(events, context) {
      await Promise.resolve();
      const error = options.failure?.(events);
      if (error) throw error;
      for (const e of events) {
        deliveries.push(e.id);
        if (options.refuse?.(e)) {
          context.reject(e, 'refused by the rules');
          continue;
        }
        const prepared = context.prepared?.get(e.id);
        rows.set(`${context.generation}/${e.id}`, { id: e.id, offset: e.offset, ...(prepared ? { prepared } : {}) });
      }
    },
  };
  const rowsOf = (generation: number) => [...rows.entries()].filter(([k]) => k.startsWith(`${generation}/`)).map(([, v]) => v);
  return { handler, rows, rowsOf, deliveries, schemas };
}

describe('external-store runtime: delivery through the consumer group', () => {
  it('applies every event once and commits the group in the log only after the store acknowledged', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const store = externalProjection();
    const committedAtApply: number[] = [];
    const runtime = await opened({
      log,
      handlers: [store.handler],
      batchSize: 4,
      pollIntervalMs: 5,
      onApplied: async (batch) => {
        // the batch is in the store, its checkpoint not yet committed
        committedAtApply.push((await log.committed(batch.group))[0] ?? 0);
        expect(batch.events.every((e) => store.rows.has(`1/${e.id}`))).toBe(true);
      },
    });
    const appended = await log.append(conversation(t, 10));
    expect(await runtime.reached('external', { 0: 10 })).toBe(false);

    const progress: RunProgress[] = [];
    const report = await runtime.runUntilCaughtUp((p) => progress.push(p));
    expect(report).toMatchObject({ processed: 10, deadLettered: 0, switched: [] });
    expect(progress.at(-1)).toEqual({ projection: 'external', generation: 1, processed: 10, total: 10 });
    expect(committedAtApply).toEqual([0, 4, 8]);
    expect(store.rowsOf(1).map((r) => r.id)).toEqual(appended.map((a) => a.id));
    expect(await log.committed('projection:external:g1')).toEqual({ 0: 10 });
    expect(await runtime.reached('external', { 0: 10 })).toBe(true);
    expect(await runtime.status()).toEqual([
      { name: 'external', kind: 'read-model', version: 1, activeGeneration: 1, checkpoint: { 0: 10 }, lag: 0, deadLetters: 0, frozen: false, end: { 0: 10 } },
    ]);
    expect(runtime.kindOf('external')).toBe('read-model');

    await log.append(conversation(t, 3, 10));
    expect((await runtime.status())[0]).toMatchObject({ lag: 3 });
    expect((await runtime.runUntilCaughtUp()).processed).toBe(3);
    expect(store.deliveries).toHaveLength(13);
  });

  it('a retriable failure commits nothing, is rethrown and shown; the next run redelivers with no second effect', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    let calls = 0;
    const store = externalProjection({
      failure: () => {
        calls += 1;
        return calls === 3 ? new UnavailableError('store down') : undefined;
      },
    });
    const runtime = await opened({ log, handlers: [store.handler], batchSize: 5, pollIntervalMs: 5 });
    await log.append(conversation(t, 12));
    await expect(runtime.runUntilCaughtUp()).rejects.toMatchObject({ code: 'unavailable' });
    expect(await log.committed('projection:external:g1')).toEqual({ 0: 10 });
    expect((await runtime.status())[0]).toMatchObject({ checkpoint: { 0: 10 }, lag: 2, lastError: { code: 'unavailable', message: 'store down' } });

    const report = await runtime.runUntilCaughtUp();
    expect(report.processed).toBe(2);
    expect(store.rowsOf(1)).toHaveLength(12);
    expect((await runtime.status())[0]!.lastError).toBeUndefined();
  });

  it('isolates a poison event: applied one by one, the poison one dead-lettered, the others kept', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const deadLetters = new SqliteDeadLetterStore(log.db);
    const store = externalProjection({
      failure: (events) => (events.some((e) => e.data?.content === 'poison') ? new Error('cannot index this one') : undefined),
      refuse: (e) => e.data?.content === 'refused',
    });
    const runtime = await opened({ log, handlers: [store.handler], deadLetters, batchSize: 10, clock: () => new Date('2024-06-01T12:00:00.000Z') });
    const appended = await log.append([
      ...conversation(t, 3),
      interaction(t, 's0', 'poison'),
      interaction(t, 's1', 'refused'),
      ...conversation(t, 3, 3),
    ]);
    const report = await runtime.runUntilCaughtUp();
    expect(report).toMatchObject({ processed: 8, deadLettered: 2 });
    expect(store.rowsOf(1).map((r) => r.id).sort()).toEqual(appended.filter((_, i) => i !== 3 && i !== 4).map((a) => a.id).sort());
    expect(await runtime.deadLetters('external')).toEqual([
      { projection: 'external', generation: 1, eventId: appended[3]!.id, eventType: 'interaction.recorded', partition: 0, offset: 3, reason: 'Error: cannot index this one', recordedAt: '2024-06-01T12:00:00.000Z' },
      { projection: 'external', generation: 1, eventId: appended[4]!.id, eventType: 'interaction.recorded', partition: 0, offset: 4, reason: 'refused by the rules', recordedAt: '2024-06-01T12:00:00.000Z' },
    ]);
    expect((await runtime.status())[0]).toMatchObject({ lag: 0, deadLetters: 2 });
    // the embedded runtime's table holds them (one place to list dead letters)
    expect(await deadLetters.count('external', 1)).toBe(2);
  });

  it('isolates an event whose prepare stage fails', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const store = externalProjection({ prepareFails: (e) => e.data?.content === 'turn 2' });
    const runtime = await opened({ log, handlers: [store.handler], batchSize: 10 });
    await log.append(conversation(t, 5));
    expect(await runtime.runUntilCaughtUp()).toMatchObject({ processed: 5, deadLettered: 1 });
    expect(store.rowsOf(1).map((r) => r.prepared)).toEqual(['prepared:0', 'prepared:1', 'prepared:3', 'prepared:4']);
    expect((await runtime.deadLetters('external')).map((d) => [d.offset, d.reason])).toEqual([[2, expect.stringMatching(/cannot prepare/) as unknown]]);
  });

  it('a failing acknowledgement hook fails the batch like a retriable error: nothing committed', async () => {
    const { log } = fixture();
    const store = externalProjection();
    let failNext = true;
    const runtime = await opened({
      log,
      handlers: [store.handler],
      onApplied: () => {
        if (!failNext) return;
        failNext = false;
        throw new UnavailableError('metrics sink down');
      },
    });
    await log.append(conversation(uniqueTenant(), 4));
    await expect(runtime.runUntilCaughtUp()).rejects.toThrow(/metrics sink down/);
    expect(await log.committed('projection:external:g1')).toEqual({});
    await runtime.runUntilCaughtUp();
    expect(store.deliveries).toHaveLength(8);
    expect(store.rowsOf(1)).toHaveLength(4);
  });
});

describe('external-store runtime: continuous mode', () => {
  it('keeps each group subscribed, restarts a failed one after a backoff and reports lag per group', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    let failures = 0;
    const flaky = externalProjection({
      name: 'flaky',
      failure: () => (failures < 2 ? (failures += 1, new UnavailableError('not yet')) : undefined),
    });
    const steady = externalProjection({ name: 'steady' });
    const errors: string[] = [];
    const runtime = await opened({
      log,
      handlers: [flaky.handler, steady.handler],
      pollIntervalMs: 5,
      retryInitialMs: 5,
      retryMaxMs: 20,
      onError: (_e, projection) => errors.push(projection),
    });
    runtime.start();
    runtime.start();
    const appended = await log.append(conversation(t, 6));
    const token = { 0: appended.at(-1)!.offset + 1 };
    await waitFor(async () => (await runtime.reached('steady', token)) && (await runtime.reached('flaky', token)), 'both projections to reach the append');
    expect(errors).toEqual(['flaky', 'flaky']);
    expect(flaky.rowsOf(1)).toHaveLength(6);
    expect(steady.rowsOf(1)).toHaveLength(6);
    await waitFor(async () => (await runtime.status()).every((s) => s.lag === 0 && s.lastError === undefined), 'lag 0 and cleared errors');
    await runtime.stop();
    await log.append(conversation(t, 2, 6));
    expect((await runtime.status()).map((s) => [s.name, s.lag])).toEqual([['flaky', 2], ['steady', 2]]);
  });
});

describe('external-store runtime: generations', () => {
  it('rebuilds into a new generation from offset 0, switches when caught up and drops the old one', async () => {
    const { log } = fixture();
    const t = uniqueTenant();
    const generations = new InMemoryGenerationStore();
    const store = externalProjection();
    const runtime = await opened({ log, handlers: [store.handler], generations, batchSize: 3 });
    expect(store.schemas.created).toEqual([1]);
    await log.append(conversation(t, 7));
    await runtime.runUntilCaughtUp();

    const building = await runtime.requestRebuild('external');
    expect(building).toMatchObject({ generation: 2, state: 'building', group: 'projection:external:g2' });
    expect(await runtime.requestRebuild('external')).toEqual(building);
    expect((await runtime.status())[0]).toMatchObject({ activeGeneration: 1, lag: 0, building: { generation: 2, checkpoint: {}, lag: 7 } });

    const report = await runtime.runUntilCaughtUp();
    expect(report.switched).toEqual([{ projection: 'external', from: 1, to: 2 }]);
    expect(store.schemas).toEqual({ created: [1, 2], dropped: [1] });
    expect(store.rowsOf(2)).toHaveLength(7);
    expect(store.rowsOf(1)).toEqual([]);
    expect((await runtime.generations('external')).map((g) => [g.generation, g.state, g.droppedAt !== null])).toEqual([[1, 'retired', true], [2, 'active', false]]);
    expect((await runtime.status())[0]).toMatchObject({ activeGeneration: 2, checkpoint: { 0: 7 }, lag: 0 });

    const rebuilt = await runtime.rebuild('external');
    expect(rebuilt.switched).toEqual([{ projection: 'external', from: 2, to: 3 }]);
    expect(rebuilt.processed).toBe(7);
  });

  it('a handler version bump starts a rebuild on open; the old generation is frozen until the switch', async () => {
    const { log } = fixture();
    const generations = new InMemoryGenerationStore();
    const v1 = externalProjection({ version: 1 });
    await (await opened({ log, handlers: [v1.handler], generations })).runUntilCaughtUp();
    await log.append(conversation(uniqueTenant(), 4));
    await (await opened({ log, handlers: [v1.handler], generations })).runUntilCaughtUp();

    await log.append(conversation(uniqueTenant(), 2));
    const v2 = externalProjection({ version: 2 });
    const runtime = await opened({ log, handlers: [v2.handler], generations });
    expect((await runtime.status())[0]).toMatchObject({ version: 2, activeGeneration: 1, frozen: true, lag: 2, building: { generation: 2, version: 2, lag: 6 } });
    expect((await runtime.runUntilCaughtUp()).switched).toEqual([{ projection: 'external', from: 1, to: 2 }]);
    expect(v2.rowsOf(2)).toHaveLength(6);

    const stale = await opened({ log, handlers: [v1.handler], generations });
    expect((await stale.status())[0]).toMatchObject({ lastError: { code: 'configuration_invalid' } });
    await expect(stale.runUntilCaughtUp()).rejects.toMatchObject({ code: 'configuration_invalid' });
  });
});

describe('external-store runtime: options', () => {
  it('lists every invalid option at once', async () => {
    const { log } = fixture();
    const bad = { ...externalProjection().handler, name: 'Bad Name', kind: 'view' } as unknown as AsyncProjectionHandler;
    const error = await AsyncProjectionRuntime.open({ log, handlers: [bad, externalProjection({ version: 0 }).handler], batchSize: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'configuration_invalid' });
    const message = (error as Error).message;
    for (const part of [/projection name "Bad Name" is invalid/, /kind must be 'read-model' or 'processor', got view/, /version must be a positive integer, got 0/, /batchSize must be an integer from 1 to 10000, got 0/]) {
      expect(message).toMatch(part);
    }
    await expect(AsyncProjectionRuntime.open({ log: undefined as never, handlers: [externalProjection().handler] })).rejects.toThrow(/log must be an EventLog/);
  });

  it('names unknown projections', async () => {
    const { log } = fixture();
    const runtime = await opened({ log, handlers: [externalProjection().handler] });
    await expect(runtime.reached('nope', {})).rejects.toMatchObject({ code: 'not_found' });
    await expect(runtime.runUntilCaughtUp(undefined, { projections: ['nope'] })).rejects.toMatchObject({ code: 'not_found' });
    expect(() => runtime.kindOf('nope')).toThrow(/no projection "nope"/);
    expect(lag(await log.committed('projection:external:g1'), await log.end())).toBe(0);
  });
});
