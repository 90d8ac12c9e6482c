import type { AnalyticsStore } from '@memfabric/analytics';
import { flattenEvent } from '@memfabric/analytics';
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
 */
export function analyticsProjection(store: AnalyticsStore): SqliteProjectionHandler {
  return {
    name: ANALYTICS_PROJECTION,
    version: 1,
    description: 'every event flattened into the analytics store (chDB / ClickHouse)',
    createSchema: () => undefined,
    dropSchema: () => undefined,
    async prepare(events) {
      if (events.length > 0) await store.insertEvents(events.map(flattenEvent));
      return undefined;
    },
    apply: () => undefined,
  };
}
