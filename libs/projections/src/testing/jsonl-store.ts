import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { StoredEvent } from '@memfabric/events';
import type { AsyncProjectionHandler } from '../projection/handler.js';

/** One event handed to the store, as it recorded it (every delivery, also repeated ones). */
export interface StoreDelivery {
  readonly group: string;
  /** Id of the `write` call (one per applied batch, unique across processes). */
  readonly batch: string;
  readonly id: string;
  readonly partition: number;
  readonly offset: number;
}

/** One effect the store applied: a tenant's counter went up by one for this event. */
export interface StoreEffect {
  readonly id: string;
  readonly partition: number;
  readonly offset: number;
  readonly tenantid: string;
}

/** What the store holds. */
export interface StoreContent {
  readonly deliveries: readonly StoreDelivery[];
  /** Effects in the order they were applied. */
  readonly effects: readonly StoreEffect[];
  /** The read model: events counted per tenant. */
  readonly counts: Readonly<Record<string, number>>;
}

type Line = ({ kind: 'delivery' } & StoreDelivery) | ({ kind: 'effect' } & StoreEffect);

/**
 * A test double of an external store, kept in a JSON-lines file so that it outlives a killed
 * process: it records every event it is handed (`delivery` lines, so redeliveries show) and
 * applies each event's effect (a per-tenant counter) at most once, keyed on the event's log
 * position and id, the way a real adapter upserts by point id. A `write` returns once its lines
 * are written and fsynced: that is the store's acknowledgement. A torn last line (a crash in
 * the middle of a write) is ignored on read, as an unacknowledged write.
 */
export class JsonLinesTestStore {
  private readonly applied = new Set<string>();

  /** Opens (creating on first write) the store file at `path`. */
  constructor(readonly path: string) {
    for (const effect of this.read().effects) this.applied.add(effectKey(effect));
  }

  /**
   * Records a delivery of `events` to `group` and applies the effect of every event not applied
   * before, in one fsynced append.
   * @returns the number of events whose effect was applied now (0 for a full redelivery).
   */
  write(group: string, events: readonly StoredEvent[]): number {
    const batch = randomUUID();
    const lines: Line[] = [];
    let applied = 0;
    for (const e of events) lines.push({ kind: 'delivery', group, batch, id: e.id, partition: e.partition, offset: e.offset });
    for (const e of events) {
      const effect: StoreEffect = { id: e.id, partition: e.partition, offset: e.offset, tenantid: e.tenantid };
      if (this.applied.has(effectKey(effect))) continue;
      lines.push({ kind: 'effect', ...effect });
      this.applied.add(effectKey(effect));
      applied += 1;
    }
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return applied;
  }

  /** The store's content as on disk now. */
  read(): StoreContent {
    const deliveries: StoreDelivery[] = [];
    const effects: StoreEffect[] = [];
    const counts: Record<string, number> = {};
    if (!existsSync(this.path)) return { deliveries, effects, counts };
    for (const text of readFileSync(this.path, 'utf8').split('\n')) {
      if (text === '') continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // torn final line of a write that was never acknowledged
      }
      if (line.kind === 'delivery') {
        const { kind: _kind, ...delivery } = line;
        deliveries.push(delivery);
      } else {
        const { kind: _kind, ...effect } = line;
        effects.push(effect);
        counts[effect.tenantid] = (counts[effect.tenantid] ?? 0) + 1;
      }
    }
    return { deliveries, effects, counts };
  }
}

function effectKey(effect: Pick<StoreEffect, 'partition' | 'offset' | 'id'>): string {
  return `${effect.partition}:${effect.offset}:${effect.id}`;
}

/**
 * A read-model handler of the external-store runtime over a {@link JsonLinesTestStore}: counts
 * events per tenant, idempotently. For crash and redelivery tests.
 */
export function jsonLinesCountingProjection(store: JsonLinesTestStore, name = 'tenant-counts'): AsyncProjectionHandler {
  return {
    name,
    version: 1,
    kind: 'read-model',
    description: 'events per tenant, in a JSON-lines test store',
    apply(events, context) {
      store.write(context.group, events);
      return Promise.resolve();
    },
  };
}
