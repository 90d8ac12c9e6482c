import type { AnalyticsStore, FlatEvent } from '@memfabric/analytics';
import { flattenEvent } from '@memfabric/analytics';
import type { SubjectErased } from '@memfabric/events';
import type { StoredEvent } from '@memfabric/events';
import type { AsyncProjectionHandler } from '@memfabric/projections';
import type { SqliteProjectionHandler } from '@memfabric/projections-sqlite';

/** Name of the analytics projection (consumer groups `projection:analytics:g<N>`). */
export const ANALYTICS_PROJECTION = 'analytics';

/**
 * The analytics projection: every log event, flattened (no content, only its length), into the
 * analytics store. The store lives outside SQLite (chDB or a ClickHouse server), so the rows are
 * written in `prepare`, before the runtime's SQLite transaction commits the checkpoint; writes
 * are idempotent upserts keyed by event id (ReplacingMergeTree), so a crash between the insert
 * and the checkpoint replays the batch without doubling it. A rebuild re-inserts every event
 * into the same tables: nothing per generation is kept in SQLite.
 *
 * Erasure: a `subject.erased` event purges the subject's rows (`purgeSubject`: events it wrote
 * or is the subject of, and the queries it asked) once every earlier event of the batch is
 * inserted, and before any later one is, so the subject's events recorded after the erasure
 * stay. Purging again (a replayed batch, a rebuild) removes nothing more.
 */
export function analyticsProjection(store: AnalyticsStore): SqliteProjectionHandler {
  return {
    ...analyticsBase,
    createSchema: () => undefined,
    dropSchema: () => undefined,
    async prepare(events) {
      await writeAnalytics(store, events);
      return undefined;
    },
    apply: () => undefined,
  };
}

/**
 * The analytics projection for the asynchronous runtime (a projector on Kafka writing to a
 * ClickHouse server): the same writes as {@link analyticsProjection}, in `apply`, so the offset
 * is committed once ClickHouse acknowledged them.
 */
export function asyncAnalyticsProjection(store: AnalyticsStore): AsyncProjectionHandler {
  return { ...analyticsBase, apply: (events) => writeAnalytics(store, events) };
}

const analyticsBase = {
  name: ANALYTICS_PROJECTION,
  version: 2,
  kind: 'read-model' as const,
  description: 'every event flattened into the analytics store (chDB / ClickHouse); erasure purges a subject',
};

/** Inserts `events` flattened, purging a subject at its erasure (after the events before it). */
async function writeAnalytics(store: AnalyticsStore, events: readonly StoredEvent[]): Promise<void> {
  let pending: FlatEvent[] = [];
  for (const event of events) {
    pending.push(flattenEvent(event));
    if (event.type !== 'subject.erased' || event.data === null) continue;
    await store.insertEvents(pending);
    pending = [];
    await store.purgeSubject(event.tenantid, (event.data as unknown as SubjectErased).datasubject);
  }
  if (pending.length > 0) await store.insertEvents(pending);
}
