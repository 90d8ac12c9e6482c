import { normalizeEvent, type FactsExtracted, type NewEvent, type StoredEvent } from '@memfabric/events';

/** An entity of a hand-written `facts.extracted` event: a name, or a name and a type (default `person`). */
export type FactEntity = string | { readonly name: string; readonly type: FactsExtracted['entities'][number]['type'] };

/**
 * A valid `facts.extracted` event for `source` naming `entities` (and optional relations), as
 * the extraction stage would append it: same tenant, stream, world time and data subject as
 * the source, the source as causation. Lets graph-channel tests choose exactly which entities
 * a unit mentions.
 */
export function factsFor(
  source: Pick<StoredEvent, 'id' | 'tenantid' | 'streamid' | 'time' | 'datasubject'>,
  entities: readonly FactEntity[],
  relations: FactsExtracted['relations'] = [],
): NewEvent {
  const data: FactsExtracted = {
    sourceevent: source.id,
    extractor: { name: 'test', version: '1' },
    entities: entities.map((e) => (typeof e === 'string' ? { name: e, type: 'person' } : { name: e.name, type: e.type })),
    times: [],
    relations,
  };
  return normalizeEvent({
    source: 'urn:memfabric:extractor:test',
    type: 'facts.extracted',
    subject: source.id,
    time: source.time,
    tenantid: source.tenantid,
    streamid: source.streamid,
    actor: 'memfabric:extractor:test',
    datasubject: source.datasubject,
    causationid: source.id,
    data: data as unknown as Record<string, unknown>,
  });
}
