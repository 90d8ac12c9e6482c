import { newEventId, type FactsExtracted } from '@memfabric/events';
import type { ExtractionInput } from '../port.js';

let counter = 0;

/** A tenant id no other test uses. */
export function uniqueGraphTenant(prefix = 'g'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Milliseconds since the epoch of an ISO date(-time), e.g. `ms('2023-05-08')`. */
export function ms(iso: string): number {
  const value = Date.parse(iso);
  if (!Number.isFinite(value)) throw new Error(`not a date: ${iso}`);
  return value;
}

/** One relation of a `facts.extracted` event. */
export type Relation = FactsExtracted['relations'][number];
/** One entity of a `facts.extracted` event. */
export type Entity = FactsExtracted['entities'][number];

/** A relation; `extra` sets `validfrom`/`validto`/`singlevalued`. */
export function relation(subject: string, predicate: string, object: string, extra: Partial<Relation> = {}): Relation {
  return { subject, predicate, object, ...extra };
}

/** A single-valued relation (a new object invalidates the old one). */
export function single(subject: string, predicate: string, object: string, extra: Partial<Relation> = {}): Relation {
  return relation(subject, predicate, object, { singlevalued: true, ...extra });
}

/** An entity mention. */
export function entity(name: string, type: Entity['type'] = 'person', start?: number, end?: number): Entity {
  return { name, type, ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
}

/** Where and when one test event sits; defaults come from the feed. */
export interface FeedAt {
  /** World time (ISO or ms); default the feed's current world time. */
  readonly worldTime?: string | number;
  /** Transaction time in ms; default the feed's clock (+1 s per event). */
  readonly recordedAt?: number;
  readonly sourceEventId?: string;
  readonly eventId?: string;
}

/**
 * Hands out `facts.extracted` inputs of one tenant as a log would: increasing offsets (one
 * partition) and increasing transaction times, one second apart from `start`.
 */
export class ExtractionFeed {
  /** Offset the next event gets. */
  offset: number;
  /** Transaction time the next event gets, ms. */
  recordedAt: number;

  constructor(
    readonly tenant: string,
    options: { readonly partition?: number; readonly offset?: number; readonly start?: number; readonly worldTime?: string } = {},
  ) {
    this.partition = options.partition ?? 0;
    this.offset = options.offset ?? 0;
    this.recordedAt = options.start ?? ms('2024-01-01T00:00:00Z');
    this.worldTime = options.worldTime ?? '2023-05-08T13:56:00Z';
  }

  readonly partition: number;
  /** Default world time of the next event (ISO). */
  worldTime: string;

  /** The next event carrying these entities and relations. */
  event(content: { entities?: readonly Entity[]; relations?: readonly Relation[]; times?: FactsExtracted['times'] }, at: FeedAt = {}): ExtractionInput {
    const worldTime = at.worldTime ?? this.worldTime;
    const recordedAt = at.recordedAt ?? this.recordedAt;
    const input: ExtractionInput = {
      tenant: this.tenant,
      extraction: {
        sourceevent: at.sourceEventId ?? newEventId(),
        extractor: { name: 'contract-test', version: '1' },
        entities: [...(content.entities ?? [])],
        times: [...(content.times ?? [])],
        relations: [...(content.relations ?? [])],
      },
      provenance: {
        eventId: at.eventId ?? newEventId(),
        sourceEventId: '',
        worldTime: typeof worldTime === 'number' ? worldTime : ms(worldTime),
        recordedAt,
        partition: this.partition,
        offset: this.offset,
      },
    };
    this.offset += 1;
    this.recordedAt = Math.max(this.recordedAt, recordedAt) + 1000;
    return { ...input, provenance: { ...input.provenance, sourceEventId: input.extraction.sourceevent } };
  }
}
